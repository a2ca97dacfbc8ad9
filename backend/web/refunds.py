"""Refunds from the office's order page: an amount in money, a reason, and the provider's answer in words."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import redirect, url_for
from flask import request
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.errors import DomainError
from ..domain.money import format_money
from ..identity import actor_for
from .orders import _visible_order, bp, render_order
from .outcome import keep_outcome


class RefundForm(Schema):
    """The refund form: the amount as people write money ("12.50"), and why."""

    amount = fields.String(required=True, validate=validate.Length(1, 20))
    reason = fields.String(load_default="", validate=validate.Length(0, 500))
    csrf_token = fields.String(load_default="")


def _minor(amount: str) -> int | None:
    """'12.50' -> 1250; None for anything that is not a positive amount with at most two decimals."""
    try:
        value = Decimal(amount.strip().lstrip("£€$").replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -2:
        return None
    return int(value * 100)


@bp.post("/<id:order_id>/refund")
@login_required
def refund(order_id: int):
    """Give money back through the payment provider; a refund above what was captured is refused, in words."""
    order = _visible_order(order_id)
    try:
        form = RefundForm().load(request.form.to_dict())
    except ValidationError:
        return render_order(order, error="Say how much to refund, for example 12.50.", status=422)
    amount = _minor(form["amount"])
    if amount is None:
        return render_order(order, error="Write the amount as money, for example 12.50.", status=422)
    try:
        bus().handle(commands.RefundPayment(order_id, amount, form["reason"]), actor_for(current_user))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return render_order(_visible_order(order_id), error=exc.message, status=exc.status if exc.status < 500 else 503)
    keep_outcome(f"order-{order_id}", done=f"{format_money(amount, order.currency)} refunded to the buyer.")
    return redirect(url_for("orders.show", order_id=order_id))
