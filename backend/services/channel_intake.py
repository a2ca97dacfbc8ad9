"""Shop channel handlers: configure a channel, receive its signed webhooks, release or discard held orders.

A delivery is checked against the channel's secret before anything is read or written; an order that can be
placed goes through place_order (prices from our catalogue, idempotent by the channel's order id) with the
shop's totals kept beside ours; one that cannot waits, raw payload and reasons, as an intake exception.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..domain import commands
from ..domain.access import Actor, Role, require_role
from ..domain.catalogue import Customer
from ..domain.channel_intake import (DISCARDED, OPEN, RELEASED, SHOP_ACTOR, ChannelKind, ChannelOrder,
                                     IntakeExceptionClosed, InvalidChannel, WebhookUnauthorized, check_channel,
                                     check_discard_reason, corrected, holds_non_text, merged_lines, problems_of,
                                     signature_valid, totals_difference)
from ..domain.errors import DomainError, InvalidOrder, NotFound
from ..domain.events import DomainEvent, utcnow
from ..domain.orders import OrderStatus
from . import orders
from .channels_out import apply_outbound_settings
from .settings import Settings
from .unit_of_work import UnitOfWork


# JSON spells a lone surrogate or NUL only as an escape: a body without one needs no walk (the common case).
_MAY_HOLD_NON_TEXT = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")


@dataclass(frozen=True)
class WebhookOutcome:
    """What a delivery did: placed, duplicate, held, cancelled, ignored, unknown_order, refused."""

    status: str
    order_id: int | None = None
    order_number: str | None = None
    intake_exception_id: int | None = None
    totals: dict | None = None
    reasons: tuple = ()


def configure_channel(cmd: commands.ConfigureChannel, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Add a shop channel or change one (the owner); a new one needs its webhook secret."""
    require_role(actor, Role.OWNER)
    check_channel(cmd.slug, cmd.kind, cmd.currency, cmd.secret)
    if cmd.currency != settings.currency:
        raise InvalidChannel(f"Waybill prices in {settings.currency}; a channel in {cmd.currency} cannot be placed.",
                             field="currency")
    row = uow.channels.channel_for_update(cmd.slug)
    if row is None:
        if cmd.secret is None:
            raise InvalidChannel("A new channel needs the shop's webhook secret.", field="secret")
        row = uow.channels.add_channel(slug=cmd.slug, name=cmd.name or cmd.slug, kind=cmd.kind, currency=cmd.currency,
                                       webhook_secret=cmd.secret, active=cmd.active)
    else:
        row.name, row.kind, row.currency, row.active = cmd.name or row.name, cmd.kind, cmd.currency, cmd.active
        if cmd.secret is not None:
            row.webhook_secret = cmd.secret
        row.updated_at = utcnow()
    apply_outbound_settings(row, cmd)
    uow.publish(DomainEvent(name="channel.configured", aggregate_type="sales_channel", aggregate_id=row.id,
                            aggregate_version=1, data={"actor_id": actor.user_id, "slug": cmd.slug,
                                                       "kind": cmd.kind, "active": cmd.active}))
    uow.commit()
    return row


