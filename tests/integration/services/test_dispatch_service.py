"""Dispatch through the bus: runs built nearest first, reordered by the driver, started."""
from datetime import datetime, timezone

import pytest

from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.dispatch import DispatchError
from backend.domain.errors import Forbidden, NotFound
from backend.domain.orders import Order
from backend.domain.shipping import Shipment
from backend.extensions import db
from tests.factories import refused, run, shipped_own_fleet, standard_shop, stored

MANAGER = Actor(user_id=None, role=Role.MANAGER)
TODAY = datetime.now(timezone.utc).date()


def addr(name, lat, lon):
    return {"name": name, "line1": "1 Street", "city": "London", "postcode": "E1 1AA", "country": "GB",
            "latitude": lat, "longitude": lon}


# LON warehouse is at (51.507, 0.02): near, middle, far going west; nowhere has no coordinates.
NEAR, MIDDLE, FAR = addr("Near", 51.507, -0.05), addr("Middle", 51.507, -0.20), addr("Far", 51.507, -0.40)
NOWHERE = {"name": "Nowhere", "line1": "2 Lane", "city": "London", "postcode": "E2 2BB", "country": "GB"}


@pytest.fixture
def shop(app):
    s = standard_shop(app)
    s.customer("lou", NEAR)
    return s


@pytest.fixture
def driver(shop):
    user_id, email = shop.user("driver")
    return shop.actor(email)


def ship(shop, address, **kw):
    return shipped_own_fleet(shop, MANAGER, (("LAMP", 1),), customer="lou", address=address, **kw)


def test_assign_builds_todays_run_nearest_first_with_etas_and_unlocated_last(shop, driver):
    far, nowhere, near, middle = ship(shop, FAR), ship(shop, NOWHERE), ship(shop, NEAR), ship(shop, MIDDLE)
    result = run(shop.app, commands.AssignToRun(driver.user_id, TODAY,
                                                (far[1], nowhere[1], near[1], middle[1])), MANAGER)
    stops = result.ordered_stops
    assert [s.order_id for s in stops] == [near[0], middle[0], far[0], nowhere[0]]
    assert [s.position for s in stops] == [1, 2, 3, 4]
    assert all(s.eta is not None for s in stops[:3]) and stops[3].eta is None
    assert stops[0].eta < stops[1].eta < stops[2].eta
    assert result.status == "planned" and result.run_date == TODAY
    with shop.app.app_context():
        assert {stored(Shipment, sid).status for _, sid in (far, nowhere, near, middle)} == {"assigned"}


def test_assigning_more_the_same_day_joins_the_same_run(shop, driver):
    first = run(shop.app, commands.AssignToRun(driver.user_id, TODAY, (ship(shop, FAR)[1],)), MANAGER)
    second = run(shop.app, commands.AssignToRun(driver.user_id, TODAY, (ship(shop, NEAR)[1],)), MANAGER)
    assert first.id == second.id and len(second.stops) == 2
    assert second.ordered_stops[0].order_id != first.ordered_stops[0].order_id  # near now comes first


def test_cash_on_delivery_stop_carries_the_amount_due(shop, driver):
    order_id, shipment_id = ship(shop, NEAR, method="cash_on_delivery")
    result = run(shop.app, commands.AssignToRun(driver.user_id, TODAY, (shipment_id,)), MANAGER)
    with shop.app.app_context():
        total = stored(Order, order_id).total_minor
    assert result.stops[0].cod_due_minor == total > 0
    card = run(shop.app, commands.AssignToRun(driver.user_id, TODAY, (ship(shop, FAR)[1],)), MANAGER)
    assert [s.cod_due_minor for s in card.ordered_stops if s.order_id != order_id] == [0]


def test_assign_refuses_non_drivers_external_and_already_assigned_shipments(shop, driver):
    _, sid = ship(shop, NEAR)
    manager_id, _ = shop.user("manager")
    assert refused(shop.app, commands.AssignToRun(manager_id, TODAY, (sid,)), MANAGER).code == "run.not_a_driver"
    run(shop.app, commands.AssignToRun(driver.user_id, TODAY, (sid,)), MANAGER)
    again = refused(shop.app, commands.AssignToRun(driver.user_id, TODAY, (sid,)), MANAGER)
    assert again.code == "run.shipment_not_dispatchable"
    refused(shop.app, commands.AssignToRun(driver.user_id, TODAY, (99999,)), MANAGER, NotFound)
    refused(shop.app, commands.AssignToRun(driver.user_id, TODAY, (sid,)), driver, Forbidden)


