"""Orders that shops send us by webhook (Shopify, WooCommerce): who may send them, what must hold to place one.

A shop signs each delivery with the secret it shares with its configured channel (HMAC-SHA256 of the raw body,
base64). A delivery whose order cannot be placed as it stands (an unknown SKU, an address we cannot ship to, a
currency the shop does not sell in) is kept whole as an intake exception until a person corrects and releases it,
or discards it with a reason: nothing a shop sent is lost.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import Enum

from .access import Actor, Role
from .catalogue import Channel
from .errors import DomainError

OPEN, RELEASED, DISCARDED = "open", "released", "discarded"
MAX_REASON = 500
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# A verified delivery acts as the shop itself: an office actor with no person behind it.
SHOP_ACTOR = Actor(user_id=None, role=Role.OWNER)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# ISO 4217 minor units where they are not two (the rest of the currencies shops use have two).
_MINOR_DIGITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3,
                 "TND": 3}


class ChannelKind(str, Enum):
    """The shop software a channel runs on: it decides the webhook's headers and payload shape."""

    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"

    @property
    def order_channel(self) -> Channel:
        """The channel its orders are recorded under."""
        return Channel.SHOPIFY if self is ChannelKind.SHOPIFY else Channel.WOOCOMMERCE


class WebhookUnauthorized(DomainError):
    """The delivery is not signed with the channel's secret (forged, unsigned or sent to the wrong channel)."""

    code = "webhook.signature_invalid"
    status = 401


class IntakeExceptionClosed(DomainError):
    """Someone released or discarded this intake exception first."""

    code = "intake.already_closed"
    status = 409


class InvalidChannel(DomainError):
    """A channel's settings cannot be kept as given."""

    code = "channel.invalid"
    status = 422


@dataclass(frozen=True)
class ChannelLine:
    """One line as the shop sent it: its SKU, how many, and the shop's unit price (minor units)."""

    sku: str
    quantity: int
    unit_price_minor: int | None = None
    title: str = ""


@dataclass(frozen=True)
class ChannelOrder:
    """An order as a shop described it, mapped to Waybill's words (by adapters/channel_payloads.py)."""

    channel_order_id: str
    number: str
    lines: tuple  # of ChannelLine
    shipping_address: dict
    billing_address: dict | None
    email: str
    customer_name: str
    phone: str
    currency: str
    total_minor: int | None
    subtotal_minor: int | None = None
    tax_minor: int | None = None
    shipping_minor: int | None = None
    payment_method: str = "card"
    note: str = ""
    unreadable: tuple = field(default=())  # fields the mapping could not read (their reasons)


def signature_valid(secret: str, raw_body: bytes, signature: str | None) -> bool:
    """True if `signature` is the base64 HMAC-SHA256 of the raw body under `secret` (compared in constant time)."""
    if not secret or not signature:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode("ascii", "replace"))


def sign(secret: str, raw_body: bytes) -> str:
    """The signature a shop sends with `raw_body` (for the tests and the benchmark's senders)."""
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


def to_minor(amount, currency: str) -> int | None:
    """A shop's decimal amount ("19.99", 19.99) in the currency's minor units; None if it is not a number."""
    if amount is None or amount == "":
        return None
    try:
        value = Decimal(str(amount)) * (10 ** _MINOR_DIGITS.get(currency, 2))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int(value.to_integral_value())


def problems_of(order: ChannelOrder, *, known_skus: set, shop_currency: str) -> list[dict]:
    """Why the order cannot be placed as sent (each with a code, the field and plain words); empty if it can."""
    reasons = [dict(r) for r in order.unreadable]
    if order.currency != shop_currency:
        reasons.append({"code": "currency.unknown", "field": "currency",
                        "message": f"The shop sells in {shop_currency}; "
                                   f"this order is in {order.currency or 'no currency'}."})
    if not order.lines:
        reasons.append({"code": "lines.missing", "field": "lines", "message": "The order has no lines."})
    for index, line in enumerate(order.lines):
        if line.sku not in known_skus:
            reasons.append({"code": "sku.unknown", "field": f"lines.{index}.sku", "sku": line.sku,
                            "message": f"No product with SKU {line.sku!r}"
                                       + (f" ({line.title})." if line.title else ".")})
        if line.quantity < 1:
            reasons.append({"code": "quantity.invalid", "field": f"lines.{index}.quantity",
                            "message": f"Quantity {line.quantity} of {line.sku!r} is not a positive number."})
    reasons.extend(address_problems(order.shipping_address, "shipping_address"))
    if not order.email or "@" not in order.email:
        reasons.append({"code": "customer.email_missing", "field": "email",
                        "message": "The order has no customer e-mail address to file it under."})
    return reasons


