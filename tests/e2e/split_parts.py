"""A split order of Casey's with one parcel missed at the door, built through the bus for the e2e tests."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from backend.adapters.tables import orders
from backend.domain import commands
from backend.extensions import db
from tests.factories import LEEDS, allocated_order, picking_setup, run


def _ship(app, shop, office, order_id, code: str):
    pick_list = run(app, commands.CreatePickList(shop.warehouses[code]), office)
    run(app, commands.ClaimPickList(pick_list.id), office)
    for line in pick_list.lines:
        run(app, commands.RecordPick(line.id, line.remaining), office)
    run(app, commands.ClosePack(order_id, (("S", 900),), warehouse_id=shop.warehouses[code]), office)
    return run(app, commands.CreateShipment(order_id, "own_fleet"), office)


def split_order_with_a_missed_part(app, world) -> dict:
    """Casey's 7 TEE in two parcels (London 2, Manchester 5), both on today's vans; London's missed (no one
    home), Manchester's still out. Returns the order id, tracking token, shipment ids and Manchester's stop id."""
    shop, office = world.shop, world.actor("manager")
    picking_setup(shop)
    shop.stock("TEE", "LON", 2)  # Manchester, nearest to Leeds, holds 5: the other 2 come from London
    order_id = allocated_order(shop, office, [("TEE", 7)], customer="casey", address=LEEDS)
    today = datetime.now(timezone.utc).date()
    stops = {}
    shipments = {}
    for code in ("LON", "MAN"):
        shipment = _ship(app, shop, office, order_id, code)
        planned = run(app, commands.AssignToRun(world.user_ids["driver"], today, (shipment.id,)), office)
        run(app, commands.StartRun(planned.id), office)
        stops[code], shipments[code] = planned.stops[0].id, shipment.id
    run(app, commands.RecordFailedAttempt(stops["LON"], "no_one_home"), world.actor("driver"))
    with app.app_context():
        token = db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()
    return {"order_id": order_id, "token": token, "shipments": shipments, "manchester_stop": stops["MAN"]}
