"""Packing handlers: closing an order's parcel(s) and the box catalogue (the box suggestion is a query)."""
from __future__ import annotations

from ..domain import commands, sync_rules
from ..domain.access import Actor, Role, require_role
from ..domain.errors import DomainError, NotFound
from ..domain.events import utcnow
from ..domain.fulfilment import PartStatus, follow_parts
from ..domain.orders import Order, OrderStatus
from ..domain.packing import Box, PackingError
from .fulfilment import choose_part, parts_of
from .unit_of_work import UnitOfWork
from .settings import Settings

FLOOR_ROLES = (Role.OWNER, Role.MANAGER, Role.FLOOR)
MAX_PARCEL_GRAMS = 70_000


def close_pack(cmd: commands.ClosePack, actor: Actor, uow: UnitOfWork, settings: Settings) -> Order:
    """Record the parcel(s) of one warehouse's part with their weight; the order is packed once every part is.

    A split order (stock in two warehouses, at intake or after a short pick was reallocated) is packed
    part by part: the packer closes what their warehouse holds, and need not wait for the other.
    """
    require_role(actor, *FLOOR_ROLES)
    order = uow.orders.get(cmd.order_id, for_update=True)
    if order is None:
        raise NotFound("No such order.", field="order_id")
    parts = parts_of(order, uow)
    part = choose_part(parts, actor, cmd.warehouse_id, lambda p: p.status == PartStatus.PICKED,
                       lambda p: not p.packed)
    if not uow.picking.lines_by_warehouse(order.id).get(part.warehouse_id) and not part.packed:
        raise DomainError(f"Order {order.number} is not on a pick list yet.", code="pack.not_on_pick_list")
    uow.track(order)
    split = len(parts) > 1
    base = cmd.base_version
    # The packer's own claim or first pick moved the order allocated -> picking after the page was shown:
    # that is the expected next step, not a change someone else made.
    if (base is not None and cmd.base_status == OrderStatus.ALLOCATED.value
            and order.status == OrderStatus.PICKING.value):
        base += 1
    if split and base is not None:
        # The other warehouse's progress moves the order's version too, which is no reason to refuse an
        # older page; anything else since the packer's version (a reduced line, units moved here) is.
        changed = sync_rules.part_changed(uow.orders.changes_since(order.id, cmd.base_version), part.warehouse_id)
        base = cmd.base_version if changed else None  # older than the order's version: refused below
    verdict = sync_rules.close_pack(
        all_lines_picked=order.fully_allocated and part.status == PartStatus.PICKED,
        order_status=OrderStatus.PACKED.value if part.packed else order.status,
        order_version=order.version, base_version=base)
    if verdict.outcome == sync_rules.Outcome.REJECT:
        raise DomainError(verdict.message, code=verdict.code)
    if verdict.outcome == sync_rules.Outcome.NOOP:
        return order
    if not cmd.parcels:
        raise PackingError("Record at least one parcel with its weight.", field="parcels")
    boxes = {b.code: b for b in uow.picking.boxes()}
    recorded = []
    for i, (box_code, weight) in enumerate(cmd.parcels):
        box: Box | None = boxes.get(box_code)
        if box is None:
            raise PackingError(f"No box {box_code!r} in the catalogue.", field=f"parcels.{i}.box_code")
        if not 0 < weight <= MAX_PARCEL_GRAMS:
            raise PackingError(f"Enter the parcel's weight in grams (1 to {MAX_PARCEL_GRAMS}).",
                               field=f"parcels.{i}.weight_grams")
        if weight > box.max_weight_grams + box.tare_grams:
            raise PackingError(f"A {box.name} holds at most {box.max_weight_grams} g: use a bigger box or two.",
                               field=f"parcels.{i}.weight_grams")
        uow.picking.add_parcel(order_id=order.id, warehouse_id=part.warehouse_id, box_code=box.code,
                               weight_grams=weight, length_mm=box.inner_length_mm, width_mm=box.inner_width_mm,
                               height_mm=box.inner_height_mm, created_by_id=actor.user_id, created_at=utcnow())
        recorded.append({"box_code": box.code, "weight_grams": weight})
    moved = follow_parts(order, parts_of(order, uow), actor_id=actor.user_id, reason="packed", parcels=recorded)
    if not moved:  # another part is still being picked: the order stays where it is, this part is packed
        order.record("order.part_packed", actor_id=actor.user_id, changed=True, warehouse_id=part.warehouse_id,
                     parcels=recorded)
    uow.commit()
    return order


def create_box(cmd: commands.CreateBox, actor: Actor, uow: UnitOfWork, settings: Settings) -> Box:
    """Add a box to the catalogue (office)."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    if min(cmd.inner_length_mm, cmd.inner_width_mm, cmd.inner_height_mm) <= 0 or cmd.max_weight_grams <= 0 \
            or cmd.tare_grams < 0:
        raise PackingError("Box dimensions and weight must be positive.", field="inner_length_mm")
    if uow.picking.box(cmd.code) is not None:
        raise PackingError(f"There is already a box {cmd.code}.", code="pack.box_exists", field="code")
    box = Box(cmd.code, cmd.name, cmd.inner_length_mm, cmd.inner_width_mm, cmd.inner_height_mm,
              cmd.max_weight_grams, cmd.tare_grams)
    uow.picking.add_box(box)
    uow.commit()
    return box
