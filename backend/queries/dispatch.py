"""Read views of shipments and runs for the API and pages (who may see what is checked here too)."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.fulfilment_tables import delivery_runs, run_stops, shipments
from ..adapters.mappings import DELIVERY_RUN, ORDER, SHIPMENT, reader
from ..adapters.tables import orders, warehouses
from ..adapters.records import User
from ..domain.access import Actor, Role
from ..domain.dispatch import DeliveryRun
from ..domain.errors import NotFound
from ..domain.shipping import Shipment


def can_view_shipment(actor: Actor, shipment: Shipment, session) -> bool:
    """Office: all. Floor: their warehouses. Driver: shipments on their own runs. Customers: none here."""
    if actor.is_office:
        return True
    if actor.role == Role.FLOOR:
        return shipment.warehouse_id in actor.warehouse_ids
    if actor.role == Role.DRIVER:
        return session.execute(sa.select(sa.literal(1)).select_from(run_stops.join(
            delivery_runs, delivery_runs.c.id == run_stops.c.run_id)).where(
            run_stops.c.shipment_id == shipment.id, delivery_runs.c.driver_id == actor.user_id)).first() is not None
    return False


def visible_shipment(session, actor: Actor, shipment_id: int) -> Shipment:
    """The shipment, or NotFound (existence is not leaked)."""
    shipment = reader(session).get(Shipment, shipment_id)
    if shipment is None or not can_view_shipment(actor, shipment, session):
        raise NotFound("No such shipment.")
    return shipment


def list_shipments(session, actor: Actor, *, status: str | None = None, order_id: int | None = None,
                   carrier: str | None = None, limit: int = 200) -> list[Shipment]:
    """Shipments the actor may see, newest first."""
    query = sa.select(shipments).order_by(shipments.c.id.desc()).limit(limit)
    if status:
        query = query.where(shipments.c.status == status)
    if order_id:
        query = query.where(shipments.c.order_id == order_id)
    if carrier:
        query = query.where(shipments.c.carrier == carrier)
    if actor.is_office:
        pass
    elif actor.role == Role.FLOOR:
        query = query.where(shipments.c.warehouse_id.in_(list(actor.warehouse_ids) or [-1]))
    elif actor.role == Role.DRIVER:
        mine = (sa.select(run_stops.c.shipment_id).join(delivery_runs, delivery_runs.c.id == run_stops.c.run_id)
                .where(delivery_runs.c.driver_id == actor.user_id))
        query = query.where(shipments.c.id.in_(mine))
    else:
        return []
    return reader(session).load(SHIPMENT, query)


def visible_run(session, actor: Actor, run_id: int) -> DeliveryRun:
    """A run the actor may see (office all, a driver their own), or NotFound."""
    run = reader(session).get(DeliveryRun, run_id)
    if run is None or not (actor.is_office or (actor.role == Role.DRIVER and run.driver_id == actor.user_id)):
        raise NotFound("No such run.")
    return run


def list_runs(session, actor: Actor, *, run_date=None, driver_id: int | None = None) -> list[DeliveryRun]:
    """Runs the actor may see, newest day first."""
    query = sa.select(delivery_runs).order_by(delivery_runs.c.run_date.desc(), delivery_runs.c.id)
    if run_date is not None:
        query = query.where(delivery_runs.c.run_date == run_date)
    if actor.role == Role.DRIVER:
        query = query.where(delivery_runs.c.driver_id == actor.user_id)
    elif not actor.is_office:
        return []
    if driver_id is not None:
        query = query.where(delivery_runs.c.driver_id == driver_id)
    return reader(session).load(DELIVERY_RUN, query)


def run_view(session, run: DeliveryRun) -> dict:
    """A run with its driver, warehouse and each stop's address, tracking number and whether it is located."""
    stops = run.ordered_stops
    order_rows = {o.id: o for o in reader(session).load(ORDER, sa.select(orders).where(
        orders.c.id.in_([s.order_id for s in stops] or [-1])))}
    tracking = dict(session.execute(sa.select(shipments.c.id, shipments.c.tracking_number).where(
        shipments.c.id.in_([s.shipment_id for s in stops] or [-1]))).all())
    driver = session.get(User, run.driver_id)
    warehouse = session.execute(sa.select(warehouses.c.code, warehouses.c.name).where(
        warehouses.c.id == run.warehouse_id)).one()
    views = []
    for stop in stops:
        order = order_rows[stop.order_id]
        address = order.shipping_address or {}
        views.append({
            "id": stop.id, "position": stop.position, "status": stop.status, "eta": stop.eta,
            "shipment_id": stop.shipment_id, "tracking_number": tracking.get(stop.shipment_id),
            "order_id": stop.order_id, "order_number": order.number, "cod_due_minor": stop.cod_due_minor,
            "currency": stop.currency, "delivery_notes": stop.delivery_notes, "version": stop.version,
            "address": address,
            "located": address.get("latitude") is not None and address.get("longitude") is not None,
        })
    return {"id": run.id, "driver_id": run.driver_id, "driver_name": driver.name if driver else "",
            "warehouse_id": run.warehouse_id, "warehouse_code": warehouse.code, "warehouse_name": warehouse.name,
            "run_date": run.run_date, "planned_start": run.planned_start, "status": run.status, "version": run.version, "created_at": run.created_at,
            "stops": views, "cod_total_minor": sum(s.cod_due_minor for s in stops if s.status == "pending")}


def awaiting_dispatch(session, actor: Actor) -> list[dict]:
    """Own-fleet shipments not yet on a run (office only), with their order's address."""
    if not actor.is_office:
        return []
    read = reader(session)
    waiting = read.load(SHIPMENT, sa.select(shipments)
                        .where(shipments.c.carrier == "own_fleet", shipments.c.status == "awaiting_dispatch")
                        .order_by(shipments.c.created_at, shipments.c.id))
    ids = sorted({s.order_id for s in waiting})
    orders_by_id = {o.id: o for o in read.load(ORDER, sa.select(orders).where(orders.c.id.in_(ids or [-1])))}
    rows = [(s, orders_by_id[s.order_id]) for s in waiting]
    return [{"shipment": s, "order": o, "address": o.shipping_address or {},
             "located": (o.shipping_address or {}).get("latitude") is not None} for s, o in rows]


def drivers(session) -> list[User]:
    """Active drivers by name."""
    return list(session.execute(sa.select(User).where(User.role == "driver", User.active.is_(True))
                                .order_by(User.name)).scalars())
