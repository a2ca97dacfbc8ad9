"""Shipments, delivery runs (with their stops) and the parcels they carry."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..domain.dispatch import DeliveryRun, RunStatus
from ..domain.orders import Order
from ..domain.shipping import Parcel, Shipment
from .data_mapper import DataMapper
from .fulfilment_tables import delivery_runs, parcels, shipments
from .mappings import DELIVERY_RUN, SHIPMENT
from .order_repository import OrderRepository
from .records import User


class ShippingRepository:
    """Loads and stages shipments and runs; runs can be locked for change."""

    def __init__(self, session, mapper: DataMapper):
        self.session, self.mapper = session, mapper

    # -- shipments ---------------------------------------------------------------------------------
    def add(self, thing: Shipment | DeliveryRun) -> None:
        """Stage a new shipment or run."""
        self.mapper.add(thing)

    def shipment(self, shipment_id: int, *, for_update: bool = False) -> Shipment | None:
        """One shipment by id."""
        return self.mapper.get(Shipment, shipment_id, for_update=for_update)

    def shipments_by_id(self, ids, *, for_update: bool = False) -> dict[int, Shipment]:
        """Shipments keyed by id, locked in id order if asked."""
        statement = sa.select(shipments).where(shipments.c.id.in_(sorted(set(ids)))).order_by(shipments.c.id)
        if for_update:
            statement = statement.with_for_update()
        return {s.id: s for s in self.mapper.load(SHIPMENT, statement, refresh=for_update)}

    def shipments_of_order(self, order_id: int) -> list[Shipment]:
        """The order's shipments, oldest first (one per warehouse part of a split order)."""
        return self.mapper.load(SHIPMENT, sa.select(shipments).where(shipments.c.order_id == order_id)
                                .order_by(shipments.c.id))

    def parcels_for(self, order_id: int, warehouse_id: int | None = None) -> list[Parcel]:
        """The order's packed parcels (of one warehouse's part if given), as the floor closed them."""
        cols = parcels.c
        query = sa.select(cols.box_code, cols.weight_grams, cols.length_mm, cols.width_mm,
                          cols.height_mm).where(cols.order_id == order_id)
        if warehouse_id is not None:  # parcels without a warehouse were closed for the whole order
            query = query.where(sa.or_(cols.warehouse_id == warehouse_id, cols.warehouse_id.is_(None)))
        rows = self.session.execute(query.order_by(cols.id)).all()
        return [Parcel(r.box_code or "", r.weight_grams or 0, r.length_mm or 0, r.width_mm or 0,
                       r.height_mm or 0) for r in rows]

    # -- runs --------------------------------------------------------------------------------------
    def run(self, run_id: int, *, for_update: bool = False) -> DeliveryRun | None:
        """One run with its stops; locked for change if asked."""
        return self.mapper.get(DeliveryRun, run_id, for_update=for_update)

    def planned_run(self, driver_id: int, run_date: date, warehouse_id: int) -> DeliveryRun | None:
        """The driver's still-planned run that day from that warehouse, locked, if there is one."""
        found = self.mapper.load(DELIVERY_RUN, sa.select(delivery_runs).where(
            delivery_runs.c.driver_id == driver_id, delivery_runs.c.run_date == run_date,
            delivery_runs.c.warehouse_id == warehouse_id, delivery_runs.c.status == RunStatus.PLANNED.value)
            .order_by(delivery_runs.c.id).limit(1).with_for_update(), refresh=True)
        return found[0] if found else None

    def orders_by_id(self, ids, *, for_update: bool = False) -> dict[int, Order]:
        """Orders keyed by id (locked in id order if asked)."""
        return OrderRepository(self.session, self.mapper).many(ids, for_update=for_update)

    # -- people ------------------------------------------------------------------------------------
    def driver(self, user_id: int) -> User | None:
        """An active driver by user id."""
        user = self.session.get(User, user_id)
        return user if user is not None and user.active and user.role == "driver" else None
