"""The office's phone order form: find or add the customer, the lines, the address and the payment method; it
places the same PlaceOrder as the API, checked by the API's schema, once."""
from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from ..bootstrap import bus
from ..domain import commands
from ..domain.errors import DomainError
from ..edge.command_schemas import worded
from ..edge.order_schemas import ORDER_PAYMENT_METHODS, CustomerCreateSchema, OrderCreateSchema, build_place_order
from ..extensions import db
from ..identity import actor_for
from ..queries.catalogue import customer as stored_customer
from ..queries.counter import free_units, order_of_form_key
from .order_form import (customer_matches, domain_errors, field_errors, line_rows, product_matches,
                         require_office)
from .orders import bp
from .outcome import keep_outcome

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "postcode", "country", "phone")
PAYMENT_WORDS = {"card": "Card (taken over the phone)", "paypal": "PayPal", "bank_transfer": "Bank transfer",
                 "cash_on_delivery": "Cash on delivery"}
# The form's names of the schema's fields.
RENAMED = {**{f"shipping_address.{name}": f"ship_{name}" for name in ADDRESS_FIELDS},
           **{f"new.{name}": f"new_{name}" for name in ("email", "name", "phone")}}


def _form_state(form) -> dict:
    """Everything the person typed, to render back untouched."""
    return {"customer_id": form.get("customer_id", ""), "customer_q": form.get("customer_q", ""),
            "product_q": form.get("product_q", ""), "payment_method": form.get("payment_method", "card"),
            "notes": form.get("notes", ""), "idempotency_key": form.get("idempotency_key") or str(uuid.uuid4()),
            "backorder_ok": form.get("backorder_ok") == "1",
            **{f"ship_{name}": form.get(f"ship_{name}", "") for name in ADDRESS_FIELDS},
            **{f"new_{name}": form.get(f"new_{name}", "") for name in ("name", "email", "phone")}}


def _render(state: dict, rows, errors: dict | None = None, *, warnings: dict | None = None, status: int = 200):
    customer = (stored_customer(db.session, int(state["customer_id"]))
                if state["customer_id"].isdigit() else None)
    return render_template("orders/new.html", state=state, rows=rows.rows, errors=errors or {},
                           warnings=warnings or {}, customer=customer,
                           customers=customer_matches(state["customer_q"]),
                           products=product_matches(state["product_q"]),
                           methods=[(m, PAYMENT_WORDS.get(m, m)) for m in ORDER_PAYMENT_METHODS]), status


def _prefill_address(state: dict, customer) -> None:
    """The chosen customer's first address in the address fields (the person may still change it)."""
    address = (customer.addresses or [{}])[0] if customer else {}
    for name in ADDRESS_FIELDS:
        state[f"ship_{name}"] = str(address.get(name) or (customer.name if name == "name" and customer else "")
                                    or (customer.phone if name == "phone" and customer else ""))


@bp.get("/new")
@login_required
def new():
    """An empty phone order form."""
    require_office()
    return _render(_form_state(request.args), line_rows(request.args))


@bp.post("/new")
@login_required
def place():
    """The form's buttons: choose a customer, add a product or a row, search, or place the order."""
    require_office()
    form = request.form
    state, rows = _form_state(form), line_rows(form)
    if form.get("pick_customer", "").isdigit():
        state["customer_id"] = form["pick_customer"]
        _prefill_address(state, stored_customer(db.session, int(state["customer_id"])))
        return _render(state, rows)
    if form.get("add_sku"):
        rows.add_sku(form["add_sku"])
        return _render(state, rows)
    if form.get("action") != "place":
        if form.get("action") == "add_row":
            rows.add_row()
        return _render(state, rows)
    return _place(state, rows)


def _place(state: dict, rows):
    """Validate with the API's schema, make the new customer if asked, place the order, show it."""
    data = {"channel": "phone", "lines": rows.lines(), "payment_method": state["payment_method"],
            "notes": state["notes"], "shipping_address": {name: state[f"ship_{name}"] for name in ADDRESS_FIELDS}}
    if state["customer_id"].isdigit():
        data["customer_id"] = int(state["customer_id"])
    if not data["lines"]:
        data.pop("lines")  # the schema says a line is needed
    schema = worded(OrderCreateSchema(), {"lines": {"required": "Add at least one product."},
                                          "payment_method": {"choice": "Choose how the customer pays."}})
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        return _render(state, rows, field_errors(exc.messages, rows, RENAMED), status=422)
    warnings = _backorder_warnings(loaded, rows)
    if warnings and not state["backorder_ok"]:
        return _render(state, rows, {"_form": "Some products are short: tick the box to place the order with "
                                              "the rest backordered, or change the quantities."},
                       warnings=warnings, status=422)
    actor = actor_for(current_user)
    if "customer_id" not in loaded and state["new_email"].strip():
        # A second tap sent before the first answered carries no customer id yet: it shows the first order
        # rather than registering the same new customer twice.
        placed = order_of_form_key(db.session, actor.user_id, state["idempotency_key"])
        if placed is not None:
            return redirect(url_for("orders.show", order_id=placed), 303)
    try:
        if "customer_id" not in loaded and state["new_email"].strip():
            loaded["customer_id"] = _new_customer(state, loaded, rows, actor)
        order, _created = bus().handle(build_place_order(loaded, state["idempotency_key"]), actor)
    except _FormRefused as refused:
        return _render(state, rows, refused.errors, status=422)
    except DomainError as error:
        return _render(state, rows, domain_errors(error, rows, RENAMED), status=error.status)
    short = sum(s.get("missing", 0) for s in order.shortages or [])
    keep_outcome(f"order-{order.id}", order_id=order.id,
                 done=f"Order {order.number} placed." + (f" {short} units are backordered." if short else ""))
    return redirect(url_for("orders.show", order_id=order.id), 303)


class _FormRefused(Exception):
    def __init__(self, errors: dict):
        super().__init__("refused")
        self.errors = errors


def _new_customer(state: dict, loaded: dict, rows, actor) -> int:
    """Register the customer typed into the form (the API's customer schema), their address the order's."""
    try:
        new = CustomerCreateSchema().load({"email": state["new_email"], "name": state["new_name"],
                                           "phone": state["new_phone"], "addresses": [loaded["shipping_address"]]})
    except ValidationError as exc:
        raise _FormRefused(field_errors({"new": exc.messages}, rows, RENAMED)) from exc
    try:
        customer = bus().handle(commands.CreateCustomer(new["email"], new["name"], new["phone"],
                                                        tuple(new["addresses"])), actor)
    except DomainError as error:
        if error.code == "customer.duplicate_email":  # they are on file: the search shows them to choose
            state["customer_q"] = new["email"]
            raise _FormRefused({"new_email": "A customer with this e-mail is on file already: choose them "
                                             "from the search above."}) from error
        raise _FormRefused({"new_email": error.message}) from error
    state["customer_id"] = str(customer.id)  # a second try uses this customer, not a duplicate
    return customer.id


def _backorder_warnings(loaded: dict, rows) -> dict[str, str]:
    """Lines asking for more than is free in every warehouse, beside their quantity ("3 in stock ...")."""
    free = free_units(db.session, [line["sku"] for line in loaded["lines"]])
    warnings = {}
    for index, line in enumerate(loaded["lines"]):
        have = free.get(line["sku"])
        if have is not None and have < line["quantity"]:
            warnings[f"qty_{rows.used[index]}"] = (f"Only {max(have, 0)} in stock: {line['quantity'] - max(have, 0)} "
                                                   "will be backordered and sent when stock arrives.")
    return warnings