def test_driver_reorders_own_run_with_base_version_and_a_stale_base_is_refused(shop, driver):
    ids = [ship(shop, a)[1] for a in (NEAR, MIDDLE, FAR)]
    planned = run(shop.app, commands.AssignToRun(driver.user_id, TODAY, tuple(ids)), MANAGER)
    stop_ids = [s.id for s in planned.ordered_stops]
    wanted = list(reversed(stop_ids))
    after = run(shop.app, commands.ReorderRun(planned.id, tuple(wanted), planned.version), driver)
    assert [s.id for s in after.ordered_stops] == wanted
    assert after.version == planned.version + 1
    assert after.ordered_stops[0].eta < after.ordered_stops[1].eta  # ETAs follow the new order
    stale = refused(shop.app, commands.ReorderRun(planned.id, tuple(stop_ids), planned.version), driver)
    assert stale.code == "run.changed"
    same = run(shop.app, commands.ReorderRun(planned.id, tuple(wanted), planned.version), driver)
    assert same.version == after.version  # already in that order: nothing changes


def test_a_driver_cannot_see_or_change_another_drivers_run(shop, driver):
    planned = run(shop.app, commands.AssignToRun(driver.user_id, TODAY, (ship(shop, NEAR)[1],)), MANAGER)
    _, other_email = shop.user("driver")
    other = shop.actor(other_email)
    refused(shop.app, commands.ReorderRun(planned.id, (planned.stops[0].id,), None), other, NotFound)
    refused(shop.app, commands.StartRun(planned.id), other, NotFound)
    floor = Actor(user_id=None, role=Role.FLOOR, warehouse_ids=frozenset({shop.warehouses["LON"]}))
    refused(shop.app, commands.StartRun(planned.id), floor, Forbidden)


def test_manager_moves_a_stop(shop, driver):
    ids = [ship(shop, a)[1] for a in (NEAR, MIDDLE, FAR)]
    planned = run(shop.app, commands.AssignToRun(driver.user_id, TODAY, tuple(ids)), MANAGER)
    last = planned.ordered_stops[-1]
    moved = run(shop.app, commands.MoveStop(planned.id, last.id, 1, planned.version), MANAGER)
    assert moved.ordered_stops[0].id == last.id
    assert refused(shop.app, commands.MoveStop(planned.id, last.id, 2, planned.version), MANAGER).code == "run.changed"


def test_starting_the_run_sends_every_order_out_for_delivery(shop, driver):
    pairs = [ship(shop, a) for a in (NEAR, FAR)]
    planned = run(shop.app, commands.AssignToRun(driver.user_id, TODAY, tuple(s for _, s in pairs)), MANAGER)
    started = run(shop.app, commands.StartRun(planned.id), driver)
    assert started.status == "out"
    with shop.app.app_context():
        assert {stored(Order, o).status for o, _ in pairs} == {"out_for_delivery"}
        assert {stored(Shipment, s).status for _, s in pairs} == {"out_for_delivery"}
    again = refused(shop.app, commands.StartRun(planned.id), driver, DispatchError)
    assert again.code == "run.not_editable"


def test_the_van_heading_for_a_stop_tells_its_customer_arriving_soon(app):
    """Starting a run announces the first stop; each drop-off or failed attempt announces the next."""
    import sqlalchemy as sa

    from backend.adapters.records import OutboxEvent
    from tests.factories import run_out_for_delivery
    shop = standard_shop(app)
    manager = Actor(user_id=None, role=Role.MANAGER)
    driver_id, _ = shop.user("driver")
    driver = Actor(user_id=driver_id, role=Role.DRIVER)
    _, stops, orders = run_out_for_delivery(shop, manager, driver_id, stops=3)

    def announced():
        with app.app_context():
            return db.session.execute(sa.select(OutboxEvent.aggregate_id).where(
                OutboxEvent.name == "order.arriving_soon").order_by(OutboxEvent.id)).scalars().all()

    assert announced() == [orders[0]]
    run(app, commands.RecordFailedAttempt(stops[0], "no_one_home"), driver)
    assert announced() == [orders[0], orders[1]]
    run(app, commands.RecordFailedAttempt(stops[1], "no_one_home"), driver)
    run(app, commands.RecordFailedAttempt(stops[2], "no_one_home"), driver)
    assert announced() == orders  # one each, and nothing after the last stop
