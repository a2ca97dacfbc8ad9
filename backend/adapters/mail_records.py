"""Rows of order e-mail: every message owed to a customer for one published event (the sent-mail log), and the
intake's cursor over the published outbox."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..domain.events import utcnow
from .tables import UTCDateTime


class MailMessage(db.Model):
    """One e-mail for one published event to one address, rendered once and kept until it ends.

    The unique (event_id, recipient) is the "never twice" rule: the intake writes at most one row per
    event and address, in the transaction that moves its cursor. status: pending (due at `next_attempt_at`),
    sent (the SMTP server accepted it), filed (no SMTP server is configured: written to the outbox folder,
    not sent), suppressed (the customer turned order e-mails off) or failed (refused for good, or retried
    until the attempts ran out).
    """

    __tablename__ = "mail_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(36))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    sequence: Mapped[int] = mapped_column(sa.BigInteger)  # the event's publish sequence: the send order
    kind: Mapped[str] = mapped_column(sa.String(32))
    subject: Mapped[str] = mapped_column(sa.String(300))
    message_id: Mapped[str] = mapped_column(sa.String(200))  # the Message-ID header, the same on every try
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)  # the whole RFC 5322 message, as sent
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    next_attempt_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = mapped_column(UTCDateTime)
    __table_args__ = (sa.UniqueConstraint("event_id", "recipient", name="uq_mail_message_event_recipient"),
                      sa.Index("ix_mail_message_due", "status", "next_attempt_at"))


class MailCursor(db.Model):
    """How far the mail intake has read the published outbox (by publish sequence); one row."""

    __tablename__ = "mail_cursor"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_sequence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
