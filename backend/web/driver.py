"""The driver's pages: today's run, a stop (confirm the drop-off or record a failed attempt), the cash.

Every form works without JavaScript (a POST through the bus, photos as ordinary file fields). With
JavaScript, pwa/static/js/driver.js takes the same forms' submits and writes `delivery.confirm`,
`delivery.fail` and `run.settle` commands to the phone's log, photos shrunk on the phone, so a driver
without signal loses nothing; the sync push replays them through the same handlers.
"""
from __future__ import annotations

import re
import uuid

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_required
from marshmallow import ValidationError

from ..bootstrap import blob_storage, bus
from ..domain import commands
from ..domain.access import Role, require_role
from ..domain.delivery import FAIL_REASONS, BlobTooLarge, image_type
from ..domain.errors import DomainError
from ..edge.command_schemas import (MAX_PHOTOS, DeliveryConfirmV1, DeliveryFailV1, RunSettleV1, build_confirm,
                                    build_fail, build_settle, worded)
from ..extensions import db
from ..identity import actor_for
from ..queries.failed_deliveries import next_step_for_driver
from ..queries.delivery import current_run_id, run_header, run_of_stop, stops
from .timefmt import shop_today

bp = Blueprint("driver", __name__)

CASH = re.compile(r"^\s*[£$€]?\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$")


def parse_cash(text: str) -> int:
    """'12', '12.5', '£12.50' -> minor units; raises ValueError for anything else."""
    match = CASH.match(text or "0")
    if not match:
        raise ValueError(text)
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


# The forms' own names and words; the rules are the command schemas' (backend/edge/command_schemas.py).
CONFIRM = worded(DeliveryConfirmV1(),
                 {"recipient_name": {"required": "Enter the name of the person who took the parcel."}})
FAIL = worded(DeliveryFailV1(), {"reason": {"choice": "Choose a reason."}})
SETTLE = worded(RunSettleV1(), {"counted_minor": {"required": "Enter the cash you are handing in."}})
CASH_FIELDS = {"cod_collected": "cod_collected_minor", "counted": "counted_minor"}  # typed amounts -> minor units


def _blank(form: dict) -> dict:
    """Form fields without the empty strings a browser sends for untouched inputs."""
    return {k: v for k, v in form.items() if v != "" and k != "csrf_token" and k != "share_position"}


def _load_form(schema, posted: dict, **given) -> dict:
    """The command payload of a posted form, checked by the command's schema; errors keyed by the form's names.

    Amounts typed by a person ("12.50", "£12") become minor units first; photos are not part of the form's
    fields (they arrive as files and are stored after this check), so the schema's photo fields are left out.
    """
    payload, errors = {}, {}
    for name, value in _blank(posted).items():
        if name in CASH_FIELDS:
            try:
                payload[CASH_FIELDS[name]] = parse_cash(value)
            except ValueError:
                errors[name] = ["Enter an amount like 12.50."]
        else:
            payload[name] = value
    form_name = {schema_name: name for name, schema_name in CASH_FIELDS.items()}
    try:
        loaded = schema.load({**payload, **given}, partial=(*(CASH_FIELDS[n] for n in errors), "blob_refs", "photo"))
    except ValidationError as exc:
        errors = {**{form_name.get(k, k): v for k, v in exc.messages.items()}, **errors}
    if errors:
        raise ValidationError(errors)
    return loaded


def _actor():
    actor = actor_for(current_user)
    require_role(actor, Role.DRIVER, Role.OWNER, Role.MANAGER)
    return actor


def _visible_run(actor, run_id: int) -> dict:
    """The run's header if the actor may see it (a driver only their own); else 404."""
    header = run_header(db.session, run_id)
    if header is None or (actor.role == Role.DRIVER and header["driver_id"] != actor.user_id):
        abort(404)
    return header


def _page_urls(run: dict, run_stops: list[dict]) -> list[str]:
    """Every page the run needs offline ("Take today's run offline" caches these)."""
    urls = [url_for("driver.run_page")]
    urls += [url_for("driver.stop_page", stop_id=s["id"]) for s in run_stops]
    urls.append(url_for("driver.settle_page", run_id=run["id"]))
    urls.append(url_for("sync_page.index"))  # what is waiting to be sent, readable without a signal
    return urls


