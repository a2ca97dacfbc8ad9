"""The office's CSV import page: choose a file, see its first rows and every problem, import it, follow it.

The form posts the file (multipart); the page of one import shows its check and, once started, its
progress, refreshed by htmx every second while it runs (without JavaScript, a Refresh link does it).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError as CsrfValidationError

from ..bootstrap import blob_storage, bus, start_csv_import
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.csv_import import KINDS, ORDER_COLUMNS, PRODUCT_COLUMNS
from ..domain.delivery import BlobTooLarge
from ..domain.errors import DomainError
from ..edge.csv_upload import CsvUploadRefused, size_words, stage_csv
from ..extensions import csrf, db
from ..identity import actor_for
from ..queries.csv_imports import csv_import, recent_csv_imports

bp = Blueprint("imports", __name__, url_prefix="/office/imports")


def _page(error: str = "", status: int = 200, kind: str = "orders"):
    return render_template("office/imports.html", imports=recent_csv_imports(db.session), error=error, kind=kind,
                           order_columns=ORDER_COLUMNS, product_columns=PRODUCT_COLUMNS,
                           max_size=size_words(current_app.config["WAYBILL_CSV_MAX_BYTES"])), status


@bp.get("/")
@login_required
def index():
    """The upload form with the two file formats explained, and the latest imports."""
    require_role(actor_for(current_user), *OFFICE)
    return _page()


@bp.post("/")
@csrf.exempt  # checked below, once the file's own size cap is set (the form is parsed by the check)
@login_required
def upload():
    """Store the chosen file and check it; then its page shows the preview and every problem."""
    actor = actor_for(current_user)
    require_role(actor, *OFFICE)
    cap = current_app.config["WAYBILL_CSV_MAX_BYTES"]
    if (request.content_length or 0) > cap + 64 * 1024:
        return _page(f"The file is too big: a CSV file may be at most {size_words(cap)}. "
                     "Split it into smaller files.", 413)
    request.max_content_length = cap + 64 * 1024  # the form's other fields and boundaries ride along
    try:
        validate_csrf(request.form.get("csrf_token"))
    except CsrfValidationError as exc:
        raise CSRFError(str(exc)) from None
    kind = request.form.get("kind", "")
    chosen = request.files.get("file")
    if kind not in KINDS:
        return _page("Say what the file holds: orders or products with stock.", 422)
    if chosen is None or not chosen.filename:
        return _page("Choose a CSV file to upload.", 422, kind)
    try:
        staged = stage_csv(blob_storage(), chosen.stream, filename=chosen.filename, content_type=chosen.mimetype,
                           max_bytes=cap, too_large=BlobTooLarge)
    except CsvUploadRefused as refused:
        return _page(refused.message, refused.status, kind)
    try:
        staged.place()
        job = bus().handle(commands.CheckCsvImport(kind, chosen.filename[:255], staged.key, staged.size), actor)
    finally:
        staged.discard()
    return redirect(url_for("imports.show", import_id=job.id), 303)


def _found(import_id: int) -> dict:
    require_role(actor_for(current_user), *OFFICE)
    found = csv_import(db.session, import_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<id:import_id>")
@login_required
def show(import_id):
    """One import: the preview and every problem, or its progress, or its report (a fragment for htmx)."""
    found = _found(import_id)
    template = "office/_import_status.html" if request.headers.get("HX-Request") else "office/import.html"
    return render_template(template, job=found)


@bp.post("/<id:import_id>/commit")
@login_required
def commit(import_id):
    """Start the import of a checked file; its page follows it."""
    actor = actor_for(current_user)
    found = _found(import_id)
    try:
        bus().handle(commands.QueueCsvImport(import_id), actor)
    except DomainError as refused:
        return render_template("office/import.html", job=found, error=refused.message), refused.status
    start_csv_import(import_id, actor)
    return redirect(url_for("imports.show", import_id=import_id), 303)


@bp.post("/<id:import_id>/restart")
@login_required
def restart(import_id):
    """Start again an import that stopped part-way; its page follows it."""
    actor = actor_for(current_user)
    found = _found(import_id)
    try:
        bus().handle(commands.RestartCsvImport(import_id), actor)
    except DomainError as refused:
        return render_template("office/import.html", job=found, error=refused.message), refused.status
    start_csv_import(import_id, actor)
    return redirect(url_for("imports.show", import_id=import_id), 303)
