"""Floor staff's stock page: levels in their warehouses and a count form per product.

The form works without JavaScript (a POST through the bus, like every form). With JavaScript the
offline module (pwa/static/js/outbox.js) takes the same form's submit and queues a `stock.adjust`
command on the phone instead, which the sync push replays through the same handler.
"""
from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import Role, require_role
from ..domain.errors import DomainError
from ..domain.stock import MovementReason
from ..extensions import db
from ..identity import actor_for
from ..queries.catalogue import list_warehouses, stock_rows

bp = Blueprint("floor", __name__)

# The reasons a person on the floor may give, in the order the form offers them (a count first).
REASONS = (("count", "Stock count"), ("adjustment", "Correction (damage, found, lost)"),
           ("received", "Goods received"))


class CountForm(Schema):
    """One product's count form, as posted without JavaScript (same limits as the sync command)."""

    warehouse_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    product_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    change = fields.Integer(required=True, validate=validate.Range(-10**6, 10**6),
                            error_messages={"invalid": "Enter a whole number, like 3 or -2."})
    reason = fields.String(required=True, validate=validate.OneOf(
        [MovementReason.COUNT.value, MovementReason.ADJUSTMENT.value, MovementReason.RECEIVED.value]))
    note = fields.String(load_default="", validate=validate.Length(0, 500))
    version = fields.Integer(load_default=None)  # the level's version the person saw (the offline command's base)
    csrf_token = fields.String(load_default="")


def _page(errors: dict | None = None, submitted: dict | None = None, status: int = 200):
    """The stock page (or, for an htmx/fetch refresh, only its levels) for the signed-in user."""
    actor = actor_for(current_user)
    require_role(actor, Role.FLOOR, Role.OWNER, Role.MANAGER)
    warehouses = list_warehouses(db.session, None if actor.is_office else actor.warehouse_ids)
    rows = stock_rows(db.session, [w.id for w in warehouses])
    by_warehouse = [(w, [r for r in rows if r["warehouse_id"] == w.id]) for w in warehouses]
    template = "floor/_levels.html" if request.headers.get("HX-Request") else "floor/stock.html"
    return render_template(template, by_warehouse=by_warehouse, reasons=REASONS, errors=errors or {},
                           submitted=submitted or {}, assigned=actor.is_office or bool(actor.warehouse_ids)), status


@bp.get("/floor/stock")
@login_required
def stock():
    """Stock levels of the user's warehouses, each with a form to record a count or a correction."""
    # A page showing a one-off message ("Recorded +3.") must not become the worker's offline copy,
    # or the message would come back on every offline visit.
    one_off = bool(session.get("_flashes"))
    response = make_response(_page())
    if one_off:
        response.headers["Cache-Control"] = "no-store"
    return response


def _row_key(data: dict) -> str:
    return f"{data.get('warehouse_id')}-{data.get('product_id')}"


@bp.post("/floor/stock")
@login_required
def record():
    """Record a stock change from the form; problems are shown at the product's form, never a crash."""
    posted = request.form.to_dict()
    try:
        form = CountForm().load(posted)
    except ValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.messages.items()}
        return _page({_row_key(posted): errors}, {_row_key(posted): posted}, 422)
    try:
        bus().handle(commands.AdjustStock(form["warehouse_id"], form["product_id"], form["reason"],
                                          on_hand_delta=form["change"], note=form["note"].strip()),
                     actor_for(current_user))
    except DomainError as exc:
        # A floor user's page only shows their own warehouses, so a 403/404 here is a tampered or stale form:
        # it is answered like any other refusal, on the page, with the server's words.
        field = exc.field if exc.field in ("change", "reason", "note") else "_form"
        if exc.field == "on_hand_delta" or exc.code.startswith("stock."):
            field = "change"
        return _page({_row_key(posted): {field: [exc.message]}}, {_row_key(posted): posted}, exc.status)
    flash(f"Recorded {form['change']:+d}.")
    return redirect(url_for("floor.stock") + f"#stock-{_row_key(form)}")
