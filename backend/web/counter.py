"""The counter (point of sale) page and its printable receipt: a sale from the store's shelf, paid at once."""
from __future__ import annotations

import re
import uuid

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from ..bootstrap import bus
from ..domain.errors import DomainError, NotFound
from ..edge.command_schemas import worded
from ..edge.order_schemas import CounterSaleSchema, build_sale
from ..extensions import db
from ..identity import actor_for
from ..domain.counter import counter_quote
from ..queries.catalogue import product_by_sku
from ..queries.counter import counter_receipt, store_warehouse
from .order_form import domain_errors, field_errors, line_rows, product_matches, require_office

bp = Blueprint("counter", __name__, url_prefix="/counter")
MONEY = re.compile(r"^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$")


def amount_minor(typed: str):
    """'20', '20.5', '20.50' -> 2000, 2050, 2050; anything else is passed on as typed for the schema to refuse."""
    match = MONEY.match(typed or "")
    if not match:
        return typed.strip() or None
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def _state(form) -> dict:
    return {"tender": form.get("tender", "card"), "terminal_reference": form.get("terminal_reference", ""),
            "tendered": form.get("tendered", ""), "notes": form.get("notes", ""),
            "product_q": form.get("product_q", ""), "idempotency_key": form.get("idempotency_key") or str(uuid.uuid4())}


def _render(state: dict, rows, errors: dict | None = None, status: int = 200):
    store = current_app.config.get("WAYBILL_STORE_WAREHOUSE") or ""
    return render_template("counter/sale.html", state=state, rows=rows.rows, errors=errors or {}, warnings={},
                           store=store, products=product_matches(state["product_q"]),
                           preview=_preview(state, rows, store)), status


def _preview(state: dict, rows, store_code: str) -> dict | None:
    """The total of the lines typed so far and the change for the cash typed (what the till says before
    payment); the sale itself is priced again by its handler."""
    items = []
    for row in rows.rows:
        quantity = row["quantity"].strip()
        product = product_by_sku(db.session, row["sku"].strip()) if row["sku"].strip() else None
        if product is not None and product.active and quantity.isdigit() and 0 < int(quantity) <= 10000:
            items.append((product, int(quantity)))
    store = store_warehouse(db.session, store_code)
    if not items or store is None:
        return None
    settings = bus().settings
    country = (store.address or {}).get("country", "")
    try:
        priced = counter_quote(items, currency=settings.currency, store_country=country, tax=settings.tax)
    except DomainError:
        return None
    tendered = amount_minor(state["tendered"])
    total = priced.total.amount
    return {"total_minor": total, "currency": settings.currency,
            "change_minor": tendered - total if isinstance(tendered, int) and tendered >= total else None}


@bp.get("/")
@login_required
def sale():
    """An empty counter sale."""
    require_office()
    return _render(_state(request.args), line_rows(request.args))


@bp.post("/")
@login_required
def take_payment():
    """Add a product or a row, or take the payment: the sale is made and its receipt shown."""
    require_office()
    form = request.form
    state, rows = _state(form), line_rows(form)
    if form.get("add_sku"):
        rows.add_sku(form["add_sku"])
        return _render(state, rows)
    if form.get("action") != "sell":
        if form.get("action") == "add_row":
            rows.add_row()
        return _render(state, rows)
    data = {"lines": rows.lines(), "tender": state["tender"], "terminal_reference": state["terminal_reference"],
            "tendered_minor": amount_minor(state["tendered"]), "notes": state["notes"]}
    if not data["lines"]:
        data.pop("lines")
    schema = worded(CounterSaleSchema(), {"lines": {"required": "Add at least one product."},
                                          "tendered_minor": {"invalid": "Enter an amount such as 20.00."},
                                          "tender": {"choice": "Choose card or cash."}})
    renamed = {"tendered_minor": "tendered"}
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        return _render(state, rows, field_errors(exc.messages, rows, renamed), status=422)
    try:
        order, _created = bus().handle(build_sale(loaded, state["idempotency_key"]), actor_for(current_user))
    except DomainError as error:
        return _render(state, rows, domain_errors(error, rows, renamed), status=error.status)
    return redirect(url_for("counter.receipt", order_id=order.id), 303)


@bp.get("/receipts/<id:order_id>")
@login_required
def receipt(order_id: int):
    """The receipt of a counter sale, for the screen and for the printer."""
    require_office()
    found = counter_receipt(db.session, order_id)
    if found is None:
        raise NotFound("No such counter sale.")
    return render_template("counter/receipt.html", **found)
