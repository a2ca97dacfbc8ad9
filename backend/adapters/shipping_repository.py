"""Shipments, delivery runs (with their stops) and the parcels they carry."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..domain.dispatch import DeliveryRun, RunStatus
from ..domain.orders import Order
from ..domain.shipping import Parcel, Shipment
from ..extensions import db
from .orm import delivery_runs, orders, shipments
from .records import User

class ShippingRepository:
    """Loads and stages shipments and runs; runs can be locked for change."""

    def __init__(self, session):
        self.session = session

    # -- shipments ---------------------------------------------------------------------------------
    def add(self, thing) -> None:
        """Stage a new shipment or run."""
        self.session.add(thing)

    def shipment(self, shipment_id: int, *, for_update: bool = False) -> Shipment | None:
        """One shipment by id."""
        query = sa.select(Shipment).where(shipments.c.id == shipment_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.execute(query).scalar_one_or_none()

    def shipments_by_id(self, ids, *, for_update: bool = False) -> dict[int, Shipment]:
        """Shipments keyed by id, locked in id order if asked."""
        query = sa.select(Shipment).where(shipments.c.id.in_(sorted(set(ids)))).order_by(shipments.c.id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return {s.id: s for s in self.session.execute(query).scalars()}

    def parcels_for(self, order_id: int) -> list[Parcel]:
        """The order's packed parcels from the floor's `parcel` table (empty if none, or no table yet)."""
        table = db.metadata.tables.get("parcel")
        if table is None:
            return []
        cols = table.c
        rows = self.session.execute(sa.select(cols.box_code, cols.weight_grams, cols.length_mm, cols.width_mm,
                                              cols.height_mm).where(cols.order_id == order_id)
                                    .order_by(cols.id)).all()
        return [Parcel(r.box_code or "", r.weight_grams or 0, r.length_mm or 0, r.width_mm or 0,
                       r.height_mm or 0) for r in rows]

    # -- runs --------------------------------------------------------------------------------------
    def run(self, run_id: int, *, for_update: bool = False) -> DeliveryRun | None:
        """One run with its stops; locked for change if asked."""
        query = sa.select(DeliveryRun).where(delivery_runs.c.id == run_id)
        if for_update:
            query = query.with_for_update(of=delivery_runs).execution_options(populate_existing=True)
        return self.session.execute(query).scalar_one_or_none()

    def planned_run(self, driver_id: int, run_date: date, warehouse_id: int) -> DeliveryRun | None:
        """The driver's still-planned run that day from that warehouse, locked, if there is one."""
        return self.session.execute(
            sa.select(DeliveryRun).where(delivery_runs.c.driver_id == driver_id,
                                         delivery_runs.c.run_date == run_date,
                                         delivery_runs.c.warehouse_id == warehouse_id,
                                         delivery_runs.c.status == RunStatus.PLANNED.value)
            .order_by(delivery_runs.c.id).limit(1).with_for_update()
            .execution_options(populate_existing=True)).scalar_one_or_none()

    def orders_by_id(self, ids, *, for_update: bool = False) -> dict[int, Order]:
        """Orders keyed by id (locked in id order if asked)."""
        if not ids:
            return {}
        query = sa.select(Order).where(orders.c.id.in_(sorted(set(ids)))).order_by(orders.c.id)
        if for_update:
            query = query.with_for_update(of=orders).execution_options(populate_existing=True)
        return {o.id: o for o in self.session.execute(query).scalars()}

    # -- people ------------------------------------------------------------------------------------
    def driver(self, user_id: int) -> User | None:
        """An active driver by user id."""
        user = self.session.get(User, user_id)
        return user if user is not None and user.active and user.role == "driver" else None