def receive_webhook(cmd: commands.ReceiveChannelWebhook, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Verify a shop's delivery and act on its topic: place (or hold) a new order, cancel one, or ignore it."""
    channel = uow.channels.channel_by_slug(cmd.slug)
    payloads = settings.channel_payloads.get(channel.kind) if channel is not None and channel.active else None
    headers = dict(cmd.headers)
    # One answer for an unknown channel and a bad signature: a caller cannot probe which channels exist.
    if payloads is None or not signature_valid(channel.webhook_secret, cmd.raw_body, payloads.signature(headers)):
        raise WebhookUnauthorized("This delivery is not signed with the channel's webhook secret; nothing was saved.")
    topic = payloads.topic(headers)
    try:
        payload = json.loads(cmd.raw_body)
    except ValueError:  # signed by the shop yet unreadable: kept for a person, never dropped
        payload = None
    if _MAY_HOLD_NON_TEXT.search(cmd.raw_body) and holds_non_text(payload):
        # No store takes such a string as text: the delivery is held whole (its raw escapes are text) instead.
        payload = None
    if topic in payloads.create_topics:
        return _receive_order(channel, payloads, headers, topic, payload, cmd.raw_body, uow, settings)
    if payloads.cancels(topic, payload):
        return _receive_cancel(channel, payloads, payload, uow, settings)
    return WebhookOutcome("ignored")


def _order_ref(channel, channel_order_id: str) -> str:
    """The order's channel order id in Waybill: the shop's own id under the channel's slug (two shops may share ids)."""
    return f"{channel.slug}:{channel_order_id}"


def _order_channel(channel) -> str:
    return ChannelKind(channel.kind).order_channel.value


def _receive_order(channel, payloads, headers, topic, payload, raw_body: bytes, uow: UnitOfWork, settings: Settings):
    """A new order from the shop: the one already placed or held for it, else placed now or held."""
    delivery = payloads.delivery_id(headers)
    channel_order_id = payloads.order_id(payload) if isinstance(payload, dict) else ""
    key = channel_order_id or f"delivery:{delivery}"
    held = uow.channels.intake_for(channel.id, key)
    if held is not None:  # a retry of a held delivery: still held, or the order a manager placed, or discarded
        status = {OPEN: "held", RELEASED: "duplicate"}.get(held.status, held.status)
        return WebhookOutcome(status, held.order_id, f"WB-{held.order_id:06d}" if held.order_id else None,
                              intake_exception_id=held.id, reasons=tuple(held.reasons) if held.status == OPEN else ())
    if not channel_order_id:
        reasons = [{"code": "payload.unreadable", "field": "body",
                    "message": "The shop's delivery is not an order we can read (no order id)."}]
        return _hold(channel, key, "", topic, delivery, payloads.source(headers), raw_body, reasons, uow)
    mapped = payloads.order_from(payload)
    reasons = _reasons(mapped, channel, uow)
    if reasons:
        existing = uow.orders.by_channel_order_id(_order_channel(channel), _order_ref(channel, channel_order_id))
        if existing is not None:  # placed before the catalogue changed: a retry changes nothing
            return WebhookOutcome("duplicate", existing.id, existing.number)
        return _hold(channel, key, mapped.number, topic, delivery, payloads.source(headers), raw_body, reasons, uow)
    # place_order finds the order a retried delivery placed already (by the channel's order id): nothing is written.
    order, created, totals = _place(channel, mapped, delivery, SHOP_ACTOR, uow, settings)
    if not created:
        return WebhookOutcome("duplicate", order.id, order.number)
    uow.commit()
    return WebhookOutcome("placed", order.id, order.number, totals=totals)


def _reasons(mapped: ChannelOrder, channel, uow: UnitOfWork) -> list[dict]:
    known = set(uow.catalogue.products_by_sku(line.sku for line in mapped.lines))
    return problems_of(mapped, known_skus=known, shop_currency=channel.currency)


def _hold(channel, key, number, topic, delivery, source, raw_body: bytes, reasons, uow: UnitOfWork):
    """Keep the delivery whole, with why it cannot be placed, for a person; the live pages hear of it."""
    row = uow.channels.add_intake(sales_channel_id=channel.id, channel_order_id=key, number=number[:100], topic=topic,
                                  webhook_id=delivery, source=source,
                                  raw_body=raw_body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
                                  reasons=reasons, corrections={}, status=OPEN, version=1)
    uow.publish(DomainEvent(name="intake_exception.opened", aggregate_type="intake_exception", aggregate_id=row.id,
                            aggregate_version=1, data={"actor_id": None, "channel": channel.slug, "number": number,
                                                       "reasons": [r["code"] for r in reasons]}))
    uow.commit()
    return WebhookOutcome("held", intake_exception_id=row.id, reasons=tuple(reasons))


def _customer_id(mapped: ChannelOrder, uow: UnitOfWork) -> int:
    """The customer the shop's order is filed under: found by e-mail, or registered from the order."""
    customer_id = uow.channels.customer_id_by_email(mapped.email)
    if customer_id is None:
        customer = Customer(mapped.email, mapped.customer_name or mapped.shipping_address.get("name") or mapped.email,
                            mapped.phone[:40], [dict(mapped.shipping_address)])
        uow.catalogue.add(customer)
        uow.flush()
        customer_id = customer.id
    return customer_id


def _place(channel, mapped: ChannelOrder, delivery: str, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Place the shop's order through place_order (not committed) and keep the shop's totals beside ours."""
    billing = mapped.billing_address if mapped.billing_address and not _incomplete(mapped.billing_address) else None
    place = commands.PlaceOrder(customer_id=_customer_id(mapped, uow), channel=_order_channel(channel),
                                lines=merged_lines(mapped), shipping_address=dict(mapped.shipping_address),
                                billing_address=billing, payment_method=mapped.payment_method,
                                channel_order_id=_order_ref(channel, mapped.channel_order_id),
                                notes=_notes(mapped))
    order, created = orders.place_order(place, actor, uow, settings, commit=False)
    totals = totals_difference(mapped, subtotal_minor=order.subtotal_minor, tax_minor=order.tax_minor,
                               shipping_minor=order.shipping_minor, total_minor=order.total_minor)
    if created:
        uow.channels.add_channel_order(sales_channel_id=channel.id, channel_order_id=mapped.channel_order_id,
                                       order_id=order.id, number=mapped.number[:100], totals=totals,
                                       total_difference_minor=totals["difference"]["total"], webhook_id=delivery)
    return order, created, totals


def _incomplete(address: dict) -> bool:
    return not (address.get("country") and len(str(address["country"])) == 2)


def _notes(mapped: ChannelOrder) -> str:
    prefix = f"Shop order {mapped.number}" if mapped.number else "Shop order"
    return (f"{prefix}: {mapped.note}" if mapped.note else prefix)[:2000]


def _receive_cancel(channel, payloads, payload, uow: UnitOfWork, settings: Settings):
    """The shop cancelled an order: cancel ours (once), or close the intake exception it waits in."""
    channel_order_id = payloads.order_id(payload) if isinstance(payload, dict) else ""
    order = (uow.orders.by_channel_order_id(_order_channel(channel), _order_ref(channel, channel_order_id))
             if channel_order_id else None)
    if order is None:
        held = uow.channels.lock_intake_for(channel.id, channel_order_id) if channel_order_id else None
        if held is None or held.status != OPEN:
            return WebhookOutcome("unknown_order" if held is None else held.status,
                                  intake_exception_id=getattr(held, "id", None))
        _close(held, DISCARDED, None, uow, reason="Cancelled in the shop before it was placed.")
        uow.commit()
        return WebhookOutcome("discarded", intake_exception_id=held.id)
    if order.state == OrderStatus.CANCELLED:
        return WebhookOutcome("duplicate", order.id, order.number)
    reason = "Cancelled in the shop" + (f" ({payload.get('cancel_reason')})" if payload.get("cancel_reason") else "")
    try:
        orders.cancel_order(commands.CancelOrder(order.id, reason=reason[:500]), SHOP_ACTOR, uow, settings)
    except DomainError as exc:  # already shipped: the office must stop it or take it back, so it is told
        uow.rollback()
        uow.open_exception("channel.cancel_refused", f"{channel.name} cancelled order {order.number}, but "
                           f"{exc.message[0].lower()}{exc.message[1:]}", order_id=order.id,
                           data={"channel": channel.slug, "code": exc.code})
        uow.commit()
        return WebhookOutcome("refused", order.id, order.number)
    return WebhookOutcome("cancelled", order.id, order.number)


def _close(row, status: str, actor_id: int | None, uow: UnitOfWork, *, reason: str = "", order_id=None) -> None:
    row.status, row.closed_at, row.closed_by_id = status, utcnow(), actor_id
    row.discard_reason, row.order_id, row.version = reason, order_id, row.version + 1
    uow.publish(DomainEvent(name=f"intake_exception.{status}", aggregate_type="intake_exception", aggregate_id=row.id,
                            aggregate_version=row.version, data={"actor_id": actor_id, "order_id": order_id}))


def _locked_open(exception_id: int, actor: Actor, uow: UnitOfWork):
    require_role(actor, Role.OWNER, Role.MANAGER)
    row = uow.channels.lock_intake(exception_id)
    if row is None:
        raise NotFound("No such intake exception.")
    if row.status != OPEN:
        raise IntakeExceptionClosed(f"This shop order was already {row.status} by someone else.")
    return row


def release_intake_exception(cmd: commands.ReleaseIntakeException, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Place a held shop order with a person's corrections; if it still cannot be placed, say what is left."""
    row = _locked_open(cmd.exception_id, actor, uow)
    channel = uow.channels.channel(row.sales_channel_id)
    payloads = settings.channel_payloads[channel.kind]
    try:
        payload = json.loads(row.raw_body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or holds_non_text(payload) or not payloads.order_id(payload):
        raise DomainError("The shop's delivery holds no order to place; discard it with a reason.",
                          code="intake.unreadable", field="body")
    sku_map = {**dict(row.corrections.get("sku_map", {})), **dict(cmd.sku_map)}
    address = {**dict(row.corrections.get("shipping_address") or {}), **dict(cmd.shipping_address or {})}
    mapped = corrected(payloads.order_from(payload), sku_map=sku_map, shipping_address=address)
    reasons = _reasons(mapped, channel, uow)
    if reasons:
        raise InvalidOrder("The order still cannot be placed; see errors.", code="intake.still_invalid",
                          errors={r["field"]: r["message"] for r in reasons}, details={"reasons": reasons})
    row.corrections = {"sku_map": sku_map, "shipping_address": address}
    order, _, _ = _place(channel, mapped, row.webhook_id, actor, uow, settings)
    _close(row, RELEASED, actor.user_id, uow, order_id=order.id)
    uow.commit()
    return row


def discard_intake_exception(cmd: commands.DiscardIntakeException, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Decide a held shop order will not be placed; the payload and the reason stay on record."""
    row = _locked_open(cmd.exception_id, actor, uow)
    _close(row, DISCARDED, actor.user_id, uow, reason=check_discard_reason(cmd.reason))
    uow.commit()
    return row
