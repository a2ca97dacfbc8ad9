"""Floor staff's stock page: one row per product with its levels, a count form and a change form, and a search.
A product a warehouse has no stock level for yet (found by a search, or stocked in another warehouse) can be
counted in there: the count creates the level.

A count is the total on the shelf; the change is worked out from the on-hand the row showed and sent with it
(`expected_on_hand`), so the server refuses it if stock moved since instead of applying a stale difference.

The form works without JavaScript (a POST through the bus, like every form). With JavaScript the
offline module (pwa/static/js/commandlog.js) takes the same form's submit and queues a `stock.adjust`
command on the phone instead, which the sync push replays through the same handler.
"""
from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import Role, require_role
from ..domain.errors import DomainError
from ..domain.stock import MovementReason
from ..extensions import db
from ..identity import actor_for
from ..queries.catalogue import list_warehouses, products_found, stock_rows

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


class TotalCountForm(Schema):
    """Count mode: the total counted on the shelf; the change is worked out from the on-hand the page showed."""

    class Meta:
        unknown = EXCLUDE  # the on_hand_<warehouse> fields, read by _shown_on_hand

    warehouse_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    product_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    counted = fields.Integer(required=True, validate=validate.Range(0, 10**6),
                             error_messages={"invalid": "Enter how many you counted, like 10."})


def _by_product(rows: list[dict], warehouses, found: list[dict] = ()) -> list[dict]:
    """One entry per product (in the order the levels came: walking order), with its level per warehouse.

    A warehouse with no stock level for the product yet gets an empty one (`new`), so the product can be
    counted in there (the count creates the level); `found` (a search's products) adds the products none of
    the warehouses stocks yet, after the others.
    """
    code = {w.id: w.code for w in warehouses}
    products: dict[int, dict] = {}
    for row in rows:
        entry = products.setdefault(row["product_id"], {"product_id": row["product_id"], "sku": row["sku"],
                                                        "name": row["name"], "levels": [], "available": 0})
        entry["levels"].append({**row, "warehouse_code": code[row["warehouse_id"]], "new": False})
        entry["available"] += row["available"]
    for product in found:
        products.setdefault(product["product_id"], {**product, "levels": [], "available": 0})
    for entry in products.values():
        stocked = {level["warehouse_id"] for level in entry["levels"]}
        entry["levels"] += [{"warehouse_id": w.id, "product_id": entry["product_id"], "on_hand": 0, "reserved": 0,
                             "available": 0, "version": "", "bin": None, "warehouse_code": w.code, "new": True}
                            for w in warehouses if w.id not in stocked]
    return list(products.values())


def _page(errors: dict | None = None, submitted: dict | None = None, status: int = 200):
    """The stock page (or, for an htmx/fetch refresh, only its rows) for the signed-in user, maybe searched."""
    actor = actor_for(current_user)
    require_role(actor, Role.FLOOR, Role.OWNER, Role.MANAGER)
    warehouses = list_warehouses(db.session, None if actor.is_office else actor.warehouse_ids)
    search = request.args.get("q", "")[:100]
    products = _by_product(stock_rows(db.session, [w.id for w in warehouses], search), warehouses,
                           products_found(db.session, search) if search.strip() else ())
    template = "floor/_levels.html" if request.headers.get("HX-Request") else "floor/stock.html"
    return render_template(template, products=products, warehouses=warehouses, search=search, reasons=REASONS,
                           errors=errors or {}, submitted=submitted or {},
                           assigned=actor.is_office or bool(actor.warehouse_ids)), status


@bp.get("/floor/stock")
@login_required
def stock():
    """Stock of the user's warehouses, one row per product, each with a count form (and a search on top)."""
    # A page showing a one-off message ("Recorded +3.") must not become the worker's offline copy,
    # or the message would come back on every offline visit.
    one_off = bool(session.get("_flashes"))
    response = make_response(_page())
    if one_off:
        response.headers["Cache-Control"] = "no-store"
    return response


def _row_key(data: dict) -> str:
    return str(data.get("product_id"))


def _shown_on_hand(posted: dict, warehouse_id: int) -> int | None:
    """The on-hand the page showed for the chosen warehouse (the count's base), if it came with the form."""
    try:
        return int(posted.get(f"on_hand_{warehouse_id}", ""))
    except ValueError:
        return None


def _record_total_count(posted: dict):
    """Count mode without JavaScript: the same command the phone would queue, checked against the shown on-hand."""
    try:
        form = TotalCountForm().load(posted)
    except ValidationError as exc:
        errors = {"counted" if field == "counted" else "_form": list(messages) for field, messages in exc.messages.items()}
        return _page({_row_key(posted): errors}, {_row_key(posted): posted}, 422)
    was = _shown_on_hand(posted, form["warehouse_id"])
    if was is None:
        return _page({_row_key(posted): {"counted": ["Reload the page and count again."]}},
                     {_row_key(posted): posted}, 422)
    change = form["counted"] - was
    if change == 0:
        flash(f"Counted {form['counted']}, the same as on hand: nothing to change.")
        return redirect(url_for("floor.stock") + f"#stock-{_row_key(form)}")
    try:
        bus().handle(commands.AdjustStock(form["warehouse_id"], form["product_id"], MovementReason.COUNT.value,
                                          on_hand_delta=change, expected_on_hand=was), actor_for(current_user))
    except DomainError as exc:
        return _page({_row_key(posted): {"counted": [exc.message]}}, {_row_key(posted): posted}, exc.status)
    flash(f"Recorded the count: was {was}, counted {form['counted']}: {change:+d}.")
    return redirect(url_for("floor.stock") + f"#stock-{_row_key(form)}")


@bp.post("/floor/stock")
@login_required
def record():
    """Record a stock change from the form; problems are shown at the product's form, never a crash."""
    posted = request.form.to_dict()
    if "counted" in posted:
        return _record_total_count(posted)
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
