"""Reads of picking and packing: pick lists, what a pick list's page shows, and the box an order packs into."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.mappings import reader
from ..adapters.picking_repository import PickingRepository
from ..adapters.records import User
from ..domain.access import Actor
from ..domain.errors import NotFound
from ..domain.orders import Order
from ..domain.packing import BoxSuggestion, items_to_pack, suggest_box
from ..domain.fulfilment import PartStatus, part_in
from ..domain.picking import PickList
from .catalogue import list_warehouses
from .fulfilment import PART_WORDS, parts_of_order
from .orders import order_for


def pick_list(session, pick_list_id: int) -> PickList | None:
    """One pick list with its lines (None if there is none); who may see it is the caller's check."""
    return PickingRepository(session, reader(session)).get(pick_list_id)


def pick_list_of_line(session, pick_line_id: int) -> PickList | None:
    """The pick list a pick line belongs to, or None."""
    return PickingRepository(session, reader(session)).list_of_line(pick_line_id)


def pick_lists(session, warehouse_ids=None, statuses=None) -> list[PickList]:
    """Pick lists of some warehouses (None: all), optionally only in `statuses`, newest first."""
    return PickingRepository(session, reader(session)).lists(warehouse_ids, statuses=statuses)


def waiting_orders(session, warehouse_id: int) -> list[Order]:
    """Allocated orders with units in this warehouse that no pick list covers yet, oldest first."""
    return PickingRepository(session, reader(session)).allocated_orders(warehouse_id)


def user_names(session, user_ids) -> dict:
    """user id -> name, for showing who claimed a list (ids that are None are skipped)."""
    ids = sorted({i for i in user_ids if i})
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


def box_suggestion(session, order: Order, divisor: int, warehouse_id: int | None = None) -> BoxSuggestion:
    """The smallest catalogue box that fits the order's picked items (of one warehouse's part if given)."""
    picking = PickingRepository(session, reader(session))
    if warehouse_id is None:
        lines = picking.lines_of_order(order.id)
    else:
        lines = picking.lines_by_warehouse(order.id).get(warehouse_id, [])
    items = items_to_pack(lines, picking.products([line.product_id for line in lines]))
    return suggest_box(items, picking.boxes(), divisor)


def packable_order(session, actor: Actor, order_id: int) -> Order:
    """An order on a pick list of one of the actor's warehouses (the office: any), or NotFound."""
    order = order_for(session, order_id)
    lists = PickingRepository(session, reader(session)).lists_of_order(order_id) if order is not None else []
    if order is None or not any(actor.is_office or pl.warehouse_id in actor.warehouse_ids for pl in lists):
        raise NotFound("No such order on a pick list.")
    return order


def pick_list_view(session, pick_list: PickList, actor: Actor, divisor: int) -> dict:
    """What the pick list page shows: the walk, progress, and per order the pack form of this warehouse's part
    (a split order's other parts are named so the packer knows the rest comes from elsewhere)."""
    picking = PickingRepository(session, reader(session))
    orders = {oid: order_for(session, oid) for oid in pick_list.order_ids}
    products = picking.products([line.product_id for line in pick_list.lines])
    boxes = picking.boxes()
    warehouses = {w.id: w for w in list_warehouses(session)}
    packs = []
    for order_id, order in orders.items():
        parts = parts_of_order(session, order)
        part = part_in(parts, pick_list.warehouse_id)
        others = [{"part": p, "warehouse": warehouses.get(p.warehouse_id), "words": PART_WORDS[p.status].lower()}
                  for p in parts if p is not part]
        packs.append({"order": order, "part": part, "others": others,
                      "suggestion": box_suggestion(session, order, divisor, pick_list.warehouse_id),
                      "boxes": boxes, "packed": part is not None and part.packed,
                      "ready": order.fully_allocated and part is not None and part.status == PartStatus.PICKED,
                      "parcels": picking.parcels(order_id, pick_list.warehouse_id),
                      "lines": pick_list.lines_of(order_id)})
    names = user_names(session, [pick_list.claimed_by_id])
    return {"pick_list": pick_list, "walk": pick_list.walk, "orders": orders, "products": products,
            "packs": packs, "claimed_by": names.get(pick_list.claimed_by_id), "mine":
            pick_list.claimed_by_id is not None and pick_list.claimed_by_id == actor.user_id,
            "progress": pick_list.progress, "divisor": divisor}


def floor_pick_lists(session, warehouse_ids) -> list[dict]:
    """Open and claimed pick lists for the floor home page, with who has each."""
    lists = pick_lists(session, warehouse_ids, statuses=("open", "claimed"))
    names = user_names(session, [pl.claimed_by_id for pl in lists])
    return [{"pick_list": pl, "claimed_by": names.get(pl.claimed_by_id), "progress": pl.progress} for pl in lists]
