"""Web push: the handlers that subscribe a browser to an order's news (customers) or to new-order alerts
(owners and managers), and turn it off. The worker that sends the notifications is adapters/push_worker.py.
"""
from __future__ import annotations

from typing import Any

from ..domain import commands
from ..domain.access import Actor, Role, require_role
from ..domain.errors import DomainError, NotFound
from ..domain.events import utcnow
from ..domain.notifications import AUDIENCE_STAFF, STAFF_ALERT_ROLES
from ..domain.push_subscriptions import MAX_SUBSCRIPTIONS_PER_ORDER
from .settings import Settings
from .unit_of_work import UnitOfWork


class TooManySubscriptions(DomainError):
    """An order already has as many live subscriptions as one order sensibly can."""

    code = "push.too_many_subscriptions"
    status = 409


def _order_for(token: str, uow: UnitOfWork, *, for_update: bool = False):
    order = uow.push.order_by_token(token, for_update=for_update)
    if order is None:  # the same answer for a malformed, unknown or guessed token
        raise NotFound("No such order.")
    return order


def subscribe_to_push(cmd: commands.SubscribeToPush, actor: Actor,
                      uow: UnitOfWork, settings: Settings) -> tuple[Any, bool]:
    """Subscribe a browser to an order's notifications (again: its keys are refreshed); (row, created)."""
    require_role(actor, Role.CUSTOMER)
    order = _order_for(cmd.tracking_token, uow, for_update=True)
    row = uow.push.subscription(order.id, cmd.endpoint)
    now = utcnow()
    if row is not None and row.revoked_at is None:
        row.p256dh, row.auth = cmd.p256dh, cmd.auth
        uow.commit()
        return row, False
    if uow.push.active_count(order.id) >= MAX_SUBSCRIPTIONS_PER_ORDER:
        raise TooManySubscriptions(f"Order {order.number} already sends notifications to "
                                   f"{MAX_SUBSCRIPTIONS_PER_ORDER} browsers; turn one off first.")
    # A signed-in customer's own order is remembered as theirs; a visitor's subscription belongs to the link.
    customer_id = actor.customer_id if actor.customer_id is not None and actor.customer_id == order.customer_id \
        else None
    if row is None:
        row = uow.push.add_subscription(order_id=order.id, customer_id=customer_id, endpoint=cmd.endpoint,
                                        p256dh=cmd.p256dh, auth=cmd.auth, created_at=now)
    else:  # turned back on: news from now on, not what happened while it was off
        row.p256dh, row.auth, row.customer_id = cmd.p256dh, cmd.auth, customer_id
        row.created_at, row.revoked_at, row.revoked_reason = now, None, None
    uow.commit()
    return row, True


def unsubscribe_from_push(cmd: commands.UnsubscribeFromPush, actor: Actor,
                          uow: UnitOfWork, settings: Settings) -> Any:
    """Turn a browser's notifications about an order off (nothing waiting is sent after this)."""
    require_role(actor, Role.CUSTOMER)
    order = _order_for(cmd.tracking_token, uow)
    row = uow.push.subscription(order.id, cmd.endpoint)
    if row is None:
        raise NotFound("This browser does not get notifications about this order.")
    if row.revoked_at is None:
        now = utcnow()
        row.revoked_at, row.revoked_reason = now, "unsubscribed"
        uow.push.cancel_pending([row.id], "cancelled", now)
    uow.commit()
    return row


# -- staff alerts ----------------------------------------------------------------------------------------
def subscribe_to_staff_push(cmd: commands.SubscribeToStaffPush, actor: Actor, uow: UnitOfWork,
                            settings: Settings) -> tuple[Any, bool]:
    """Subscribe a signed-in owner's or manager's browser to new-order alerts (again: keys refreshed)."""
    require_role(actor, *STAFF_ALERT_ROLES)
    row = uow.push.staff_subscription(actor.user_id, cmd.endpoint)
    now = utcnow()
    if row is not None and row.revoked_at is None:
        row.p256dh, row.auth = cmd.p256dh, cmd.auth
        uow.commit()
        return row, False
    if row is None:
        row = uow.push.add_subscription(order_id=None, user_id=actor.user_id, audience=AUDIENCE_STAFF,
                                        endpoint=cmd.endpoint, p256dh=cmd.p256dh, auth=cmd.auth, created_at=now)
    else:  # turned back on: orders from now on
        row.p256dh, row.auth = cmd.p256dh, cmd.auth
        row.created_at, row.revoked_at, row.revoked_reason = now, None, None
    uow.commit()
    return row, True


def unsubscribe_from_staff_push(cmd: commands.UnsubscribeFromStaffPush, actor: Actor, uow: UnitOfWork,
                                settings: Settings) -> Any:
    """Turn this browser's new-order alerts off for the signed-in user; nothing waiting is sent after this."""
    require_role(actor, *STAFF_ALERT_ROLES)
    row = uow.push.staff_subscription(actor.user_id, cmd.endpoint)
    if row is None:
        raise NotFound("This browser does not get new-order alerts for you.")
    if row.revoked_at is None:
        now = utcnow()
        row.revoked_at, row.revoked_reason = now, "unsubscribed"
        uow.push.cancel_pending([row.id], "cancelled", now)
    uow.commit()
    return row
