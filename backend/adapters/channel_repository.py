"""Shop channels, the orders they sent and their intake exceptions, in the caller's transaction.

A webhook's reads (its channel, whether its order waits as an intake exception) and its one insert run as
precompiled statements (adapters/precompiled.py): they are on the hot path of every delivery. Rows a person
changes (a channel's settings, an intake exception released) are loaded through the ORM, locked.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.events import utcnow
from .channel_push_records import ChannelListing, ChannelPush
from .channel_records import ChannelOrderRecord, IntakeException, SalesChannel
from .precompiled import Precompiled, typed_bind
from .tables import customers

_channels, _intake, _channel_orders = SalesChannel.__table__, IntakeException.__table__, ChannelOrderRecord.__table__
_CHANNEL_BY_SLUG = Precompiled(sa.select(_channels.c.id, _channels.c.slug, _channels.c.name, _channels.c.kind,
                                         _channels.c.currency, _channels.c.webhook_secret, _channels.c.active)
                               .where(_channels.c.slug == typed_bind(_channels.c.slug)))
_INTAKE_FOR = Precompiled(sa.select(_intake.c.id, _intake.c.status, _intake.c.order_id, _intake.c.reasons)
                          .where(_intake.c.sales_channel_id == typed_bind(_intake.c.sales_channel_id),
                                 _intake.c.channel_order_id == typed_bind(_intake.c.channel_order_id)))
_CUSTOMER_BY_EMAIL = Precompiled(sa.select(customers.c.id).where(customers.c.email == typed_bind(customers.c.email)))
_CHANNEL_ORDER_COLUMNS = ("sales_channel_id", "channel_order_id", "order_id", "number", "totals",
                          "total_difference_minor", "webhook_id", "received_at")
_INSERT_CHANNEL_ORDER = Precompiled(sa.insert(_channel_orders).values(
    {c: typed_bind(_channel_orders.c[c]) for c in _CHANNEL_ORDER_COLUMNS}))


class ChannelRepository:
    """Reads and stages rows of the channel tables; the unit of work commits them."""

    def __init__(self, session):
        self.session = session

    def channel_by_slug(self, slug: str):
        """The configured channel with this slug, read-only (id, slug, name, kind, currency, webhook_secret, active)."""
        rows = _CHANNEL_BY_SLUG.run(self.session, {"slug": slug})
        return rows[0] if rows else None

    def channel_for_update(self, slug: str) -> SalesChannel | None:
        """The channel with this slug, locked, to change its settings."""
        return self.session.execute(sa.select(SalesChannel).where(SalesChannel.slug == slug).with_for_update()
                                    .execution_options(populate_existing=True)).scalar_one_or_none()

    def channel(self, channel_id: int) -> SalesChannel | None:
        """One channel by id."""
        return self.session.get(SalesChannel, channel_id)

    def add_channel(self, **fields) -> SalesChannel:
        """Stage a new channel."""
        row = SalesChannel(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def intake_for(self, channel_id: int, channel_order_id: str):
        """Whether a channel's order waits (or waited) as an intake exception: (id, status, order_id, reasons)."""
        rows = _INTAKE_FOR.run(self.session, {"sales_channel_id": channel_id, "channel_order_id": channel_order_id})
        return rows[0] if rows else None

    def lock_intake_for(self, channel_id: int, channel_order_id: str) -> IntakeException | None:
        """The intake exception of a channel's order, locked, to close it."""
        return self.session.execute(
            sa.select(IntakeException).where(IntakeException.sales_channel_id == channel_id,
                                             IntakeException.channel_order_id == channel_order_id)
            .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()

    def lock_intake(self, exception_id: int) -> IntakeException | None:
        """One intake exception, locked so two managers cannot both release it."""
        return self.session.execute(sa.select(IntakeException).where(IntakeException.id == exception_id)
                                    .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()

    def add_intake(self, **fields) -> IntakeException:
        """Stage an intake exception and give it its id."""
        row = IntakeException(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def customer_id_by_email(self, email: str) -> int | None:
        """The id of the customer with this e-mail (stored lower-case), if there is one."""
        rows = _CUSTOMER_BY_EMAIL.run(self.session, {"email": email.lower()})
        return rows[0].id if rows else None

    def add_channel_order(self, **fields) -> None:
        """Write the channel's record of an order placed from it (in the order's transaction)."""
        _INSERT_CHANNEL_ORDER.run(self.session, {**fields, "received_at": utcnow()})

    # -- channels out: listings and pushes ---------------------------------------------------------------
    def listing_for_update(self, channel_id: int, product_id: int) -> ChannelListing | None:
        """A product's listing on a channel, locked, to change or remove it."""
        return self.session.execute(sa.select(ChannelListing).where(
            ChannelListing.sales_channel_id == channel_id, ChannelListing.product_id == product_id)
            .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()

    def add_listing(self, **fields) -> ChannelListing:
        """Stage a new listing and give it its id."""
        row = ChannelListing(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def remove_listing(self, row: ChannelListing) -> None:
        """Delete a listing and the stock push it owed."""
        self.session.execute(sa.delete(ChannelPush).where(ChannelPush.listing_id == row.id))
        self.session.delete(row)

    def push_for_update(self, push_id: int) -> ChannelPush | None:
        """One push to a shop, locked, to send it again."""
        return self.session.execute(sa.select(ChannelPush).where(ChannelPush.id == push_id).with_for_update()
                                    .execution_options(populate_existing=True)).scalar_one_or_none()
