"""Dispatch handlers: build a driver's run, order its stops, let the driver reorder and start it."""
from __future__ import annotations

from datetime import date, datetime

from ..domain import commands
from ..domain.access import Actor, Role, require_role
from ..domain.dispatch import (DeliveryRun, DispatchError, Point, RunStatus, RunStop, departure_of, estimate_etas,
                               nearest_neighbour)
from ..domain.errors import Forbidden, NotFound
from ..domain.events import utcnow
from ..domain.fulfilment import follow_parts
from ..domain.orders import OrderStatus
from ..domain.payments import PaymentMethod, PaymentStatus
from ..domain.shipping import OWN_FLEET, ShipmentStatus
from ..domain.sync_rules import Outcome, reorder_run as reorder_rule
from .fulfilment import parts_of
from .unit_of_work import UnitOfWork
from .settings import Settings


def run_for(actor: Actor, run_id: int, uow: UnitOfWork, *, for_update: bool = False) -> DeliveryRun:
    """A run the actor may see: the office sees all, a driver only their own (others are 'not found')."""
    if actor.role not in (Role.OWNER, Role.MANAGER, Role.DRIVER):
        raise Forbidden(f"A {actor.role.value} cannot see delivery runs.")
    run = uow.shipping.run(run_id, for_update=for_update)
    if run is None or (actor.role == Role.DRIVER and run.driver_id != actor.user_id):
        raise NotFound("No such run.")
    return run


def stop_point(stop, order) -> Point:
    """Where a stop is, from its order's shipping address (coordinates may be missing)."""
    address = order.shipping_address or {}
    return Point(stop.id, address.get("latitude"), address.get("longitude"))


def _cod_due(order) -> int:
    if (order.payment_method == PaymentMethod.CASH_ON_DELIVERY.value
            and order.payment_status != PaymentStatus.PAID.value):
        return order.total_minor - (order.paid_minor or 0)  # what an earlier stop's cash left to collect
    return 0


def refresh_etas(run: DeliveryRun, uow: UnitOfWork, settings: Settings, *, now: datetime | None = None) -> None:
    """Estimate the arrival at each pending stop: from the warehouse at the run's planned start for a planned
    run (or now, if that has passed), from the last finished stop now for a run that is out."""
    now = now or utcnow()
    warehouse = uow.catalogue.warehouse(run.warehouse_id)
    orders = uow.shipping.orders_by_id([s.order_id for s in run.stops])
    origin = (warehouse.latitude, warehouse.longitude)
    if run.status == RunStatus.PLANNED.value:
        start = max(planned_departure(run, settings), now)
    else:
        start = now
        for stop in run.ordered_stops:
            if not stop.pending:
                point = stop_point(stop, orders[stop.order_id])
                if point.located:
                    origin = (point.latitude, point.longitude)
    pending = [s for s in run.ordered_stops if s.pending]
    etas = estimate_etas(origin, [stop_point(s, orders[s.order_id]) for s in pending], start,
                         speed_kmh=settings.dispatch_speed_kmh, service_minutes=settings.dispatch_service_minutes)
    for stop, eta in zip(pending, etas):
        stop.eta = eta


def planned_departure(run: DeliveryRun, settings: Settings) -> datetime:
    """When a planned run leaves, in UTC, by this shop's settings (domain/dispatch.py: departure_of)."""
    return departure_of(run, usual_start=settings.dispatch_start_time, zone_name=settings.timezone,
                        utc_hour=settings.dispatch_start_hour_utc)


def plan_route(run: DeliveryRun, uow: UnitOfWork) -> tuple:
    """Order the run's pending stops nearest-neighbour from the warehouse (finished stops stay first).
    Returns the ids of stops put last because their address has no coordinates."""
    warehouse = uow.catalogue.warehouse(run.warehouse_id)
    orders = uow.shipping.orders_by_id([s.order_id for s in run.stops])
    done = [s.id for s in run.ordered_stops if not s.pending]
    plan = nearest_neighbour((warehouse.latitude, warehouse.longitude),
                             [stop_point(s, orders[s.order_id]) for s in run.ordered_stops if s.pending])
    run.set_order(done + list(plan.order))
    return plan.unlocated


