"""Dispatch pages: the office builds drivers' runs for a day; a run page shows the stops in order, where the
office moves stops and the driver reorders their own run (offline too: `run.reorder` v1) and starts it."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import Role, require_role
from ..domain.dispatch import departure_of
from ..domain.errors import DomainError
from ..domain.failed_delivery import DECISIONS
from ..edge.command_schemas import FailedDeliveryDecisionV1, build_decision, worded
from ..extensions import db
from ..identity import actor_for
from ..queries.failed_deliveries import missed_deliveries
from ..queries.dispatch import awaiting_dispatch, drivers, list_runs, run_view, visible_run
from .timefmt import shop_today
from .wording import counted

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")


class BuildRunForm(Schema):
    """The office's 'build run' form."""

    driver_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1),
                               error_messages={"required": "Choose a driver.", "invalid": "Choose a driver."})
    run_date = fields.Date(required=True, error_messages={"required": "Choose a date.",
                                                          "invalid": "Enter a date like 2026-11-29."})
    shipment_ids = fields.List(fields.Integer(validate=validate.Range(1, 2**31 - 1)), required=True,
                               validate=validate.Length(1, 200, error="Tick at least one shipment."))
    planned_start = fields.Time(load_default=None, error_messages={"invalid": "Enter a time like 07:30."})


class MoveForm(Schema):
    """Move one stop (up or down buttons carry the target position)."""

    stop_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    position = fields.Integer(required=True, validate=validate.Range(1, 1000))
    base_version = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))


def _today() -> date:
    return shop_today()  # the shop's day: just after midnight in summer, UTC is still on yesterday


def _board(day: date, errors: list | None = None, status: int = 200, missed_errors: dict | None = None):
    actor = actor_for(current_user)
    require_role(actor, Role.OWNER, Role.MANAGER)
    runs = [run_view(db.session, r) for r in list_runs(db.session, actor, run_date=day)]
    missed = missed_deliveries(db.session, actor)
    return render_template("dispatch/index.html", day=day, waiting=awaiting_dispatch(db.session, actor),
                           drivers=drivers(db.session), runs=runs, errors=errors or [], missed=missed,
                           missed_errors=missed_errors or {}), status


@bp.get("")
@login_required
def index():
    """Own-fleet shipments waiting for a run, and the day's runs with their stops."""
    try:
        day = date.fromisoformat(request.args.get("date", "")) if request.args.get("date") else _today()
    except ValueError:
        return _board(_today(), ["Enter a date like 2026-11-29."], 422)
    return _board(day)


@bp.post("/runs")
@login_required
def build():
    """Put the ticked shipments on the driver's run for the day (nearest first)."""
    posted = {"driver_id": request.form.get("driver_id"), "run_date": request.form.get("run_date"),
              "shipment_ids": request.form.getlist("shipment_ids"), "planned_start": request.form.get("planned_start")}
    posted = {k: v for k, v in posted.items() if v not in (None, "")}
    try:
        form = BuildRunForm().load(posted)
    except ValidationError as exc:
        return _board(_today(), [m for msgs in exc.messages.values() for m in
                                 (msgs if isinstance(msgs, list) else [str(msgs)])], 422)
    try:
        run = bus().handle(commands.AssignToRun(form["driver_id"], form["run_date"], tuple(form["shipment_ids"]),
                                                form["planned_start"]), actor_for(current_user))
    except DomainError as exc:
        return _board(form["run_date"], [exc.message], exc.status)
    unlocated = [s for s in run_view(db.session, run)["stops"] if not s["located"]]
    flash(f"Run planned: {counted(len(run.stops), 'stop')}." + (
        f" {counted(len(unlocated), 'address', 'addresses')} without a map position: put last, no ETA."
        if unlocated else ""))
    return redirect(url_for("dispatch.index", date=form["run_date"].isoformat()) + f"#run-{run.id}")


def _run_page(run_id: int, error: str = "", status: int = 200):
    actor = actor_for(current_user)
    run = visible_run(db.session, actor, run_id)
    view = run_view(db.session, run)
    settings = bus().settings
    # The departure its ETAs count from, by the same rule as the handler that set them.
    leaves_at = departure_of(run, usual_start=settings.dispatch_start_time, zone_name=settings.timezone,
                             utc_hour=settings.dispatch_start_hour_utc)
    response = make_response(render_template("dispatch/run.html", run=view, error=error, leaves_at=leaves_at,
                                             is_driver=actor.role == Role.DRIVER), status)
    if error or session.get("_flashes"):  # one-off messages must not become the worker's offline copy
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/runs/<id:run_id>")
@login_required
def show(run_id: int):
    """One run: stops in order with address, ETA and cash to collect; move stops; start the run."""
    return _run_page(run_id)


def _back(run_id: int):
    if request.form.get("from") == "board":
        return redirect(request.referrer or url_for("dispatch.index"))
    return redirect(url_for("dispatch.show", run_id=run_id))


@bp.post("/runs/<id:run_id>/move")
@login_required
def move(run_id: int):
    """Move one stop (no-JS path; the driver's phone queues `run.reorder` instead)."""
    try:
        form = MoveForm().load({k: v for k, v in request.form.items() if k != "csrf_token" and k != "from"})
    except ValidationError:
        return _run_page(run_id, "That move is not possible.", 422)
    try:
        bus().handle(commands.MoveStop(run_id, form["stop_id"], form["position"], form["base_version"]),
                     actor_for(current_user))
    except DomainError as exc:
        return _run_page(run_id, exc.message, exc.status)
    flash(f"Stop moved to position {form['position']}.")
    return _back(run_id)


@bp.post("/runs/<id:run_id>/start")
@login_required
def start(run_id: int):
    """Leave with the run: every order on it goes out for delivery."""
    try:
        bus().handle(commands.StartRun(run_id), actor_for(current_user))
    except DomainError as exc:
        return _run_page(run_id, exc.message, exc.status)
    flash("Run started: the orders are out for delivery.")
    return _back(run_id)


def _decision_form() -> FailedDeliveryDecisionV1:
    return worded(FailedDeliveryDecisionV1(), {"decision": {"required": "Choose what to do with the parcel.",
                                                            "choice": "Choose what to do with the parcel."}})


@bp.post("/shipments/<id:shipment_id>/decision")
@login_required
def decide(shipment_id: int):
    """The office's decision on a missed parcel: a later run, held for collection, returned, or collected."""
    require_role(actor_for(current_user), Role.OWNER, Role.MANAGER)
    posted = {"shipment_id": shipment_id, "decision": request.form.get("decision", ""),
              "note": request.form.get("note", "")}
    try:
        form = _decision_form().load(posted)
    except ValidationError as exc:
        messages = [m for msgs in exc.messages.values() for m in (msgs if isinstance(msgs, list) else [str(msgs)])]
        return _board(_today(), status=422, missed_errors={shipment_id: " ".join(messages)})
    try:
        _, order = bus().handle(build_decision(form), actor_for(current_user))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _board(_today(), status=exc.status, missed_errors={shipment_id: exc.message})
    flash(DECISIONS[form["decision"]].done.format(number=order.number))
    anchor = "#waiting-h" if form["decision"] == "reattempt" else "#missed-h"
    return redirect(url_for("dispatch.index") + anchor)
