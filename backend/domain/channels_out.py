"""Channels out: what each shop is told after our stock changes or a parcel leaves. Pure rules; the channel push
worker (adapters/channel_push_worker.py) asks them, the shop clients (adapters/shop_api.py) speak them.

A shop sells what we can still promise: on hand minus reserved, less a safety buffer kept back for that shop
(the product's own buffer on the channel if set, else the channel's default), summed over the warehouses that
sell online (every active warehouse: there is no other notion of "online" stock yet), never below zero.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import DomainError

STOCK, FULFILMENT = "stock", "fulfilment"
PENDING, SENT, FAILED = "pending", "sent", "failed"
MAX_BUFFER = 1_000_000
_SHOP_ID = re.compile(r"^[0-9]{1,20}$")


class InvalidListing(DomainError):
    """A product's listing on a channel cannot be kept as given."""

    code = "channel_listing.invalid"
    status = 422


# The outbox news that may change what a shop is told: stock moved, a listing or a channel's settings changed.
STOCK_NEWS = ("stock_level", "channel_listing", "sales_channel")
PARCEL_NEWS = ("shipment", "shipment.created")  # (aggregate, event): a parcel got its carrier and tracking number


def concerns_channels(event_name: str, aggregate_type: str) -> bool:
    """Whether an outbox event may owe a shop a push."""
    return aggregate_type in STOCK_NEWS or (aggregate_type, event_name) == PARCEL_NEWS


def token_variable(slug: str) -> str:
    """The environment variable a channel's shop API token is read from: WAYBILL_CHANNEL_TOKEN_<SLUG>."""
    return "WAYBILL_CHANNEL_TOKEN_" + slug.upper().replace("-", "_")


def available_for_channel(on_hand: int, reserved: int, buffer: int) -> int:
    """What one warehouse lets a shop sell: on hand - reserved - buffer, never below zero."""
    return max(0, on_hand - reserved - buffer)


def buffer_for(product_buffer: int | None, channel_buffer: int | None) -> int:
    """The product's own buffer on the channel if it has one, else the channel's default (0 if none)."""
    if product_buffer is not None:
        return product_buffer
    return channel_buffer or 0


def channel_quantity(levels, *, product_buffer: int | None, channel_buffer: int | None) -> int:
    """The quantity a shop shows for a product: its buffer held back once, from the stock of every selling
    warehouse together (`levels`: (on_hand, reserved) pairs)."""
    free = sum(max(0, on_hand - reserved) for on_hand, reserved in levels)
    return available_for_channel(free, 0, buffer_for(product_buffer, channel_buffer))


@dataclass(frozen=True)
class Fulfilment:
    """A parcel as a shop is told about it: the shop's order id, the carrier, the tracking number and link; for
    an order that leaves in several parcels, this one's items (shop_parcels.ParcelItem) and whether it is the last.
    """

    shop_order_id: str
    carrier: str
    tracking_number: str
    tracking_url: str = ""
    items: tuple = ()
    split: bool = False
    last: bool = True

    def note(self) -> str:
        """The customer-visible order note a shop without fulfilments (WooCommerce) gets."""
        words = f"Shipped with {self.carrier}, tracking {self.tracking_number}"
        return f"{words} {self.tracking_url}".strip() if self.tracking_url else words


def check_listing(kind: str, item_id: str, parent_id: str | None, buffer: int | None) -> None:
    """Raise InvalidListing unless the shop's ids and the buffer are usable for a channel of `kind`."""
    errors = {}
    if not _SHOP_ID.match(item_id or ""):
        errors["item_id"] = ("Use the product's inventory item id (digits)." if kind == "shopify"
                             else "Use the WooCommerce product or variation id (digits).")
    if parent_id is not None and (kind == "shopify" or not _SHOP_ID.match(parent_id)):
        errors["parent_id"] = ("Shopify listings have no parent." if kind == "shopify"
                               else "Use the variable product's id (digits).")
    if buffer is not None and not 0 <= buffer <= MAX_BUFFER:
        errors["buffer"] = f"Use a whole number from 0 to {MAX_BUFFER}."
    if errors:
        raise InvalidListing("The listing is not valid; see errors.", errors=errors)


def outbound_problems(kind: str, api_url: str | None, stock_buffer: int | None, location_id: str | None) -> dict:
    """Field errors of a channel's outbound settings (its shop's API address, default buffer, Shopify location)."""
    errors = {}
    if api_url:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
            errors["api_url"] = "Use the shop's base address, http(s)://host, without a user name or password."
        elif parts.query or parts.fragment:
            errors["api_url"] = "Use the shop's base address without a query or fragment."
    if stock_buffer is not None and not 0 <= stock_buffer <= MAX_BUFFER:
        errors["stock_buffer"] = f"Use a whole number from 0 to {MAX_BUFFER}."
    if location_id is not None and location_id != "" and (kind != "shopify" or not _SHOP_ID.match(location_id)):
        errors["location_id"] = ("Use the Shopify location's id (digits)." if kind == "shopify"
                                 else "Only Shopify channels have a location.")
    return errors
