"""Read model of channels out: a channel's outbound settings (never its token), its listings, recent pushes."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.channel_push_records import ChannelListing, ChannelPush
from ..adapters.channel_records import SalesChannel
from ..adapters.tables import products
from ..domain.channels_out import token_variable


def outbound_view(channel: SalesChannel) -> dict:
    """What a channel pushes and where; the token's variable is named, its value never read out."""
    return {"api_url": channel.api_url or "", "stock_buffer": channel.stock_buffer or 0,
            "location_id": channel.location_id, "push_stock": channel.push_stock,
            "push_fulfilment": channel.push_fulfilment,
            "token_variable": token_variable(channel.slug)}


def channel_exists(session, slug: str) -> bool:
    """Whether a channel with this slug is configured."""
    return session.execute(sa.select(SalesChannel.id).where(SalesChannel.slug == slug)).first() is not None


def list_listings(session, slug: str, *, sku: str | None = None) -> list[dict]:
    """The products a channel lists, by SKU, with the shop's ids and the buffer that applies."""
    query = (sa.select(ChannelListing, products.c.sku, products.c.name, SalesChannel.stock_buffer)
             .join(SalesChannel, SalesChannel.id == ChannelListing.sales_channel_id)
             .join(products, products.c.id == ChannelListing.product_id).where(SalesChannel.slug == slug))
    if sku is not None:
        query = query.where(products.c.sku == sku)
    return [{"sku": product_sku, "product_name": name, "item_id": row.item_id, "parent_id": row.parent_id,
             "buffer": row.buffer, "buffer_applied": row.buffer if row.buffer is not None else channel_buffer or 0,
             "updated_at": row.updated_at}
            for row, product_sku, name, channel_buffer in session.execute(query.order_by(products.c.sku))]


def list_pushes(session, *, slug: str | None = None, statuses=None, push_id: int | None = None,
                limit: int = 50) -> list[dict]:
    """Pushes to the shops, the latest change first: kind, SKU or order, quantity, status, attempts, last error."""
    query = (sa.select(ChannelPush, SalesChannel.slug, SalesChannel.name, products.c.sku)
             .join(SalesChannel, SalesChannel.id == ChannelPush.sales_channel_id)
             .outerjoin(ChannelListing, ChannelListing.id == ChannelPush.listing_id)
             .outerjoin(products, products.c.id == ChannelListing.product_id))
    if slug is not None:
        query = query.where(SalesChannel.slug == slug)
    if statuses:
        query = query.where(ChannelPush.status.in_(tuple(statuses)))
    if push_id is not None:
        query = query.where(ChannelPush.id == push_id)
    rows = session.execute(query.order_by(ChannelPush.updated_at.desc(), ChannelPush.id.desc()).limit(limit))
    return [{"id": push.id, "channel": channel_slug, "channel_name": channel_name, "kind": push.kind, "sku": sku,
             "order_id": push.order_id, "order_number": f"WB-{push.order_id:06d}" if push.order_id else None,
             "quantity": push.quantity, "status": push.status, "attempts": push.attempts,
             "last_status_code": push.last_status_code, "last_error": push.last_error,
             "next_attempt_at": push.next_attempt_at, "sent_at": push.sent_at, "updated_at": push.updated_at}
            for push, channel_slug, channel_name, sku in rows]