ADDRESS_FIELDS = ("name", "line1", "city", "postcode", "country")


def address_problems(address: dict | None, prefix: str) -> list[dict]:
    """What is missing or wrong in a postal address we must ship to."""
    address = address or {}
    reasons = [{"code": "address.incomplete", "field": f"{prefix}.{name}",
                "message": f"The delivery address has no {name.replace('line1', 'street')}."}
               for name in ADDRESS_FIELDS if not str(address.get(name) or "").strip()]
    country = str(address.get("country") or "")
    if country and not _COUNTRY.match(country):
        reasons.append({"code": "address.country", "field": f"{prefix}.country",
                        "message": f"{country!r} is not a two-letter country code."})
    return reasons


def corrected(order: ChannelOrder, *, sku_map: dict | None = None,
              shipping_address: dict | None = None) -> ChannelOrder:
    """The order with a person's corrections: SKUs mapped to ours, and the delivery address put right."""
    sku_map = {k: v.strip() for k, v in (sku_map or {}).items() if v and v.strip()}
    lines = tuple(replace(line, sku=sku_map.get(line.sku, line.sku)) for line in order.lines)
    address = {**order.shipping_address, **{k: v for k, v in (shipping_address or {}).items() if v is not None}}
    if address.get("country"):
        address["country"] = str(address["country"]).strip().upper()
    return replace(order, lines=lines, shipping_address=address)


def merged_lines(order: ChannelOrder) -> tuple:
    """(sku, quantity) pairs for PlaceOrder, a SKU sent on two lines (or mapped onto another) counted once."""
    quantities: dict[str, int] = {}
    for line in order.lines:
        quantities[line.sku] = quantities.get(line.sku, 0) + line.quantity
    return tuple(quantities.items())


def totals_difference(order: ChannelOrder, *, subtotal_minor: int, tax_minor: int, shipping_minor: int,
                      total_minor: int) -> dict:
    """The shop's totals beside Waybill's recomputed ones, and by how much each differs (shop minus Waybill)."""
    ours = {"subtotal": subtotal_minor, "tax": tax_minor, "shipping": shipping_minor, "total": total_minor}
    theirs = {"subtotal": order.subtotal_minor, "tax": order.tax_minor, "shipping": order.shipping_minor,
              "total": order.total_minor}
    return {"currency": order.currency, "channel": theirs, "waybill": ours,
            "difference": {k: (theirs[k] - ours[k]) if theirs[k] is not None else None for k in ours}}


def check_discard_reason(reason: str) -> str:
    """The reason a discarded intake exception keeps, or a domain error saying it is needed."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why it is discarded, so the next person knows.", code="intake.reason_missing",
                          field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.", code="intake.reason_too_long",
                          field="reason")
    return reason


def check_channel(slug: str, kind: str, currency: str, secret: str | None) -> None:
    """Raise InvalidChannel unless the channel's settings are usable."""
    errors = {}
    if not SLUG.match(slug or ""):
        errors["slug"] = "Use 1-40 lower-case letters, digits and dashes."
    if kind not in {k.value for k in ChannelKind}:
        errors["kind"] = "Use shopify or woocommerce."
    if not re.match(r"^[A-Z]{3}$", currency or ""):
        errors["currency"] = "Use a three-letter ISO 4217 code."
    if secret is not None and len(secret) < 16:
        errors["secret"] = "Use the shop's webhook secret (at least 16 characters)."
    if errors:
        raise InvalidChannel("The channel's settings are not valid; see errors.", errors=errors)


def holds_non_text(value) -> bool:
    """True if decoded JSON holds a string no database can store (a lone surrogate or NUL), keys included."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(holds_non_text(k) or holds_non_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_non_text(v) for v in value)
    return False
