"""Shipping handlers: a packed order gets a carrier's label and tracking number and leaves the building."""
from __future__ import annotations

from collections import Counter

from ..domain import commands
from ..domain.access import Actor, Role, ensure_visible, require_role, require_warehouse
from ..domain.errors import NotFound
from ..domain.orders import OrderStatus
from ..domain.shipping import CarrierRequest, Parcel, Shipment, ShippingError
from ..domain.stock import MovementReason
from .reservations import stock_event
from .unit_of_work import UnitOfWork
from .settings import Settings


def _ship_from(warehouse) -> dict:
    address = dict(warehouse.address or {})
    address.setdefault("name", warehouse.name)
    return address


def _fallback_parcels(order, uow: UnitOfWork) -> list[Parcel]:
    """One box weighing what the products weigh, when the floor recorded no parcels."""
    grams = 0
    for line in order.lines:
        product = uow.catalogue.product(line.product_id)
        grams += (product.weight_g if product else 0) * line.quantity
    return [Parcel("BOX", max(grams, 1))]


def shipping_warehouse(order) -> int:
    """The warehouse that holds most of the order's units (where the parcel leaves from)."""
    units = Counter()
    for line in order.lines:
        for allocation in line.allocations:
            units[allocation.warehouse_id] += allocation.quantity
    if not units:
        raise ShippingError(f"Order {order.number} has no stock allocated to ship.", code="shipment.no_stock")
    return min(units, key=lambda wid: (-units[wid], wid))


def create_shipment(cmd: commands.CreateShipment, actor: Actor, uow: UnitOfWork, settings: Settings) -> Shipment:
    """Book the carrier, store the label, move the order packed -> shipped and its stock out of the ledger.

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
    if order.state != OrderStatus.PACKED:
        if order.state in (OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED):
            raise ShippingError(f"Order {order.number} is already shipped.", code="shipment.already_shipped")
        raise ShippingError(f"Order {order.number} is {order.status.replace('_', ' ')}: only packed orders ship.",
                            code="shipment.not_packed", details={"status": order.status})
    for warehouse_id in {a.warehouse_id for line in order.lines for a in line.allocations}:
        require_warehouse(actor, warehouse_id)
    warehouse = uow.catalogue.warehouse(shipping_warehouse(order))
    if warehouse is None:
        raise NotFound("No such warehouse.")
    parcels = uow.shipping.parcels_for(order.id) or _fallback_parcels(order, uow)
    label = carrier.create_label(CarrierRequest(reference=order.number, service=cmd.service or "standard",
                                                ship_from=_ship_from(warehouse),
                                                ship_to=dict(order.shipping_address), parcels=parcels))
    shipment = Shipment(order_id=order.id, warehouse_id=warehouse.id, carrier=carrier.code,
                        service=cmd.service or "standard", tracking_number=label.tracking_number,
                        label_format=label.label_format, label_data=label.label_data,
                        created_by_id=actor.user_id)
    uow.shipping.add(shipment)
    uow.track(shipment)
    order.transition(OrderStatus.SHIPPED, actor_id=actor.user_id, carrier=carrier.code,
                     tracking_number=label.tracking_number)
    _ship_stock(order, uow, actor)
    uow.flush()
    shipment.record("shipment.created", actor_id=actor.user_id, tracking_number=shipment.tracking_number,
                    warehouse_id=shipment.warehouse_id, status=shipment.status, parcels=len(parcels))
    uow.commit()
    return shipment


def _ship_stock(order, uow: UnitOfWork, actor: Actor) -> None:
    """The reserved units leave: on hand and reserved both go down by what was allocated (one SHIPPED
    movement per warehouse and product), so the ledger still sums to the levels."""
    product_ids = {line.product_id for line in order.lines if line.allocations}
    levels = {(lv.warehouse_id, lv.product_id): lv for lv in uow.stock.lock_levels(product_ids)}
    for line in order.lines:
        for allocation in line.allocations:
            level = levels[(allocation.warehouse_id, line.product_id)]
            movement = level.apply(MovementReason.SHIPPED, on_hand_delta=-allocation.quantity,
                                   reserved_delta=-allocation.quantity, order_id=order.id,
                                   actor_id=actor.user_id, note=f"shipped {order.number}")
            uow.stock.add_movement(movement)
            uow.publish(stock_event("stock.shipped", level, movement, order.id))
