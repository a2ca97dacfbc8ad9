"""Channels out handlers: a channel's outbound settings, which of our products a shop lists (its ids and
buffer), and a person's "send it again now". The push worker (adapters/channel_push_worker.py) does the sending.

Each change publishes an event the push worker takes in like a stock change: the listed products' quantities
are worked out again and sent if the shop's number is now wrong (a new listing, a new buffer).
"""
from __future__ import annotations

from ..domain import commands
from ..domain.access import OFFICE, Actor, require_role
from ..domain.channel_intake import InvalidChannel
from ..domain.channels_out import FAILED, PENDING, check_listing, outbound_problems
from ..domain.errors import DomainError, NotFound
from ..domain.events import DomainEvent, utcnow
from .settings import Settings
from .unit_of_work import UnitOfWork


class PushAlreadySent(DomainError):
    """The push reached its shop already: there is nothing to send again."""

    code = "channel_push.already_sent"
    status = 409


def apply_outbound_settings(row, cmd: commands.ConfigureChannel) -> None:
    """Put a channel's outbound settings from the command on its row (None keeps each one as it is)."""
    errors = outbound_problems(cmd.kind, cmd.api_url, cmd.stock_buffer, cmd.location_id)
    if errors:
        raise InvalidChannel("The channel's settings are not valid; see errors.", errors=errors)
    if cmd.api_url is not None:
        row.api_url = cmd.api_url.rstrip("/")
    if cmd.stock_buffer is not None:
        row.stock_buffer = cmd.stock_buffer
    if cmd.location_id is not None:
        row.location_id = cmd.location_id or None
    for flag in ("push_stock", "push_fulfilment"):
        if getattr(cmd, flag) is not None:
            setattr(row, flag, getattr(cmd, flag))


def _channel(uow: UnitOfWork, slug: str):
    channel = uow.channels.channel_for_update(slug)
    if channel is None:
        raise NotFound("No such channel.")
    return channel


def _product(uow: UnitOfWork, sku: str):
    product = uow.catalogue.product_by_sku(sku)
    if product is None:
        raise NotFound(f"No product with SKU {sku}.", field="sku")
    return product


def _listing_event(name: str, channel, product_id: int, actor: Actor) -> DomainEvent:
    return DomainEvent(name=name, aggregate_type="channel_listing", aggregate_id=product_id, aggregate_version=1,
                       data={"actor_id": actor.user_id, "slug": channel.slug, "product_id": product_id})


def set_channel_listing(cmd: commands.SetChannelListing, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Say under which ids a shop lists a product, and its buffer there (owner, managers)."""
    require_role(actor, *OFFICE)
    channel = _channel(uow, cmd.slug)
    check_listing(channel.kind, cmd.item_id, cmd.parent_id, cmd.buffer)
    product = _product(uow, cmd.sku)
    now = utcnow()
    row = uow.channels.listing_for_update(channel.id, product.id)
    if row is None:
        row = uow.channels.add_listing(sales_channel_id=channel.id, product_id=product.id, item_id=cmd.item_id,
                                       parent_id=cmd.parent_id, buffer=cmd.buffer, created_at=now, updated_at=now)
    else:
        row.item_id, row.parent_id, row.buffer, row.updated_at = cmd.item_id, cmd.parent_id, cmd.buffer, now
    uow.publish(_listing_event("channel_listing.set", channel, product.id, actor))
    uow.commit()
    return row


def remove_channel_listing(cmd: commands.RemoveChannelListing, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Stop telling a shop about a product (owner, managers); what it shows stays as last sent."""
    require_role(actor, *OFFICE)
    channel = _channel(uow, cmd.slug)
    product = _product(uow, cmd.sku)
    row = uow.channels.listing_for_update(channel.id, product.id)
    if row is None:
        raise NotFound(f"{cmd.sku} is not listed on {cmd.slug}.")
    uow.channels.remove_listing(row)
    uow.publish(_listing_event("channel_listing.removed", channel, product.id, actor))
    uow.commit()


def retry_channel_push(cmd: commands.RetryChannelPush, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Send a failed or waiting push to its shop now, with a fresh count of attempts (owner, managers)."""
    require_role(actor, *OFFICE)
    row = uow.channels.push_for_update(cmd.push_id)
    if row is None:
        raise NotFound("No such push.")
    if row.status not in (PENDING, FAILED):
        raise PushAlreadySent("This push reached its shop already.")
    now = utcnow()
    # A new revision: an answer still on its way for the old try cannot mark this one done or failed.
    row.status, row.attempts, row.revision, row.next_attempt_at, row.updated_at = PENDING, 0, row.revision + 1, now, now
    uow.commit()
    return row
