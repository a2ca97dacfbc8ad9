"""Customers' order e-mails turned off and on: from their account page, or by the link in every e-mail.

Turned off means nothing: no confirmation, no shipped, no failed attempt, no delivered. The customer asked,
and the tracking page still shows everything. The worker that sends the e-mails is adapters/mail_worker.py;
it checks the setting when it takes an event in and again just before each send.
"""
from __future__ import annotations

from ..domain import commands
from ..domain.access import Actor, Role, require_role
from ..domain.errors import NotFound
from ..domain.events import DomainEvent, utcnow
from ..domain.order_mail import MAIL_TOKEN_PATTERN
from .settings import Settings
from .unit_of_work import UnitOfWork


def _record_change(uow: UnitOfWork, customer, actor: Actor, via: str) -> None:
    uow.publish(DomainEvent(name="customer.order_emails_on" if customer.order_emails else "customer.order_emails_off",
                            aggregate_type="customer", aggregate_id=customer.id, aggregate_version=1,
                            data={"actor_id": actor.user_id, "via": via}))


def set_order_emails(cmd: commands.SetOrderEmails, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Turn the signed-in customer's order e-mails on or off; returns their customer record."""
    require_role(actor, Role.CUSTOMER)
    customer = uow.catalogue.customer(actor.customer_id, for_update=True) if actor.customer_id else None
    if customer is None:
        raise NotFound("No customer record is linked to this account.")
    if customer.set_order_emails(cmd.on, utcnow()):
        _record_change(uow, customer, actor, "account")
    uow.commit()
    return customer


def set_order_emails_by_link(cmd: commands.SetOrderEmailsByLink, actor: Actor, uow: UnitOfWork,
                             settings: Settings):
    """Turn order e-mails off (or back on) for the customer an unsubscribe link belongs to; returns them."""
    if not MAIL_TOKEN_PATTERN.match(cmd.token or ""):  # the same answer for malformed, unknown or guessed
        raise NotFound("This link is not valid.")
    customer = uow.catalogue.customer_by_mail_token(cmd.token, for_update=True)
    if customer is None:
        raise NotFound("This link is not valid.")
    if customer.set_order_emails(cmd.on, utcnow()):
        _record_change(uow, customer, actor, "link")
    uow.commit()
    return customer
