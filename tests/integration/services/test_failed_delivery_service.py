"""A failed delivery attempt through the bus: order and shipment show it, the office decides, the limit returns it.

Runs on SQLite and PostgreSQL (this folder's conftest)."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from backend.adapters.records import OfficeException, OutboxEvent
from backend.adapters.tables import stock_levels
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.delivery import DeliveryAttempt
from backend.domain.dispatch import DeliveryRun, DispatchError
from backend.domain.errors import Forbidden, IllegalTransition, NotFound
from backend.domain.failed_delivery import FailedDeliveryError
from backend.domain.orders import Order
from backend.domain.shipping import Shipment
from backend.extensions import db
from tests.factories import blob_ref, refused, run, run_out_for_delivery, standard_shop, stored, stored_all, table_of
from tests.ledger import assert_ledger_balanced


@pytest.fixture
def shop(app):
    return standard_shop(app)


@pytest.fixture
def people(shop):
    """(office actor, driver actor, customer actor)."""
    _, manager = shop.user("manager")
    _, driver = shop.user("driver")
    customer = Actor(user_id=None, role=Role.CUSTOMER, customer_id=shop.customers["casey"])
    return shop.actor(manager), shop.actor(driver), customer


def statuses(app, shipment_id):
    """(order status, shipment status) of a shipment."""
    with app.app_context():
        shipment = stored(Shipment, shipment_id)
        return stored(Order, shipment.order_id).status, shipment.status


def out_once(shop, office, driver):
    """One parcel on a started run: (stop id, shipment id, order id)."""
    run_id, stops, orders = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    with shop.app.app_context():
        stop = stored(DeliveryRun, run_id).ordered_stops[0]
        return stops[0], stop.shipment_id, orders[0]


def out_again(shop, office, driver, shipment_id) -> int:
    """Put a re-attempted parcel on a new run today and start it: the new stop's id."""
    today = datetime.now(timezone.utc).date()
    planned = run(shop.app, commands.AssignToRun(driver.user_id, today, (shipment_id,)), office)
    run(shop.app, commands.StartRun(planned.id), office)
    return planned.stops[0].id


def mugs_on_hand(app, shop):
    """Mugs on the shelves of every warehouse (the parcel ships from the one nearest the customer)."""
    with app.app_context():
        return db.session.execute(sa.select(sa.func.sum(stock_levels.c.on_hand)).where(
            stock_levels.c.product_id == shop.products["MUG"])).scalar_one()


def events(app, name):
    with app.app_context():
        return db.session.execute(sa.select(OutboxEvent.aggregate_id).where(OutboxEvent.name == name)).scalars().all()


def exceptions(app, order_id):
    with app.app_context():
        return [e.code for e in db.session.execute(
            sa.select(OfficeException).where(OfficeException.order_id == order_id)).scalars()]


def test_a_failed_attempt_is_a_state_of_the_order_and_shipment_and_tells_the_customer(app, shop, people):
    office, driver, _ = people
    stop_id, shipment_id, order_id = out_once(shop, office, driver)
    run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), driver)
    assert statuses(app, shipment_id) == ("delivery_failed", "failed")
    assert events(app, "order.delivery_failed") == [order_id]  # the push's "We missed you"
    # Not dispatchable until the office decides.
    today = datetime.now(timezone.utc).date()
    error = refused(app, commands.AssignToRun(driver.user_id, today, (shipment_id,)), office, DispatchError)
    assert error.code == "run.shipment_not_dispatchable"


def test_a_reattempt_makes_it_dispatchable_and_the_next_run_delivers_it(app, shop, people):
    office, driver, _ = people
    stop_id, shipment_id, order_id = out_once(shop, office, driver)
    on_hand = mugs_on_hand(app, shop)
    run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), driver)
    run(app, commands.DecideFailedDelivery(shipment_id, "reattempt", "customer asked for Friday"), office)
    assert statuses(app, shipment_id) == ("awaiting_redelivery", "awaiting_dispatch")
    second = out_again(shop, office, driver, shipment_id)
    assert statuses(app, shipment_id) == ("out_for_delivery", "out_for_delivery")
    ref = blob_ref()
    run(app, commands.ConfirmDelivery(second, "Sam Doe", (commands.BlobRef(ref["id"], ref["sha256"], ref["size"],
                                                                             ref["type"], ref["role"]),)), driver)
    assert statuses(app, shipment_id) == ("delivered", "delivered")
    assert mugs_on_hand(app, shop) == on_hand  # delivered: nothing came back
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_the_same_stop_failed_twice_counts_as_one_attempt(app, shop, people):
    office, driver, _ = people
    stop_id, shipment_id, order_id = out_once(shop, office, driver)
    run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), driver)
    run(app, commands.RecordFailedAttempt(stop_id, "no_access"), driver)  # queued twice on the phone
    with app.app_context():
        attempts = stored_all(DeliveryAttempt, table_of(DeliveryAttempt).c.stop_id == stop_id)
        assert [a.history_only for a in attempts] == [False, True]
        assert stored(Order, order_id).status == "delivery_failed"
    assert events(app, "order.delivery_failed") == [order_id]
    assert len(events(app, "run.stop_failed")) == 1


