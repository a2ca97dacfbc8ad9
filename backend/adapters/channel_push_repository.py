"""Channels out rows for the push worker: what a published event becomes (stock pushes coalesced per listing,
a fulfilment per shipment), the due pushes leased for sending, and the answer recorded after."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.channels_out import FULFILMENT, PENDING, SENT, STOCK
from ..domain.fulfilment import fulfilment_parts
from ..domain.shop_parcels import parcel_contents
from .channel_push_records import ChannelListing, ChannelPush, ChannelPushCursor
from .channel_records import ChannelOrderRecord, SalesChannel
from .fulfilment_tables import shipments
from .mappings import reader
from .order_repository import OrderRepository
from .outbox_consumer import CursorReads
from .picking_repository import PickingRepository
from .shipping_repository import ShippingRepository
from .tables import stock_levels, warehouses


def _pushing(flag):
    """Channels that are on, have a shop API address, and push this kind of news."""
    return sa.and_(SalesChannel.active.is_(True), SalesChannel.api_url != "", flag.is_(True))


class ChannelPushRepository(CursorReads):
    """Listings, pushes and the intake's cursor, in the caller's transaction."""

    cursor_model = ChannelPushCursor

    def __init__(self, session):
        self.session = session

    # -- intake: published events -> pushes -------------------------------------------------------------
    def listings_of(self, product_id: int) -> list[tuple[ChannelListing, SalesChannel]]:
        """The listings of a product on channels that push stock, each with its channel."""
        return list(self.session.execute(
            sa.select(ChannelListing, SalesChannel)
            .join(SalesChannel, SalesChannel.id == ChannelListing.sales_channel_id)
            .where(ChannelListing.product_id == product_id, _pushing(SalesChannel.push_stock))
            .order_by(ChannelListing.id)).all())

    def products_listed_on(self, channel_id: int) -> list[int]:
        """The products a channel lists."""
        return list(self.session.execute(sa.select(ChannelListing.product_id)
                                         .where(ChannelListing.sales_channel_id == channel_id)).scalars())

    def selling_levels(self, product_id: int) -> list[tuple[int, int]]:
        """(on hand, reserved) of the product in every warehouse that sells (every active one)."""
        return [tuple(row) for row in self.session.execute(
            sa.select(stock_levels.c.on_hand, stock_levels.c.reserved)
            .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
            .where(stock_levels.c.product_id == product_id, warehouses.c.active.is_(True)))]

    def stage_stock(self, channel_id: int, listing_id: int, quantity: int, now) -> bool:
        """Owe the shop this quantity: the listing's one row takes the newest number (a burst coalesces);
        returns False when the shop already has it, or it is already on its way."""
        row = self.session.execute(sa.select(ChannelPush).where(
            ChannelPush.sales_channel_id == channel_id, ChannelPush.listing_id == listing_id)).scalar_one_or_none()
        if row is None:
            self.session.add(ChannelPush(sales_channel_id=channel_id, kind=STOCK, listing_id=listing_id,
                                         quantity=quantity, revision=1, status=PENDING, attempts=0,
                                         next_attempt_at=now, created_at=now, updated_at=now, last_error=""))
            return True
        if row.quantity == quantity and row.status in (PENDING, SENT):
            return False
        row.quantity, row.revision, row.status, row.attempts = quantity, row.revision + 1, PENDING, 0
        row.next_attempt_at, row.updated_at, row.last_error, row.last_status_code = now, now, "", None
        return True

    def shipment(self, shipment_id: int):
        """A shipment's order, carrier and tracking number."""
        return self.session.execute(sa.select(shipments.c.order_id, shipments.c.carrier, shipments.c.tracking_number)
                                    .where(shipments.c.id == shipment_id)).one_or_none()

    def channel_of_order(self, order_id: int) -> SalesChannel | None:
        """The channel an order came from, if it pushes fulfilments."""
        return self.session.execute(
            sa.select(SalesChannel).join(ChannelOrderRecord, ChannelOrderRecord.sales_channel_id == SalesChannel.id)
            .where(ChannelOrderRecord.order_id == order_id, _pushing(SalesChannel.push_fulfilment))
        ).scalar_one_or_none()

    def stage_fulfilment(self, channel_id: int, shipment_id: int, order_id: int, now) -> bool:
        """Owe the shop one fulfilment for this shipment (never two: the pair is unique)."""
        if self.session.execute(sa.select(ChannelPush.id).where(ChannelPush.sales_channel_id == channel_id,
                                                                ChannelPush.shipment_id == shipment_id)).first():
            return False
        self.session.add(ChannelPush(sales_channel_id=channel_id, kind=FULFILMENT, shipment_id=shipment_id,
                                     order_id=order_id, revision=1, status=PENDING, attempts=0, next_attempt_at=now,
                                     created_at=now, updated_at=now, last_error=""))
        return True

    # -- sending --------------------------------------------------------------------------------------------
    def _due(self, now):
        return sa.and_(ChannelPush.status == PENDING, ChannelPush.next_attempt_at <= now,
                       sa.or_(ChannelPush.leased_until.is_(None), ChannelPush.leased_until <= now))

    def anything_due(self, now) -> bool:
        """A cheap read: is any push due now? (Idle rounds then take no write lock.)"""
        return self.session.execute(sa.select(ChannelPush.id).where(self._due(now)).limit(1)).first() is not None

    def claim_due(self, now, lease_until, limit: int) -> list[dict]:
        """Due pushes oldest first, leased until `lease_until` so no other worker sends them meanwhile, with all
        a send needs (the channel's address and ids, the quantity or the parcel)."""
        query = sa.select(ChannelPush).where(self._due(now)).order_by(ChannelPush.next_attempt_at, ChannelPush.id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        pushes = list(self.session.execute(query.limit(limit)).scalars())
        claimed = []
        for push in pushes:
            push.leased_until = lease_until
            channel = self.session.get(SalesChannel, push.sales_channel_id)
            item = {"id": push.id, "kind": push.kind, "revision": push.revision, "attempts": push.attempts,
                    "quantity": push.quantity, "channel": {"slug": channel.slug, "kind": channel.kind,
                                                           "api_url": channel.api_url,
                                                           "location_id": channel.location_id}}
            if push.listing_id is not None:
                listing = self.session.get(ChannelListing, push.listing_id)
                item.update(item_id=listing.item_id, parent_id=listing.parent_id)
            if push.shipment_id is not None:
                parcel = self.shipment(push.shipment_id)
                shop_order_id = self.session.execute(sa.select(ChannelOrderRecord.channel_order_id).where(
                    ChannelOrderRecord.order_id == push.order_id)).scalar_one()
                item.update(shop_order_id=shop_order_id, carrier=parcel.carrier,
                            tracking_number=parcel.tracking_number,
                            **self.parcel_contents(push.order_id, push.shipment_id, push.sales_channel_id))
            claimed.append(item)
        return claimed

    def parcel_contents(self, order_id: int, shipment_id: int, channel_id: int) -> dict:
        """What a shipment carries as its shop is told: items (SKU, units, the product's id on the channel),
        whether the order is split, and whether no other part of it is still to ship (read as it is now)."""
        read = reader(self.session)
        order = OrderRepository(self.session, read).get(order_id)
        picking = PickingRepository(self.session, read)
        sent = ShippingRepository(self.session, read).shipments_of_order(order_id)
        parts = fulfilment_parts(order, picking.lines_by_warehouse(order_id), picking.packed_warehouses(order_id),
                                 sent)
        contents = parcel_contents(order, parts, next((s.warehouse_id for s in sent if s.id == shipment_id), None))
        item_ids = dict(self.session.execute(
            sa.select(ChannelListing.product_id, ChannelListing.item_id)
            .where(ChannelListing.sales_channel_id == channel_id,
                   ChannelListing.product_id.in_([product_id for product_id, _, _ in contents.units]))).all())
        return {"items": [{"sku": sku, "quantity": units, "item_id": item_ids.get(product_id)}
                          for product_id, sku, units in contents.units],
                "split": contents.split, "last": contents.last}

    def push(self, push_id: int, *, for_update: bool = False) -> ChannelPush | None:
        """One push, fresh from the database (locked to record an answer)."""
        query = sa.select(ChannelPush).where(ChannelPush.id == push_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