def assign_to_run(cmd: commands.AssignToRun, actor: Actor, uow: UnitOfWork, settings: Settings) -> DeliveryRun:
    """Put own-fleet shipments on the driver's planned run for the day (made if none), nearest first."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    if not isinstance(cmd.run_date, date):
        raise DispatchError("Give the run's date.", code="run.bad_date", field="run_date", status=422)
    if uow.shipping.driver(cmd.driver_id) is None:
        raise DispatchError("No such driver.", code="run.not_a_driver", field="driver_id", status=422)
    ids = list(dict.fromkeys(cmd.shipment_ids))
    if not ids:
        raise DispatchError("Choose at least one shipment.", code="run.no_shipments", field="shipment_ids",
                            status=422)
    found = uow.shipping.shipments_by_id(ids, for_update=True)
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No such shipment: {', '.join(map(str, missing))}.", field="shipment_ids")
    for shipment in found.values():
        if shipment.carrier != OWN_FLEET or shipment.status != ShipmentStatus.AWAITING_DISPATCH.value:
            raise DispatchError(f"Shipment {shipment.tracking_number} is not waiting for dispatch "
                                f"({shipment.carrier}, {shipment.status.replace('_', ' ')}).",
                                code="run.shipment_not_dispatchable", field="shipment_ids")
    warehouse_ids = {s.warehouse_id for s in found.values()}
    if len(warehouse_ids) > 1:
        raise DispatchError("A run leaves from one warehouse: these shipments are in several.",
                            code="run.mixed_warehouses", field="shipment_ids")
    warehouse_id = warehouse_ids.pop()
    run = uow.shipping.planned_run(cmd.driver_id, cmd.run_date, warehouse_id)
    if run is None:
        run = DeliveryRun(driver_id=cmd.driver_id, warehouse_id=warehouse_id, run_date=cmd.run_date)
        uow.shipping.add(run)
    uow.track(run)
    if cmd.planned_start is not None:
        run.planned_start = cmd.planned_start
    orders = uow.shipping.orders_by_id([s.order_id for s in found.values()])
    for sid in ids:
        shipment = found[sid]
        order = orders[shipment.order_id]
        run.add_stop(RunStop(shipment_id=shipment.id, order_id=order.id, position=1, cod_due_minor=_cod_due(order),
                             currency=order.currency, delivery_notes=order.notes or ""))
        shipment.set_status(ShipmentStatus.ASSIGNED)
    uow.flush()
    unlocated = plan_route(run, uow)
    refresh_etas(run, uow, settings)
    run.record("run.planned", actor_id=actor.user_id, shipment_ids=ids, unlocated_stop_ids=list(unlocated))
    uow.commit()
    return run


def _check_base(run: DeliveryRun, base_version: int | None) -> None:
    if base_version is not None and base_version != run.version:
        raise DispatchError("This run changed since you opened it: reload it and try again.",
                            code="run.changed", details={"version": run.version})


def move_stop(cmd: commands.MoveStop, actor: Actor, uow: UnitOfWork, settings: Settings) -> DeliveryRun:
    """Move one stop to another position (the office, or the run's driver)."""
    run = uow.track(run_for(actor, cmd.run_id, uow, for_update=True))
    _check_base(run, cmd.base_version)
    run.move_stop(cmd.stop_id, cmd.position)
    refresh_etas(run, uow, settings)
    run.record("run.reordered", actor_id=actor.user_id, stop_ids=[s.id for s in run.ordered_stops])
    uow.commit()
    return run


def reorder_run(cmd: commands.ReorderRun, actor: Actor, uow: UnitOfWork, settings: Settings) -> DeliveryRun:
    """The driver visits the stops in their own order (online form or offline `run.reorder`)."""
    run = uow.track(run_for(actor, cmd.run_id, uow, for_update=True))
    verdict = reorder_rule(run_status=run.status, run_version=run.version, base_version=cmd.base_version,
                           same_order=list(cmd.stop_ids) == [s.id for s in run.ordered_stops])
    if verdict.outcome == Outcome.REJECT:
        raise DispatchError(verdict.message, code=verdict.code, details={"version": run.version})
    if verdict.outcome == Outcome.NOOP:
        uow.commit()  # nothing new; ends the transaction cleanly so the run can be shown
        return run
    run.set_order(list(cmd.stop_ids))
    refresh_etas(run, uow, settings)
    run.record("run.reordered", actor_id=actor.user_id, stop_ids=list(cmd.stop_ids))
    uow.commit()
    return run


# An order in these statuses has no parcel left to bring.
_NOTHING_TO_BRING = frozenset({OrderStatus.DELIVERED, OrderStatus.RETURNED, OrderStatus.CANCELLED,
                               OrderStatus.REJECTED})


def announce_next_stop(uow: UnitOfWork, run, actor_id) -> None:
    """The van heads for the next stop: its customer hears "arriving soon" (pushed with high urgency).

    Per parcel: a split order's part is announced when its own van heads there, even while another part is
    still in the warehouse; and once per stop, as a driver who delivers out of order leaves the same stop next.
    """
    upcoming = run.next_stop
    if upcoming is None:
        return
    shipment = uow.shipping.shipment(upcoming.shipment_id)
    if shipment is None or shipment.status != ShipmentStatus.OUT_FOR_DELIVERY.value:
        return
    order = uow.orders.get(upcoming.order_id, for_update=True)
    if order is None or order.state in _NOTHING_TO_BRING or upcoming.id in uow.orders.announced_stops(order.id):
        return
    uow.track(order).record("order.arriving_soon", actor_id=actor_id, stop_id=upcoming.id,
                            shipment_id=upcoming.shipment_id, warehouse_id=shipment.warehouse_id,
                            eta=upcoming.eta.isoformat() if upcoming.eta else None)


def start_run(cmd: commands.StartRun, actor: Actor, uow: UnitOfWork, settings: Settings) -> DeliveryRun:
    """The run goes out: every pending stop's order shipped -> out for delivery, ETAs from now."""
    run = uow.track(run_for(actor, cmd.run_id, uow, for_update=True))
    run.start(actor_id=actor.user_id)
    pending = [s for s in run.ordered_stops if s.pending]
    orders = uow.shipping.orders_by_id([s.order_id for s in pending], for_update=True)
    shipments = uow.shipping.shipments_by_id([s.shipment_id for s in pending], for_update=True)
    for stop in pending:
        order = uow.track(orders[stop.order_id])
        shipments[stop.shipment_id].set_status(ShipmentStatus.OUT_FOR_DELIVERY)
        parts = parts_of(order, uow)
        if len(parts) > 1:  # a split order follows its parts: out for delivery once none is behind
            follow_parts(order, parts, actor_id=actor.user_id, run_id=run.id, driver_id=run.driver_id)
        elif order.state in (OrderStatus.AWAITING_REDELIVERY, OrderStatus.SHIPPED):  # a missed parcel going out again
            order.transition(OrderStatus.OUT_FOR_DELIVERY, actor_id=actor.user_id, run_id=run.id,
                             driver_id=run.driver_id)
    refresh_etas(run, uow, settings)
    announce_next_stop(uow, run, actor.user_id)  # the first stop's customer: the van is on its way
    uow.commit()
    return run