def test_at_the_limit_of_attempts_it_goes_back_to_the_sender_with_an_exception_and_stock_back(app, shop, people):
    office, driver, _ = people
    on_hand_before_shipping = mugs_on_hand(app, shop)
    stop_id, shipment_id, order_id = out_once(shop, office, driver)
    assert mugs_on_hand(app, shop) == on_hand_before_shipping - 1
    for attempt in (1, 2):
        run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), driver)
        assert statuses(app, shipment_id) == ("delivery_failed", "failed")
        assert exceptions(app, order_id) == []
        run(app, commands.DecideFailedDelivery(shipment_id, "reattempt"), office)
        stop_id = out_again(shop, office, driver, shipment_id)
    run(app, commands.RecordFailedAttempt(stop_id, "refused"), driver)  # the third: the default limit
    assert statuses(app, shipment_id) == ("returned", "returned")
    assert exceptions(app, order_id) == ["delivery.returned_to_sender"]
    assert mugs_on_hand(app, shop) == on_hand_before_shipping  # back on the shelf through the ledger
    with app.app_context():
        assert_ledger_balanced(db.engine)
    refused(app, commands.DecideFailedDelivery(shipment_id, "reattempt"), office, FailedDeliveryError)


def test_held_for_collection_then_collected_is_delivered(app, shop, people):
    office, driver, _ = people
    stop_id, shipment_id, _ = out_once(shop, office, driver)
    run(app, commands.RecordFailedAttempt(stop_id, "address_not_found"), driver)
    run(app, commands.DecideFailedDelivery(shipment_id, "hold"), office)
    assert statuses(app, shipment_id) == ("awaiting_collection", "held_for_collection")
    run(app, commands.DecideFailedDelivery(shipment_id, "collected"), office)
    assert statuses(app, shipment_id) == ("delivered", "delivered")


def test_returned_by_the_office_puts_the_stock_back_on_the_shelf(app, shop, people):
    office, driver, _ = people
    stop_id, shipment_id, order_id = out_once(shop, office, driver)
    on_hand = mugs_on_hand(app, shop)
    run(app, commands.RecordFailedAttempt(stop_id, "damaged"), driver)
    run(app, commands.DecideFailedDelivery(shipment_id, "hold"), office)
    run(app, commands.DecideFailedDelivery(shipment_id, "return", "customer never came"), office)
    assert statuses(app, shipment_id) == ("returned", "returned")
    assert mugs_on_hand(app, shop) == on_hand + 1
    assert exceptions(app, order_id) == []  # the office decided it: nothing to tell the office
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_only_the_office_decides_and_only_when_a_decision_fits(app, shop, people):
    office, driver, customer = people
    stop_id, shipment_id, _ = out_once(shop, office, driver)
    error = refused(app, commands.DecideFailedDelivery(shipment_id, "reattempt"), office, FailedDeliveryError)
    assert error.status == 409  # still out for delivery: nothing to decide yet
    run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), driver)
    refused(app, commands.DecideFailedDelivery(shipment_id, "return"), driver, Forbidden)
    refused(app, commands.DecideFailedDelivery(shipment_id, "return"), customer, Forbidden)
    refused(app, commands.DecideFailedDelivery(999999, "return"), office, NotFound)
    assert statuses(app, shipment_id) == ("delivery_failed", "failed")


def test_a_failed_attempt_on_a_cancelled_order_leaves_it_cancelled(app, shop, people):
    office, driver, _ = people
    stop_id, shipment_id, order_id = out_once(shop, office, driver)
    run(app, commands.CancelOrder(order_id, "customer called"), office)
    run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), driver)
    assert statuses(app, shipment_id) == ("cancelled", "failed")
    assert events(app, "order.delivery_failed") == []  # no "We missed you" for a cancelled order
    error = refused(app, commands.DecideFailedDelivery(shipment_id, "reattempt"), office, IllegalTransition)
    assert error.status == 409