def _no_store_if_flashing(response):
    # A page showing a one-off message must not become the worker's offline copy (see web/floor.py).
    if session.get("_flashes"):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/driver")
@login_required
def run_page():
    """Today's run of the signed-in driver: stops in order with address, map, phone, notes, cash and ETA."""
    actor = _actor()
    run_id = current_run_id(db.session, actor.user_id, shop_today()) if actor.role == Role.DRIVER else None
    run = run_header(db.session, run_id) if run_id else None
    run_stops = stops(db.session, run_id) if run else []
    one_off = bool(session.get("_flashes"))
    response = make_response(render_template(
        "driver/run.html", run=run, stops=run_stops, offline_urls=_page_urls(run, run_stops) if run else [],
        open_stops=sum(1 for s in run_stops if s["status"] == "pending")))
    if one_off:
        response.headers["Cache-Control"] = "no-store"
    return response


def _stop_context(actor, stop_id: int) -> tuple[dict, dict]:
    run_id = run_of_stop(db.session, stop_id)
    if run_id is None:
        abort(404)
    run = _visible_run(actor, run_id)
    return run, stops(db.session, run["id"], stop_id)[0]


def _render_stop(actor, stop_id: int, errors: dict | None = None, given: dict | None = None, status: int = 200):
    run, stop = _stop_context(actor, stop_id)
    next_step = next_step_for_driver(db.session, stop, max_attempts=current_app.config["WAYBILL_MAX_DELIVERY_ATTEMPTS"])
    response = make_response(render_template("driver/stop.html", run=run, stop=stop, reasons=FAIL_REASONS,
                                             errors=errors or {}, given=given or {}, max_photos=MAX_PHOTOS,
                                             next_step=next_step), status)
    return _no_store_if_flashing(response)


DONE_WORDS = {
    "delivered": "This stop is already recorded as delivered: nothing was changed. What was recorded is below.",
    "failed": "This stop is already recorded as not delivered: nothing was changed. If you delivered it after all, "
              "call the office.",
}


def _refuse_if_done(actor, stop_id: int):
    """The stop page saying nothing was changed, when a form is posted for a stop that is no longer open.

    Only an open stop offers the forms; a second post (a double tap, the back button, a page kept from
    before) must not record a second hand-over. A phone's offline replay still goes through the conflict
    rules (domain/sync_rules.py), which keep a late fact as evidence for the office."""
    _, stop = _stop_context(actor, stop_id)  # 404 for someone else's stop before anything is stored
    if stop["status"] == "pending":
        return None
    return _render_stop(actor, stop_id, {"done": [DONE_WORDS.get(stop["status"], DONE_WORDS["delivered"])]},
                        status=409)


@bp.get("/driver/stops/<id:stop_id>")
@login_required
def stop_page(stop_id: int):
    """One stop: who and where, cash to collect, and the forms to confirm the drop-off or record a failure;
    a done stop shows what was recorded instead of the forms."""
    return _render_stop(_actor(), stop_id)


class _BadUpload(Exception):
    pass


def _store_uploads(actor, files, role: str) -> list[dict]:
    """Store photos posted with a form (no JavaScript) through the same checks as the blob endpoint.

    Returns the blob refs as a command payload holds them (see BlobRefV1)."""
    refs = []
    cap = current_app.config["BLOB_MAX_BYTES"]
    for upload in files:
        if not upload or not upload.filename:
            continue

        def accept(sha256, size, head):
            if size == 0 or image_type(head) is None:
                raise _BadUpload(f"{upload.filename} is not a JPEG, PNG or WebP photo.")
        try:
            key, size, head = blob_storage().save(upload.stream, max_bytes=cap, accept=accept)
        except BlobTooLarge:
            raise _BadUpload(f"{upload.filename} is larger than {cap // (1024 * 1024)} MB.")
        blob_id = str(uuid.uuid4())
        bus().handle(commands.RecordBlobUpload(blob_id, key, size, image_type(head), key), actor)
        refs.append({"id": blob_id, "sha256": key, "size": size, "type": image_type(head), "role": role})
    return refs


def _allow_photo_bodies() -> None:
    # The app-wide body cap (1 MB) is for JSON and forms; a form with photos may carry several.
    request.max_content_length = current_app.config["BLOB_MAX_BYTES"] * (MAX_PHOTOS + 1)


