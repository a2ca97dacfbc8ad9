"""Read model of outgoing webhooks: the subscriptions a person may see, and a subscription's delivery log."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.records import User
from ..adapters.webhook_records import WebhookAttempt, WebhookDelivery, WebhookSubscription
from ..domain.access import Actor, Role


def _visible(actor: Actor):
    """The owner sees every subscription of the shop; a manager sees their own."""
    query = sa.select(WebhookSubscription, User.email).join(User, User.id == WebhookSubscription.user_id).where(
        WebhookSubscription.deleted_at.is_(None))
    return query if actor.role == Role.OWNER else query.where(WebhookSubscription.user_id == actor.user_id)


def _subscription_dict(row: WebhookSubscription, email: str) -> dict:
    # The secret is never read back: it was shown once, when the subscription was made.
    return {"id": row.id, "url": row.url, "events": list(row.events), "description": row.description,
            "created_at": row.created_at, "created_by": email, "active": row.active,
            "disabled_at": row.disabled_at, "disabled_reason": row.disabled_reason,
            "failures_in_a_row": row.failures_in_a_row}


def list_subscriptions(session, actor: Actor) -> list[dict]:
    """The subscriptions `actor` may see, oldest first."""
    rows = session.execute(_visible(actor).order_by(WebhookSubscription.id)).all()
    return [_subscription_dict(row, email) for row, email in rows]


def subscription_for(session, actor: Actor, subscription_id: int) -> dict | None:
    """One subscription if `actor` may see it, else None (the caller answers 404: existence is not leaked)."""
    row = session.execute(_visible(actor).where(WebhookSubscription.id == subscription_id)).one_or_none()
    return None if row is None else _subscription_dict(*row)


def delivery_log(session, subscription_id: int, *, limit: int = 50) -> list[dict]:
    """A subscription's deliveries, newest first, each with every attempt (status, time, error, next retry)."""
    deliveries = list(session.execute(sa.select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)).scalars())
    attempts: dict[int, list] = {d.id: [] for d in deliveries}
    if deliveries:
        for a in session.execute(sa.select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(list(attempts)))
                                 .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)).scalars():
            attempts[a.delivery_id].append({"attempt": a.attempt, "status_code": a.status_code, "error": a.error,
                                            "sent_at": a.sent_at, "duration_ms": a.duration_ms,
                                            "next_retry_at": a.next_retry_at})
    return [{"id": d.delivery_id, "event_id": d.event_id, "event_type": d.event_type, "status": d.status,
             "attempts": d.attempts, "created_at": d.created_at, "finished_at": d.finished_at,
             "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
             "last_status_code": d.last_status_code, "last_error": d.last_error, "tries": attempts[d.id]}
            for d in deliveries]
