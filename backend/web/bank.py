"""The office's bank transfers page: read the bank's statement, then settle what it could not match."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.errors import DomainError
from ..edge.bank_statement_csv import StatementUnreadable, read_statement
from ..extensions import db
from ..identity import actor_for
from ..queries.bank_statements import list_statement_lines, order_id_for_number
from .wording import counted

bp = Blueprint("bank", __name__, url_prefix="/office/bank")


def _page(status: int = 200, **context):
    """The page: the upload form (with a result, if any), the lines waiting for a person, the last settled."""
    context.setdefault("result", None)
    context.setdefault("errors", {})
    context.setdefault("given", {})
    return render_template("office/bank.html", open_lines=list_statement_lines(db.session, status="open"),
                           settled=list_statement_lines(db.session, status="settled", limit=10)["lines"],
                           **context), status


@bp.get("/")
@login_required
def index():
    """What waits for a person, and the form to read a new statement."""
    require_role(actor_for(current_user), *OFFICE)
    return _page()


@bp.post("/statements")
@login_required
def upload():
    """Check (preview) or import a statement; the result replaces the form's result area under htmx."""
    actor = actor_for(current_user)
    require_role(actor, *OFFICE)
    preview = request.form.get("action") != "import"
    upload = request.files.get("file")
    result, status = None, 200
    if upload is None or not upload.filename:
        result = {"problem": "Choose the statement file you downloaded from your bank (CSV)."}
        status = 422
    else:
        try:
            read = read_statement(upload.read(), currency=current_app.config["WAYBILL_CURRENCY"])
        except StatementUnreadable as exc:
            read, result, status = None, {"problem": str(exc)}, 422
        if read is not None and read.errors:
            broken = counted(len(read.errors), "line")
            result, status = {"problem": f"{broken} cannot be read, so nothing was imported. "
                                         f"Fix them in the file and choose it again.",
                              "row_errors": sorted(read.errors.items())}, 422
        elif read is not None:
            report = bus().handle(commands.ImportBankStatement(file_name=upload.filename[:200],
                                                               lines=tuple(read.credits), preview=preview), actor)
            result = {"report": report, "preview": preview, "debits_skipped": read.debits_skipped}
    if request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers: the fragment carries the refusal in words, the lines list rides along
        # out of band after an import so the page shows what now waits for a person.
        return render_template("office/_bank_result.html", result=result, errors={}, given={},
                               open_lines=list_statement_lines(db.session, status="open"),
                               settled=list_statement_lines(db.session, status="settled", limit=10)["lines"]), 200
    return _page(status, result=result)


@bp.post("/lines/<id:line_id>/match")
@login_required
def match(line_id: int):
    """Record an unmatched credit on the order the person names."""
    actor = actor_for(current_user)
    require_role(actor, *OFFICE)
    number, note = request.form.get("order", ""), request.form.get("note", "")
    order_id = order_id_for_number(db.session, number)
    if order_id is None:
        return _page(422, errors={line_id: f"No order {number or 'was given'}: type its number, like WB-000123."},
                     given={line_id: {"order": number, "note": note}})
    try:
        bus().handle(commands.MatchStatementLine(line_id, order_id, note), actor)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _page(422 if exc.status == 422 else 409, errors={line_id: exc.message},
                     given={line_id: {"order": number, "note": note}})
    flash(f"Recorded on WB-{order_id:06d}.")
    return redirect(url_for("bank.index"))


@bp.post("/lines/<id:line_id>/settle")
@login_required
def settle(line_id: int):
    """Close a line a person has dealt with; their note stays with it."""
    actor = actor_for(current_user)
    require_role(actor, *OFFICE)
    note = request.form.get("note", "")
    try:
        bus().handle(commands.SettleStatementLine(line_id, note), actor)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _page(422 if exc.status == 422 else 409, errors={line_id: exc.message},
                     given={line_id: {"note": note}})
    flash("Done.")
    return redirect(url_for("bank.index"))
