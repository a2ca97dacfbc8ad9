"""Rows of channels out: which of our products a shop lists (and under which of its ids), the pushes owed to
shops (stock levels and fulfilments), and the cursor of the push worker's intake."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.events import utcnow
from ..extensions import db
from .tables import UTCDateTime


class ChannelListing(db.Model):
    """One of our products as a shop lists it: Shopify's inventory item id, or WooCommerce's product id (a
    variation's id with its parent's); `buffer` None means the channel's default buffer applies."""

    __tablename__ = "channel_listing"
    id: Mapped[int] = mapped_column(primary_key=True)
    sales_channel_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_channel.id"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"), index=True)
    item_id: Mapped[str] = mapped_column(sa.String(20))
    parent_id: Mapped[str | None] = mapped_column(sa.String(20))
    buffer: Mapped[int | None] = mapped_column()
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("sales_channel_id", "product_id", name="uq_channel_listing_product"),)


class ChannelPush(db.Model):
    """What a shop is owed: a stock level (ONE row per listing, holding the newest quantity: a burst of changes
    sends the last number once) or a fulfilment (one row per shipment).

    status: pending (due at `next_attempt_at`), sent, failed (given up; `last_error` says why). `revision` grows
    with each new quantity, so a send that raced a newer number does not mark the newer one sent.
    """

    __tablename__ = "channel_push"
    id: Mapped[int] = mapped_column(primary_key=True)
    sales_channel_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_channel.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    listing_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channel_listing.id", ondelete="CASCADE"))
    shipment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shipment.id"))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"))
    quantity: Mapped[int | None] = mapped_column()
    revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at = mapped_column(UTCDateTime)
    leased_until = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = mapped_column(UTCDateTime)
    __table_args__ = (sa.UniqueConstraint("sales_channel_id", "listing_id", name="uq_channel_push_listing"),
                      sa.UniqueConstraint("sales_channel_id", "shipment_id", name="uq_channel_push_shipment"),
                      sa.Index("ix_channel_push_due", "status", "next_attempt_at"))


class ChannelPushCursor(db.Model):
    """How far the channel push intake has read the published outbox (by publish sequence); one row."""

    __tablename__ = "channel_push_cursor"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_sequence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
