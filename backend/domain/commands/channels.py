"""Commands about shop channels: configuring one, receiving its webhooks, and deciding on intake exceptions."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigureChannel:
    """The owner adds or changes a shop channel; `secret` None keeps the one it has, and so does None for each
    of the channels-out settings (the shop's API address, default stock buffer, Shopify location, what is pushed).
    """

    slug: str
    kind: str
    currency: str
    name: str = ""
    secret: str | None = None
    active: bool = True
    api_url: str | None = None
    stock_buffer: int | None = None
    location_id: str | None = None
    push_stock: bool | None = None
    push_fulfilment: bool | None = None


@dataclass(frozen=True)
class ReceiveChannelWebhook:
    """A shop's webhook delivery as it arrived: its channel, the shop's headers and the raw body it signed."""

    slug: str
    headers: tuple  # ((lower-case name, value), ...) of the shop's own X-Shopify-* / X-WC-Webhook-* headers
    raw_body: bytes


@dataclass(frozen=True)
class ReleaseIntakeException:
    """A manager corrects a held shop order (SKUs mapped to ours, the address put right) and places it."""

    exception_id: int
    sku_map: tuple = ()  # ((shop's SKU, our SKU), ...)
    shipping_address: dict | None = None


@dataclass(frozen=True)
class DiscardIntakeException:
    """A manager decides a held shop order will not be placed, and says why."""

    exception_id: int
    reason: str


@dataclass(frozen=True)
class SetChannelListing:
    """A manager says under which ids a shop lists one of our products, and how many units it keeps back for it
    (`buffer` None: the channel's default)."""

    slug: str
    sku: str
    item_id: str
    parent_id: str | None = None
    buffer: int | None = None


@dataclass(frozen=True)
class RemoveChannelListing:
    """A manager stops telling a shop about one of our products."""

    slug: str
    sku: str


@dataclass(frozen=True)
class RetryChannelPush:
    """A manager sends a failed or waiting push to its shop again now."""

    push_id: int
