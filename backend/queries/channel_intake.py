"""Read model of the shop channels: the channels (never their secrets), intake exceptions, an order's shop totals."""
from __future__ import annotations

import json

import sqlalchemy as sa

from ..adapters.channel_records import ChannelOrderRecord, IntakeException, SalesChannel
from ..adapters.records import User
from ..domain.channel_intake import OPEN
from .channels_out import outbound_view


def list_channels(session) -> list[dict]:
    """Every configured channel with the address its shop sends webhooks to (the secret is never read out)."""
    rows = session.execute(sa.select(SalesChannel).order_by(SalesChannel.slug)).scalars().all()
    return [{"slug": c.slug, "name": c.name, "kind": c.kind, "currency": c.currency, "active": c.active,
             "webhook_path": f"/api/v1/channels/{c.slug}/webhooks", "created_at": c.created_at,
             "updated_at": c.updated_at, **outbound_view(c)} for c in rows]


def channel_view(session, slug: str) -> dict | None:
    """One channel as list_channels shows it."""
    return next((c for c in list_channels(session) if c["slug"] == slug), None)


def list_intake_exceptions(session, *, status: str | None = OPEN, limit: int = 100,
                           exception_id: int | None = None) -> list[dict]:
    """Held shop orders: open ones oldest first (they have waited longest), closed ones newest first."""
    query = (sa.select(IntakeException, SalesChannel.slug, SalesChannel.name, User.name.label("closed_by"))
             .join(SalesChannel, SalesChannel.id == IntakeException.sales_channel_id)
             .outerjoin(User, User.id == IntakeException.closed_by_id))
    if status is not None:
        query = query.where(IntakeException.status == status)
    if exception_id is not None:
        query = query.where(IntakeException.id == exception_id)
    order = IntakeException.received_at.asc() if status == OPEN else IntakeException.received_at.desc()
    rows = session.execute(query.order_by(order, IntakeException.id).limit(limit)).all()
    return [_intake_view(row, slug, name, closed_by) for row, slug, name, closed_by in rows]


def _intake_view(row: IntakeException, slug: str, name: str, closed_by: str | None) -> dict:
    try:
        payload = json.loads(row.raw_body)
    except ValueError:
        payload = None
    return {"id": row.id, "channel": slug, "channel_name": name, "channel_order_id": row.channel_order_id,
            "number": row.number, "topic": row.topic, "webhook_id": row.webhook_id, "source": row.source,
            "status": row.status, "reasons": list(row.reasons), "corrections": dict(row.corrections),
            "unknown_skus": [r["sku"] for r in row.reasons if r.get("code") == "sku.unknown"],
            "address_wrong": any(r["code"].startswith("address.") for r in row.reasons),
            "shipping_address": _payload_address(payload), "order_id": row.order_id,
            "order_number": f"WB-{row.order_id:06d}" if row.order_id else None,
            "discard_reason": row.discard_reason, "received_at": row.received_at, "closed_at": row.closed_at,
            "closed_by": closed_by, "payload": payload if payload is not None else row.raw_body,
            "version": row.version}


def _payload_address(payload) -> dict:
    """The delivery address as the shop sent it, in the form's field names (Shopify or WooCommerce shape)."""
    if not isinstance(payload, dict):
        return {}
    shopify = payload.get("shipping_address")
    if isinstance(shopify, dict):
        return {"name": shopify.get("name") or "", "line1": shopify.get("address1") or "",
                "city": shopify.get("city") or "", "postcode": shopify.get("zip") or "",
                "country": shopify.get("country_code") or ""}
    woo = payload.get("shipping") if isinstance(payload.get("shipping"), dict) else payload.get("billing")
    if isinstance(woo, dict):
        return {"name": " ".join(filter(None, (woo.get("first_name"), woo.get("last_name")))),
                "line1": woo.get("address_1") or "", "city": woo.get("city") or "",
                "postcode": woo.get("postcode") or "", "country": woo.get("country") or ""}
    return {}


def count_open_intake(session) -> int:
    """How many shop orders wait for a person."""
    return session.execute(sa.select(sa.func.count()).where(IntakeException.status == OPEN)).scalar_one()


def channel_totals_of(session, order_id: int) -> dict | None:
    """The shop's record of an order placed from it: channel, its number, its totals beside ours and the differences."""
    row = session.execute(sa.select(ChannelOrderRecord, SalesChannel.slug, SalesChannel.name)
                          .join(SalesChannel, SalesChannel.id == ChannelOrderRecord.sales_channel_id)
                          .where(ChannelOrderRecord.order_id == order_id)).first()
    if row is None:
        return None
    record, slug, name = row
    totals = dict(record.totals)
    return {"order_id": order_id, "channel": slug, "channel_name": name, "channel_order_id": record.channel_order_id,
            "number": record.number, "currency": totals.get("currency"), "channel_totals": totals.get("channel", {}),
            "waybill_totals": totals.get("waybill", {}), "difference": totals.get("difference", {}),
            "total_difference_minor": record.total_difference_minor,
            "differs": any(v for v in totals.get("difference", {}).values()), "received_at": record.received_at}
