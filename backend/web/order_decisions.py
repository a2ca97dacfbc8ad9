"""Decisions from the order page: a cancel or reject is confirmed on a page that says what it will do, any
decision ends in a message saying what happened, and a cancel or reject can be undone for a short time.

Without JavaScript every step is a page and a POST; with htmx the confirmation opens in place of the buttons.
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import ensure_visible
from ..domain.errors import DomainError
from ..domain.events import utcnow
from ..domain.order_decisions import DECISIONS, command_for, decisions_for
from ..extensions import db
from ..identity import actor_for
from ..queries.order_decisions import run_place, warehouse_names
from ..queries.orders import order_for
from . import decision_words as words
from .orders import bp, render_order
from .outcome import keep_outcome


class DecisionForm(Schema):
    """A decision on an order from the order page; `confirm` says the person saw what it will do."""

    action = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)))
    reason = fields.String(load_default="", validate=validate.Length(0, 500))
    confirm = fields.String(load_default="", validate=validate.Length(0, 10))
    back = fields.String(load_default="", validate=validate.OneOf(["", "dashboard"]))
    # The order's version the confirmation described: if the order moved on since, it is asked again.
    version = fields.Integer(load_default=None, strict=False, validate=validate.Range(1, 2**31 - 1))
    csrf_token = fields.String(load_default="")


class ConfirmArgs(Schema):
    """Which decision the confirmation page is about."""

    action = fields.String(required=True, validate=validate.OneOf(words.DESTRUCTIVE))
    back = fields.String(load_default="", validate=validate.OneOf(["", "dashboard"]))


class UndoForm(Schema):
    """The undo of the order's last decision: the version that decision left the order at."""

    version = fields.Integer(required=True, strict=False, validate=validate.Range(1, 2**31 - 1))
    back = fields.String(load_default="", validate=validate.OneOf(["", "dashboard"]))
    csrf_token = fields.String(load_default="")


def _order(order_id: int):
    order = order_for(db.session, order_id)
    ensure_visible(actor_for(current_user), order)
    return order


def _confirmation(order, decision: str, reason: str = "", back: str = "", changed: bool = False, status: int = 200):
    """The confirmation of a decision that ends the order: a fragment for htmx, else a page of its own."""
    office = actor_for(current_user).is_office
    said = words.consequences(decision, order, warehouse_names(db.session, order) if office else {},
                              run_place(db.session, order.id) if office else None, utcnow().date(),
                              bus().settings.undo_seconds, for_customer=not office)
    template = "orders/_confirm.html" if request.headers.get("HX-Request") else "orders/confirm.html"
    return render_template(template, order=order, decision=decision, said=said, reason=reason,
                           button=words.confirm_button(decision, order), back=back, changed=changed), status


@bp.get("/<id:order_id>/confirm")
@login_required
def confirm(order_id: int):
    """Ask before a cancel or reject: name the order and say what happens to its stock, its run and payment."""
    order = _order(order_id)
    try:
        args = ConfirmArgs().load(request.args.to_dict(), unknown="exclude")
    except ValidationError:
        return redirect(url_for("orders.show", order_id=order_id))
    decision = args["action"]
    if decision not in dict(decisions_for(actor_for(current_user), order)):
        return _back(order_id, args["back"], error=f"{order.number} can no longer be "
                     f"{'cancelled' if decision == 'cancel' else 'rejected'}.")
    return _confirmation(order, decision, back=args["back"])


@bp.post("/<id:order_id>/decision")
@login_required
def decide(order_id: int):
    """Apply a decision; one that ends the order without its confirmation shows the confirmation instead."""
    try:
        form = DecisionForm().load(request.form.to_dict())
    except ValidationError as exc:
        return _back(order_id, "", error="; ".join(f"{k}: {' '.join(v)}" for k, v in exc.messages.items()))
    before = order_for(db.session, order_id)
    if before is None:
        abort(404)
    ensure_visible(actor_for(current_user), before)
    decision = form["action"]
    changed = form["version"] is not None and form["version"] != before.version
    if decision in words.DESTRUCTIVE and (form["confirm"] != "yes" or changed):
        return _confirmation(before, decision, form["reason"], form["back"], changed=changed)
    before_units = words.reserved_by_warehouse(before, warehouse_names(db.session, before))
    try:
        after = bus().handle(command_for(decision, order_id, form["reason"]), actor_for(current_user))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _back(order_id, form["back"], error=exc.message)
    done = words.outcome(decision, before_units, after, warehouse_names(db.session, after),
                         for_customer=not actor_for(current_user).is_office)
    return _back(order_id, form["back"], done=done)


@bp.post("/<id:order_id>/undo")
@login_required
def undo(order_id: int):
    """Take back the order's last cancel or reject (from the order page or the dashboard); too late, twice or
    with the stock gone: a 409 that says so on the order page, or the dashboard's message."""
    order = _order(order_id)
    try:
        form = UndoForm().load(request.form.to_dict())
    except ValidationError:
        return render_order(order, error="Nothing to undo: reload the order and try again.", status=422)
    try:
        after = bus().handle(commands.UndoOrderDecision(order_id, form["version"]), actor_for(current_user))
    except DomainError as exc:
        if exc.status == 404:
            raise
        if form["back"] == "dashboard":
            return _back(order_id, "dashboard", error=exc.message)
        return render_order(_order(order_id), error=exc.message, status=exc.status)
    return _back(order_id, form["back"], done=words.undone(after, warehouse_names(db.session, after),
                                                 for_customer=not actor_for(current_user).is_office))


def _back(order_id: int, back: str, *, done: str = "", error: str = ""):
    """To the page the decision came from (the order page, or the dashboard), which shows what happened once."""
    if back == "dashboard":
        keep_outcome("dashboard", done=done, error=error, order_id=order_id)
        return redirect(url_for("owner.dashboard"))
    keep_outcome(f"order-{order_id}", done=done, error=error)
    return redirect(url_for("orders.show", order_id=order_id))

