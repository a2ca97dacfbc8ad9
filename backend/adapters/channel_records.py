"""Rows of the shop channels: their settings and secrets, the orders they sent, and the intake exceptions."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.events import utcnow
from ..extensions import db
from .tables import UTCDateTime


class SalesChannel(db.Model):
    """A shop that sends us orders by webhook (its kind, currency and the secret it signs them with) and that we
    tell about stock and parcels through its API at `api_url` (its token comes from the environment, never here).
    """

    __tablename__ = "sales_channel"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    currency: Mapped[str] = mapped_column(sa.String(3))
    # The shop's webhook secret: needed in plain to compute the HMAC, so it is set by the owner (CLI, API) and
    # never shown again by any read.
    webhook_secret: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Channels out (domain/channels_out.py): nothing is pushed until the shop's API address is set.
    api_url: Mapped[str] = mapped_column(sa.String(500), default="")
    stock_buffer: Mapped[int] = mapped_column(default=0)
    location_id: Mapped[str | None] = mapped_column(sa.String(20))  # Shopify: the location whose stock we set
    push_stock: Mapped[bool] = mapped_column(default=True)
    push_fulfilment: Mapped[bool] = mapped_column(default=True)


class ChannelOrderRecord(db.Model):
    """An order a channel sent, as the shop counted it: its number, its totals and how they differ from ours."""

    __tablename__ = "channel_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    sales_channel_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_channel.id"))
    channel_order_id: Mapped[str] = mapped_column(sa.String(100))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), unique=True)
    number: Mapped[str] = mapped_column(sa.String(100), default="")
    totals = mapped_column(sa.JSON, nullable=False)  # domain/channel_intake.totals_difference
    total_difference_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    webhook_id: Mapped[str] = mapped_column(sa.String(100), default="")
    received_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("sales_channel_id", "channel_order_id", name="uq_channel_order_channel_id"),)


class IntakeException(db.Model):
    """A shop's order that could not be placed as sent: the raw payload kept whole, with why, until a person acts."""

    __tablename__ = "intake_exception"
    id: Mapped[int] = mapped_column(primary_key=True)
    sales_channel_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_channel.id"))
    channel_order_id: Mapped[str] = mapped_column(sa.String(100))
    number: Mapped[str] = mapped_column(sa.String(100), default="")
    topic: Mapped[str] = mapped_column(sa.String(64), default="")
    webhook_id: Mapped[str] = mapped_column(sa.String(100), default="")
    source: Mapped[str] = mapped_column(sa.String(200), default="")
    raw_body: Mapped[str] = mapped_column(sa.Text)
    reasons = mapped_column(sa.JSON, nullable=False)
    corrections = mapped_column(sa.JSON, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"))
    discard_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    received_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    closed_at = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    __table_args__ = (sa.UniqueConstraint("sales_channel_id", "channel_order_id",
                                          name="uq_intake_exception_channel_id"),
                      sa.Index("ix_intake_exception_status_received", "status", "received_at"))
