"""A parcel as a shop is told about it when an order leaves in several: which of the order's units it carries,
whether the order is split, whether it is the last part to leave, and (Shopify) which lines of the shop's
fulfillment orders those units are. Pure rules; the channel push worker reads the parts, shop_api.py sends.

A split order's parcel must never fulfil the whole order at the shop: a later parcel's tracking number would
then have nowhere to go, and the customer would read "all sent" while half the order is still on a shelf.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import DomainError
from .fulfilment import part_in

OPEN_FULFILMENT_ORDERS = ("open", "in_progress")  # Shopify fulfillment order statuses that can still be fulfilled


class ParcelNotMatched(DomainError):
    """A product of the parcel has no line on the shop's order we can recognise: nothing may be fulfilled."""

    code = "channel_push.parcel_not_matched"
    status = 409


@dataclass(frozen=True)
class ParcelItem:
    """Units of one product in a parcel: its SKU, how many, and its id on the shop (None: not listed there)."""

    sku: str
    quantity: int
    item_id: str | None = None


@dataclass(frozen=True)
class ParcelContents:
    """What one shipment carries: (product id, SKU, units) per product; whether the order is split; whether no
    other part of it is still to ship."""

    units: tuple
    split: bool
    last: bool


def parcel_contents(order, parts, warehouse_id: int | None) -> ParcelContents:
    """The contents of the order's shipment from `warehouse_id`: its part's units if the order is split, else the
    whole order (also for a shipment made before orders were split, which has no warehouse)."""
    part = part_in(parts, warehouse_id) if warehouse_id is not None and len(parts) > 1 else None
    if part is None:
        return ParcelContents(_by_product(order, {line.id: line.quantity for line in order.lines}), False, True)
    others_shipped = all(p.shipped for p in parts if p is not part)
    return ParcelContents(_by_product(order, part.units_by_line), True, others_shipped)


def _by_product(order, units_by_line: dict) -> tuple:
    found: dict = {}
    for line in order.lines:
        units = units_by_line.get(line.id, 0)
        if units > 0:
            sku, before = found.get(line.product_id, (line.sku, 0))
            found[line.product_id] = (sku, before + units)
    return tuple((product_id, sku, units) for product_id, (sku, units) in found.items())


def shopify_parcel_lines(items, fulfillment_orders, sku_of_line_item: dict) -> list[dict]:
    """The `line_items_by_fulfillment_order` that fulfil exactly one parcel of a split order.

    Each product's fulfillment order lines are found by the listing's inventory item id, or for a product not
    listed on the channel by the SKU of the shop's order line (`sku_of_line_item`: line item id -> SKU). They
    take the parcel's units up to what each line can still fulfil. Raises ParcelNotMatched for a product the
    shop's order shows no line of. An empty answer: the shop already counts those units as sent.
    """
    chosen: dict = {}
    for item in items:
        lines = [(order, line) for order in fulfillment_orders for line in _dicts(order.get("line_items"))
                 if _same_product(item, line, sku_of_line_item)]
        if not lines:
            raise ParcelNotMatched(
                f"The shop's order has no line for {item.sku} (inventory item {item.item_id}): nothing was "
                "fulfilled; correct the listing, then retry." if item.item_id else
                f"The shop's order has no line with SKU {item.sku}, and {item.sku} is not listed on the channel: "
                "nothing was fulfilled; list it, then retry.")
        wanted = item.quantity
        for order, line in lines:
            take = min(wanted, _count(line.get("fulfillable_quantity")))
            if take > 0 and order.get("status") in OPEN_FULFILMENT_ORDERS:
                chosen.setdefault(order.get("id"), []).append({"id": line.get("id"), "quantity": take})
                wanted -= take
    return [{"fulfillment_order_id": order_id, "fulfillment_order_line_items": lines}
            for order_id, lines in chosen.items()]


def _same_product(item: ParcelItem, line: dict, sku_of_line_item: dict) -> bool:
    if item.item_id:
        return str(line.get("inventory_item_id")) == item.item_id
    return bool(item.sku) and sku_of_line_item.get(line.get("line_item_id")) == item.sku


def _dicts(found) -> list[dict]:
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def _count(value) -> int:
    """A quantity from a shop's answer (anything but a whole number counts as none left)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
