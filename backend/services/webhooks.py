"""Outgoing webhooks: the handlers that subscribe an API client's URL to events and stop a subscription.
The worker that delivers them is adapters/webhook_worker.py.
"""
from __future__ import annotations

from typing import Any

from ..domain import commands
from ..domain.access import OFFICE, Actor, Role, require_role
from ..domain.errors import NotFound
from ..domain.events import utcnow
from ..domain.webhooks import InvalidWebhook, events_problem, new_secret, url_problem
from .settings import Settings
from .unit_of_work import UnitOfWork


def create_webhook_subscription(cmd: commands.CreateWebhookSubscription, actor: Actor, uow: UnitOfWork,
                                settings: Settings) -> tuple[Any, str]:
    """Subscribe a URL to event types; returns (subscription, its signing secret, to be shown once)."""
    require_role(actor, *OFFICE)
    errors = {}
    problem = url_problem(cmd.url, allow_private=settings.webhooks_allow_private)
    if problem:
        errors["url"] = problem
    problem = events_problem(cmd.events)
    if problem:
        errors["events"] = problem
    if errors:
        raise InvalidWebhook("This subscription cannot be made; see errors.", errors=errors)
    secret = new_secret()
    row = uow.webhooks.add_subscription(user_id=actor.user_id, url=cmd.url, events=sorted(set(cmd.events)),
                                        description=cmd.description, secret=secret, created_at=utcnow(),
                                        failures_in_a_row=0)
    uow.commit()
    return row, secret


def delete_webhook_subscription(cmd: commands.DeleteWebhookSubscription, actor: Actor, uow: UnitOfWork,
                                settings: Settings) -> Any:
    """Stop a subscription (the owner's any, a manager's own): nothing waiting is sent; its log stays."""
    require_role(actor, *OFFICE)
    row = uow.webhooks.subscription(cmd.subscription_id, for_update=True)
    if row is None or (actor.role != Role.OWNER and row.user_id != actor.user_id):
        raise NotFound("No such webhook subscription.")
    now = utcnow()
    row.deleted_at = now
    if row.disabled_at is None:
        row.disabled_at, row.disabled_reason = now, "Deleted."
    uow.webhooks.cancel_pending(row.id, now)
    uow.commit()
    return row
