"""After a failed delivery attempt: the order and shipment show it, the office decides, the limit returns it.

`note_failed_attempt` runs inside the driver's failed-attempt handler (services/delivery.py);
`decide_failed_delivery` is the office's command handler. Returned parcels go back on the shelf through
the stock ledger (a RETURNED movement per warehouse and product), never by editing a level.
"""
from __future__ import annotations

from ..domain import commands
from ..domain.access import Actor, Role, require_role
from ..domain.errors import NotFound
from ..domain.delivery import FAIL_REASONS
from ..domain.failed_delivery import RETURNED_TO_SENDER, decide, limit_reached, returned_message
from ..domain.fulfilment import follow_parts
from ..domain.orders import OrderStatus
from ..domain.shipping import ShipmentStatus
from ..domain.stock import MovementReason
from .fulfilment import parts_of
from .reservations import stock_event
from .settings import Settings
from .unit_of_work import UnitOfWork


def _restock(order, uow: UnitOfWork, actor_id: int | None, *, warehouse_id: int | None = None) -> None:
    """The undelivered units are back on the shelf they left from: on hand goes up by what shipped.

    `warehouse_id`: only that warehouse's part came back (a split order's other parts went their own way)."""
    product_ids = {line.product_id for line in order.lines if line.allocations}
    levels = {(lv.warehouse_id, lv.product_id): lv for lv in uow.stock.lock_levels(product_ids)}
    for line in order.lines:
        for allocation in line.allocations:
            if warehouse_id is not None and allocation.warehouse_id != warehouse_id:
                continue
            level = levels[(allocation.warehouse_id, line.product_id)]
            movement = level.apply(MovementReason.RETURNED, on_hand_delta=allocation.quantity, order_id=order.id,
                                   actor_id=actor_id, note=f"returned {order.number} undelivered")
            uow.stock.add_movement(movement)
            uow.publish(stock_event("stock.returned", level, movement, order.id))


def note_failed_attempt(uow: UnitOfWork, *, run, stop, order, reason: str, actor_id: int | None,
                        settings: Settings) -> None:
    """A stop just failed: the order and shipment say so; at the shop's limit of attempts the parcel goes back
    to the sender by itself and the office gets an exception saying so."""
    shipment = uow.track(uow.shipping.shipment(stop.shipment_id, for_update=True))
    attempts = uow.delivery.failed_stops_of_shipment(stop.shipment_id, besides=stop.id) + 1
    if shipment is not None and shipment.can_become(ShipmentStatus.FAILED):
        shipment.set_status(ShipmentStatus.FAILED)
        shipment.record("shipment.attempt_failed", actor_id=actor_id, reason=reason, attempts=attempts,
                        stop_id=stop.id, run_id=run.id)
    if order is None:
        return
    if shipment is not None and order.status not in (OrderStatus.CANCELLED.value, OrderStatus.REJECTED.value):
        parts = parts_of(order, uow)
        if len(parts) > 1:
            _split_part_failed(uow, run=run, stop=stop, order=order, shipment=shipment, parts=parts, reason=reason,
                               attempts=attempts, actor_id=actor_id, settings=settings)
            return
    if not order.can_transition(OrderStatus.DELIVERY_FAILED):
        # The office changed the order meanwhile (e.g. cancelled it): the attempt stays in its history only.
        order.record("order.delivery_attempt_noted", actor_id=actor_id, reason=reason, stop_id=stop.id)
        return
    order.transition(OrderStatus.DELIVERY_FAILED, actor_id=actor_id, reason=FAIL_REASONS.get(reason, reason).lower(),
                     fail_reason=reason, stop_id=stop.id, attempts=attempts,
                     max_attempts=settings.max_delivery_attempts)
    if shipment is None or not limit_reached(attempts, settings.max_delivery_attempts):
        return
    order.transition(OrderStatus.RETURNED, actor_id=actor_id, reason="returned to the sender after "
                     f"{attempts} failed attempts", attempts=attempts, automatic=True)
    shipment.set_status(ShipmentStatus.RETURNED)
    shipment.record("shipment.returned", actor_id=actor_id, attempts=attempts, automatic=True)
    _restock(order, uow, actor_id)
    uow.open_exception(RETURNED_TO_SENDER, returned_message(order.number, attempts), order_id=order.id,
                       data={"shipment_id": shipment.id, "stop_id": stop.id, "run_id": run.id,
                             "driver_id": run.driver_id, "attempts": attempts, "reason": reason},
                       conflict=False)


