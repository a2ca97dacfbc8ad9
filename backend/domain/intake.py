"""Who may say what when an order comes in.

A customer places web-shop orders for themselves and chooses how to pay. Where the order came from
(the channel and the channel's own order number) and every fact about the payment (the card's
fingerprint, the issuer's address check, that the money was taken) come from the shop: the office,
a channel integration or the payment gateway, never from the buyer. Otherwise a buyer could claim a
marketplace order number before the marketplace's own order arrives, or vouch for their own card.
"""
from __future__ import annotations

from .access import Actor, Role, require_role
from .catalogue import Channel
from .errors import Forbidden
from .payments import AddressCheck

BUYER_CHANNEL = Channel.WEB_SHOP
STAFF_DEFAULT_CHANNEL = Channel.API  # an office client that names no channel: an order through the API


def buyer_overreach(channel: str | None, channel_order_id: str | None, card_fingerprint: str | None,
                    address_check: str | None) -> dict[str, str]:
    """The fields of a buyer's order that only the shop may set, each with a sentence for the buyer."""
    refused = {}
    if channel not in (None, BUYER_CHANNEL.value):
        refused["channel"] = "Your orders come from the web shop; the shop records other channels."
    if channel_order_id is not None:
        refused["channel_order_id"] = "Order numbers of other channels are recorded by the shop."
    if card_fingerprint is not None:
        refused["card_fingerprint"] = "Card details are reported by the payment provider, not in the order."
    if address_check not in (None, AddressCheck.NOT_CHECKED.value):
        refused["address_check"] = "The address check is reported by the payment provider, not in the order."
    return refused


def authorize_intake(actor: Actor, *, customer_id: int | None, channel: str | None,
                     channel_order_id: str | None, card_fingerprint: str | None,
                     address_check: str | None) -> None:
    """Raise Forbidden unless the actor may place this order as asked (checked before anything is looked up).

    Nothing is read before this check, so the answer cannot tell a customer whether another
    customer's order (or a channel's order number) exists.
    """
    if actor.role != Role.CUSTOMER:
        require_role(actor, Role.OWNER, Role.MANAGER)
        return
    if customer_id not in (None, actor.customer_id):
        raise Forbidden("Customers can only place orders for themselves.", field="customer_id")
    refused = buyer_overreach(channel, channel_order_id, card_fingerprint, address_check)
    if refused:
        raise Forbidden("Only the shop can set " + ", ".join(sorted(refused)) + " on an order.",
                        code="order.set_by_shop", errors=refused)


def intake_channel(actor: Actor, channel: str | None) -> Channel:
    """The channel an order is recorded under: a buyer's is the web shop; the office names its own."""
    if actor.role == Role.CUSTOMER:
        return BUYER_CHANNEL
    return Channel(channel) if channel is not None else STAFF_DEFAULT_CHANNEL
