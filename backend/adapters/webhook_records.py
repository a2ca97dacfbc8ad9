"""Rows of outgoing webhooks: API clients' subscriptions, the deliveries owed to them, every attempt, and the
cursor of the worker's intake."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..domain.events import utcnow
from .tables import UTCDateTime


class WebhookSubscription(db.Model):
    """A URL an owner or manager subscribed to some event types, with the secret deliveries are signed with.

    The secret is kept as it was given (it signs every delivery, so it cannot be a one-way hash); the API
    shows it once, at creation. `disabled_at` ends deliveries: deleted by a person, or stopped by Waybill after
    too many failed deliveries in a row (`disabled_reason` says which).
    """

    __tablename__ = "webhook_subscription"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(1000))
    events: Mapped[list] = mapped_column(sa.JSON)
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    secret: Mapped[str] = mapped_column(sa.String(80))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    failures_in_a_row: Mapped[int] = mapped_column(default=0)
    disabled_at = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(300))
    deleted_at = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.disabled_at is None and self.deleted_at is None


class WebhookDelivery(db.Model):
    """One event owed to one subscription (unique per pair: an event is never delivered twice to one URL).

    status: pending (due at `next_attempt_at`), delivered, failed (given up), cancelled (subscription ended).
    """

    __tablename__ = "webhook_delivery"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[str] = mapped_column(sa.String(36), unique=True)  # the Waybill-Delivery header
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_subscription.id"), index=True)
    event_id: Mapped[str] = mapped_column(sa.String(36))
    event_type: Mapped[str] = mapped_column(sa.String(40))
    sequence: Mapped[int] = mapped_column(sa.BigInteger)  # the event's publish sequence: the send order
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = mapped_column(UTCDateTime)
    __table_args__ = (sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_delivery_subscription_event"),
                      sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"))


class WebhookAttempt(db.Model):
    """One HTTP request to a subscriber and its answer: every attempt is kept for the delivery log."""

    __tablename__ = "webhook_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_delivery.id"), index=True)
    attempt: Mapped[int] = mapped_column()
    status_code: Mapped[int | None] = mapped_column()  # None: no answer (refused, timed out, address refused)
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
    next_retry_at = mapped_column(UTCDateTime)
    sent_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class WebhookCursor(db.Model):
    """How far the webhook intake has read the published outbox (by publish sequence); one row."""

    __tablename__ = "webhook_cursor"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_sequence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