def _split_part_failed(uow: UnitOfWork, *, run, stop, order, shipment, parts, reason: str, attempts: int,
                       actor_id: int | None, settings: Settings) -> None:
    """One parcel of a split order was missed: the order's status follows its parts (it shows the missed parcel
    once no other part is behind it), and the customer hears about this parcel either way."""
    fail = {"fail_reason": reason, "stop_id": stop.id, "attempts": attempts, "shipment_id": shipment.id,
            "warehouse_id": shipment.warehouse_id, "max_attempts": settings.max_delivery_attempts}
    moved = follow_parts(order, parts, actor_id=actor_id, reason=FAIL_REASONS.get(reason, reason).lower(), **fail)
    if not any(e.name == "order.delivery_failed" for e in moved):
        order.record("order.part_delivery_failed", actor_id=actor_id, changed=True,
                     reason=FAIL_REASONS.get(reason, reason).lower(), **fail)
    if not limit_reached(attempts, settings.max_delivery_attempts):
        return
    shipment.set_status(ShipmentStatus.RETURNED)
    shipment.record("shipment.returned", actor_id=actor_id, attempts=attempts, automatic=True)
    _restock(order, uow, actor_id, warehouse_id=shipment.warehouse_id)
    reason_words = f"one parcel returned to the sender after {attempts} failed attempts"
    moved = follow_parts(order, parts_of(order, uow), actor_id=actor_id, reason=reason_words, attempts=attempts,
                         automatic=True, shipment_id=shipment.id, warehouse_id=shipment.warehouse_id)
    if not moved:
        order.record("order.part_returned", actor_id=actor_id, changed=True, reason=reason_words, attempts=attempts,
                     automatic=True, shipment_id=shipment.id, warehouse_id=shipment.warehouse_id)
    uow.open_exception(RETURNED_TO_SENDER, returned_message(order.number, attempts, part=True), order_id=order.id,
                       data={"shipment_id": shipment.id, "stop_id": stop.id, "run_id": run.id,
                             "driver_id": run.driver_id, "attempts": attempts, "reason": reason},
                       conflict=False)


def _decide_split_part(uow: UnitOfWork, *, order, shipment, decision, note: str, actor_id: int | None) -> None:
    """The office's decision on one parcel of a split order: the parcel moves, the order follows its parts."""
    shipment.set_status(decision.shipment_to)
    if decision.restock:
        _restock(order, uow, actor_id, warehouse_id=shipment.warehouse_id)
    data = {"decision": decision.key, "shipment_id": shipment.id, "warehouse_id": shipment.warehouse_id}
    moved = follow_parts(order, parts_of(order, uow), actor_id=actor_id, reason=note, **data)
    if not moved:
        order.record(f"order.part_{decision.order_to.value}", actor_id=actor_id, changed=True, reason=note, **data)


def decide_failed_delivery(cmd: commands.DecideFailedDelivery, actor: Actor, uow: UnitOfWork,
                           settings: Settings):
    """The office puts a missed parcel on a later run, holds it for collection, returns it to the shelf, or
    records that the customer collected it. Returns (shipment, order)."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    shipment = uow.shipping.shipment(cmd.shipment_id, for_update=True)
    if shipment is None:
        raise NotFound("No such shipment.", field="shipment_id")
    decision = decide(cmd.decision, shipment_status=shipment.status, own_fleet=shipment.own_fleet)
    uow.track(shipment)
    order = uow.track(uow.orders.get(shipment.order_id, for_update=True))
    note = (cmd.note or "").strip()
    if len(parts_of(order, uow)) > 1:
        _decide_split_part(uow, order=order, shipment=shipment, decision=decision, note=note, actor_id=actor.user_id)
        shipment.record(f"shipment.{decision.key}", actor_id=actor.user_id, decision=decision.key, note=note)
        uow.commit()
        return shipment, order
    order.transition(decision.order_to, actor_id=actor.user_id, reason=note, decision=decision.key,
                     shipment_id=shipment.id)
    shipment.set_status(decision.shipment_to)
    shipment.record(f"shipment.{decision.key}", actor_id=actor.user_id, decision=decision.key, note=note)
    if decision.restock:
        _restock(order, uow, actor.user_id)
    uow.commit()
    return shipment, order
