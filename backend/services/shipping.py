"""Shipping handlers: a packed order gets a carrier's label and tracking number and leaves the building."""
from __future__ import annotations

from ..domain import commands
from ..domain.access import Actor, Role, ensure_visible, require_role
from ..domain.errors import NotFound
from ..domain.fulfilment import follow_parts
from ..domain.orders import OrderStatus
from ..domain.shipping import CarrierRequest, Parcel, Shipment, ShippingError
from ..domain.stock import MovementReason
from . import payments
from .fulfilment import choose_part, parts_of
from .reservations import stock_event
from .unit_of_work import UnitOfWork
from .settings import Settings


def _ship_from(warehouse) -> dict:
    address = dict(warehouse.address or {})
    address.setdefault("name", warehouse.name)
    return address


def _fallback_parcels(order, part, uow: UnitOfWork) -> list[Parcel]:
    """One box weighing what the part's products weigh, when the floor recorded no parcels."""
    grams = 0
    for line in order.lines:
        product = uow.catalogue.product(line.product_id)
        grams += (product.weight_g if product else 0) * part.units_by_line.get(line.id, 0)
    return [Parcel("BOX", max(grams, 1))]


# Order statuses in which a packed part may leave: a split order is still picking (or waits for a
# backorder) while one warehouse's part is packed.
_SHIPPABLE = (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.BACKORDERED)


def create_shipment(cmd: commands.CreateShipment, actor: Actor, uow: UnitOfWork, settings: Settings) -> Shipment:
    """Book the carrier for one warehouse's packed part, store the label, take its stock out of the ledger;
    the order is shipped once every part is.

    A card or wallet order's share is captured first (services/payments.py): a decline holds the parcel.
    The carrier is asked before anything is written: if it refuses, fails or times out, the transaction
    rolls back and the order stays packed.
    """
    require_role(actor, Role.OWNER, Role.MANAGER, Role.FLOOR)
    carrier = settings.carriers.get(cmd.carrier)
    if carrier is None:
        raise ShippingError(f"Unknown carrier {cmd.carrier!r}.", code="shipment.unknown_carrier", field="carrier", status=422,
                            details={"carriers": sorted(settings.carriers)})
    order = uow.orders.get(cmd.order_id, for_update=True)
    ensure_visible(actor, order)
    uow.track(order)
    if order.state in (OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED):
        raise ShippingError(f"Order {order.number} is already shipped.", code="shipment.already_shipped")
    parts = parts_of(order, uow) if order.state in _SHIPPABLE else []
    if not parts:
        raise ShippingError(f"Order {order.number} is {order.status.replace('_', ' ')}: only packed orders ship.",
                            code="shipment.not_packed", details={"status": order.status})
    part = choose_part(parts, actor, cmd.warehouse_id, lambda p: p.packed and not p.shipped,
                       lambda p: not p.shipped)
    if part.shipped:
        raise ShippingError(f"This part of order {order.number} is already shipped.",
                            code="shipment.already_shipped")
    if not part.packed:
        words = (f"The part of order {order.number} in this warehouse is not packed yet: only packed parts ship."
                 if len(parts) > 1 else
                 f"Order {order.number} is {order.status.replace('_', ' ')}: only packed orders ship.")
        raise ShippingError(words,
                            code="shipment.not_packed", details={"status": order.status})
    if payments.capture_for_part(order, parts, part, uow, settings, actor):
        return create_shipment(cmd, actor, uow, settings)  # read again: the provider's answer is in the ledger now
    warehouse = uow.catalogue.warehouse(part.warehouse_id)
    if warehouse is None:
        raise NotFound("No such warehouse.")
    parcels = uow.shipping.parcels_for(order.id, part.warehouse_id) or _fallback_parcels(order, part, uow)
    label = carrier.create_label(CarrierRequest(reference=order.number, service=cmd.service or "standard",
                                                ship_from=_ship_from(warehouse),
                                                ship_to=dict(order.shipping_address), parcels=parcels))
    shipment = Shipment(order_id=order.id, warehouse_id=warehouse.id, carrier=carrier.code,
                        service=cmd.service or "standard", tracking_number=label.tracking_number,
                        label_format=label.label_format, label_data=label.label_data,
                        created_by_id=actor.user_id)
    uow.shipping.add(shipment)
    uow.track(shipment)
    _ship_stock(order, part, uow, actor)
    uow.flush()
    moved = follow_parts(order, parts_of(order, uow), actor_id=actor.user_id, carrier=carrier.code,
                         tracking_number=label.tracking_number)
    if not moved:  # another part is still on the floor: this one has left
        order.record("order.part_shipped", actor_id=actor.user_id, changed=True, warehouse_id=warehouse.id,
                     carrier=carrier.code, tracking_number=label.tracking_number)
    shipment.record("shipment.created", actor_id=actor.user_id, tracking_number=shipment.tracking_number,
                    warehouse_id=shipment.warehouse_id, status=shipment.status, parcels=len(parcels))
    uow.commit()
    return shipment


def _ship_stock(order, part, uow: UnitOfWork, actor: Actor) -> None:
    """The part's reserved units leave: on hand and reserved both go down by what was allocated there (one
    SHIPPED movement per product), so the ledger still sums to the levels."""
    product_ids = {line.product_id for line in order.lines if part.units_by_line.get(line.id)}
    levels = {(lv.warehouse_id, lv.product_id): lv for lv in uow.stock.lock_levels(product_ids)}
    for line in order.lines:
        units = part.units_by_line.get(line.id, 0)
        if units:
            level = levels[(part.warehouse_id, line.product_id)]
            movement = level.apply(MovementReason.SHIPPED, on_hand_delta=-units, reserved_delta=-units,
                                   order_id=order.id, actor_id=actor.user_id, note=f"shipped {order.number}")
            uow.stock.add_movement(movement)
            uow.publish(stock_event("stock.shipped", level, movement, order.id))
