"""Rows of web push: customers' subscriptions, the notifications owed to them, and every attempt to send one."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..domain.events import utcnow
from .tables import UTCDateTime


class PushSubscription(db.Model):
    """A browser's push subscription for one order (made from its tracking link, or by a signed-in customer).

    The same browser (one endpoint) may follow several orders: one row per (endpoint, order). Turning
    notifications off, or a push service answering 404/410, sets `revoked_at`; the row stays for the record.
    """

    __tablename__ = "push_subscription"
    id: Mapped[int] = mapped_column(primary_key=True)
    # A customer's subscription follows one order; a staff one (audience 'staff', migration 0009) follows
    # the shop's new orders for one signed-in owner or manager, with no order.
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    audience: Mapped[str] = mapped_column(sa.String(16), default="customer", server_default="customer")
    endpoint: Mapped[str] = mapped_column(sa.String(1024))
    p256dh: Mapped[str] = mapped_column(sa.String(128))
    auth: Mapped[str] = mapped_column(sa.String(64))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(32))  # unsubscribed | gone
    __table_args__ = (sa.UniqueConstraint("endpoint", "order_id", name="uq_push_subscription_endpoint_order"),
                      sa.UniqueConstraint("endpoint", "user_id", name="uq_push_subscription_endpoint_user"))

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def info(self) -> dict:
        """The subscription as pywebpush (and the browser's PushSubscription.toJSON()) spell it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushMessage(db.Model):
    """One notification owed to one subscription for one published event; retried until it ends.

    status: pending (due at `next_attempt_at`), sent, gone (subscription removed), superseded (a newer
    status of the same order went to the same subscription first), expired (its TTL ran out while
    retrying) or failed (the push service refused it for good).
    """

    __tablename__ = "push_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("push_subscription.id"))
    event_id: Mapped[str] = mapped_column(sa.String(36))
    sequence: Mapped[int] = mapped_column(sa.BigInteger)  # the event's publish sequence: the send order
    kind: Mapped[str] = mapped_column(sa.String(32))
    topic: Mapped[str] = mapped_column(sa.String(32))
    ttl: Mapped[int] = mapped_column()
    urgency: Mapped[str] = mapped_column(sa.String(8))
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = mapped_column(UTCDateTime)
    __table_args__ = (sa.UniqueConstraint("subscription_id", "event_id", name="uq_push_message_subscription_event"),
                      sa.Index("ix_push_message_due", "status", "next_attempt_at"))


class PushAttempt(db.Model):
    """One HTTP request to a push service and its answer: every attempt is kept."""

    __tablename__ = "push_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("push_message.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("push_subscription.id"), index=True)
    event_id: Mapped[str] = mapped_column(sa.String(36))
    attempt: Mapped[int] = mapped_column()
    status_code: Mapped[int | None] = mapped_column()  # None: no answer (refused, timed out)
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    retry_after_seconds: Mapped[int | None] = mapped_column()
    next_retry_at = mapped_column(UTCDateTime)
    topic: Mapped[str] = mapped_column(sa.String(32))
    ttl: Mapped[int] = mapped_column()
    urgency: Mapped[str] = mapped_column(sa.String(8))
    sent_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class PushCursor(db.Model):
    """How far the push intake has read the published outbox (by publish sequence); one row."""

    __tablename__ = "push_cursor"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_sequence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