@bp.post("/driver/stops/<id:stop_id>/confirm")
@login_required
def confirm(stop_id: int):
    """Record the hand-over from the form (photos as file fields); problems are shown at the form."""
    actor = _actor()
    _allow_photo_bodies()
    refused = _refuse_if_done(actor, stop_id)
    if refused is not None:
        return refused
    posted = request.form.to_dict()
    try:
        form = _load_form(CONFIRM, posted, stop_id=stop_id)
    except ValidationError as exc:
        return _render_stop(actor, stop_id, {"confirm": exc.messages}, posted, 422)
    try:
        refs = _store_uploads(actor, request.files.getlist("photos"), "photo")
        bus().handle(build_confirm({**form, "recipient_name": form["recipient_name"].strip(), "blob_refs": refs}),
                     actor)
    except _BadUpload as exc:
        return _render_stop(actor, stop_id, {"confirm": {"photos": [str(exc)]}}, posted, 422)
    except DomainError as exc:
        field = exc.field if exc.field in ("recipient_name", "photos", "cod_collected") else "_form"
        return _render_stop(actor, stop_id, {"confirm": {field: [exc.message]}}, posted, exc.status)
    flash("Delivery recorded.")
    return redirect(url_for("driver.run_page") + f"#stop-{stop_id}")


@bp.post("/driver/stops/<id:stop_id>/fail")
@login_required
def fail(stop_id: int):
    """Record a failed attempt from the form, with an optional photo."""
    actor = _actor()
    _allow_photo_bodies()
    refused = _refuse_if_done(actor, stop_id)
    if refused is not None:
        return refused
    posted = request.form.to_dict()
    try:
        form = _load_form(FAIL, posted, stop_id=stop_id)
    except ValidationError as exc:
        return _render_stop(actor, stop_id, {"fail": exc.messages}, posted, 422)
    try:
        refs = _store_uploads(actor, request.files.getlist("photo")[:1], "photo")
        bus().handle(build_fail({**form, "note": form["note"].strip(), "photo": refs[0] if refs else None}), actor)
    except _BadUpload as exc:
        return _render_stop(actor, stop_id, {"fail": {"photo": [str(exc)]}}, posted, 422)
    except DomainError as exc:
        field = exc.field if exc.field in ("reason", "note") else "_form"
        return _render_stop(actor, stop_id, {"fail": {field: [exc.message]}}, posted, exc.status)
    flash("Failed attempt recorded.")
    return redirect(url_for("driver.run_page") + f"#stop-{stop_id}")


def _render_settle(actor, run_id: int, errors=None, given=None, status=200):
    run = _visible_run(actor, run_id)
    run_stops = stops(db.session, run_id)
    expected = sum(s["cod_collected_minor"] or 0 for s in run_stops)
    currency = run_stops[0]["currency"] if run_stops else current_app.config["WAYBILL_CURRENCY"]
    response = make_response(render_template("driver/settle.html", run=run, stops=run_stops, expected=expected,
                                             currency=currency, errors=errors or {}, given=given or {},
                                             open_stops=sum(1 for s in run_stops if s["status"] == "pending")),
                             status)
    return _no_store_if_flashing(response)


@bp.get("/driver/runs/<id:run_id>/settle")
@login_required
def settle_page(run_id: int):
    """End of day: the cash each stop recorded, and the form to hand in the counted total."""
    return _render_settle(_actor(), run_id)


@bp.post("/driver/runs/<id:run_id>/settle")
@login_required
def settle(run_id: int):
    """Settle the run's cash from the form."""
    actor = _actor()
    posted = request.form.to_dict()
    try:
        form = _load_form(SETTLE, posted, run_id=run_id)
    except ValidationError as exc:
        return _render_settle(actor, run_id, exc.messages, posted, 422)
    _visible_run(actor, run_id)
    try:
        bus().handle(build_settle({**form, "note": form["note"].strip()}), actor)
    except DomainError as exc:
        field = exc.field if exc.field in ("note",) else ("counted" if exc.field == "counted_minor" else "_form")
        return _render_settle(actor, run_id, {field: [exc.message]}, posted, exc.status)
    flash("Cash handed in. Thank you!")
    return redirect(url_for("driver.settle_page", run_id=run_id))
