"""Settling a run's cash through the bus on SQLite and PostgreSQL: orders paid with what the doors took,
differences in the office's queue, and the office's read of settlements."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from backend.adapters.records import AuditEvent, OfficeException, OutboxEvent
from backend.domain import commands
from backend.domain.dispatch import RunStop
from backend.domain.orders import Order
from backend.extensions import db
from backend.queries.settlements import list_settlements
from tests.factories import blob_ref, run, run_out_for_delivery, standard_shop, stored


@pytest.fixture
def shop(app):
    return standard_shop(app)


def deliver(app, driver, stop_id, cod):
    photo = blob_ref()
    ref = commands.BlobRef(photo["id"], photo["sha256"], photo["size"], photo["type"], photo["role"])
    run(app, commands.ConfirmDelivery(stop_id, "Sam Doe", (ref,), cod_collected_minor=cod), driver)


def cod_run(app, shop, office, driver, stops=2):
    run_id, stop_ids, order_ids = run_out_for_delivery(shop, office, driver.user_id, stops=stops,
                                                       method="cash_on_delivery")
    with app.app_context():
        due = [stored(RunStop, s).cod_due_minor for s in stop_ids]
    return run_id, stop_ids, order_ids, due


def orders_now(app, order_ids):
    with app.app_context():
        return [(o.status, o.payment_status, o.paid_minor) for o in (stored(Order, i) for i in order_ids)]


def events_named(app, name):
    with app.app_context():
        outbox = db.session.execute(sa.select(OutboxEvent).where(OutboxEvent.name == name)).scalars().all()
        audit = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == name)).scalars().all()
        return [(e.aggregate_id, e.payload["amount_minor"]) for e in outbox], [(a.order_id, a.data["amount_minor"])
                                                                               for a in audit]


def open_exceptions(app):
    with app.app_context():
        return [(e.code, e.message, e.data) for e in db.session.execute(
            sa.select(OfficeException).order_by(OfficeException.id)).scalars()]


@pytest.fixture
def actors(shop):
    _, manager = shop.user("manager")
    driver_id, driver_email = shop.user("driver")
    with shop.app.app_context():
        db.session.execute(sa.text("UPDATE users SET name = 'Dev Driver' WHERE id = :id"), {"id": driver_id})
        db.session.commit()
    return shop.actor(manager), shop.actor(driver_email)


def test_a_balanced_run_pays_each_order_with_its_cash_and_opens_nothing(app, shop, actors):
    office, driver = actors
    run_id, stops, orders, due = cod_run(app, shop, office, driver)
    for stop, amount in zip(stops, due):
        deliver(app, driver, stop, amount)
    assert [p for _, p, _ in orders_now(app, orders)] == ["collect_on_delivery"] * 2  # not before the hand-in
    run(app, commands.SettleRunCash(run_id, sum(due)), driver)
    assert orders_now(app, orders) == [("delivered", "paid", due[0]), ("delivered", "paid", due[1])]
    assert events_named(app, "order.cash_received") == ([(orders[0], due[0]), (orders[1], due[1])],) * 2
    assert open_exceptions(app) == []
    # The same count sent again (a retried form, a replayed phone) pays nothing twice.
    run(app, commands.SettleRunCash(run_id, sum(due)), driver)
    assert len(events_named(app, "order.cash_received")[0]) == 2
    with app.app_context():  # the payments ledger holds the cash once, so each order's balance is its total
        from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
        from backend.services.payments import ledger_of
        uow = SqlAlchemyUnitOfWork(db.session)
        assert [ledger_of(stored(Order, i), uow).balance_minor for i in orders] == due


def test_a_five_pound_shortfall_pays_the_order_and_opens_an_exception_naming_the_driver_and_run(app, shop, actors):
    office, driver = actors
    run_id, stops, orders, due = cod_run(app, shop, office, driver)
    deliver(app, driver, stops[0], due[0])
    run(app, commands.RecordFailedAttempt(stops[1], "no_one_home"), driver)
    run(app, commands.SettleRunCash(run_id, due[0] - 500, "dropped a fiver"), driver)
    # The delivered order is paid with what its door took; the failed attempt's order is still to collect.
    assert orders_now(app, orders) == [("delivered", "paid", due[0]),
                                       ("delivery_failed", "collect_on_delivery", None)]
    [(code, message, data)] = open_exceptions(app)
    assert code == "settlement.cash_short"
    assert message.startswith(f"Dev Driver handed in £{(due[0] - 500) / 100:.2f} for run {run_id} of ")
    assert "£5.00 short of" in message and "Driver's note: dropped a fiver" in message
    assert (data["run_id"], data["driver_id"], data["difference_minor"]) == (run_id, driver.user_id, -500)
    with app.app_context():
        exception_id = db.session.execute(sa.select(OfficeException.id)).scalar_one()
    run(app, commands.ResolveException(exception_id, "Taken from wages, agreed with Dev"), office)
    with app.app_context():
        read = list_settlements(db.session)
    [row] = read["runs"]
    assert (row["run_id"], row["driver_name"], row["difference_minor"], row["note"]) == \
        (run_id, "Dev Driver", -500, "dropped a fiver")
    assert (row["exception"]["status"], row["exception"]["resolution_note"]) == \
        ("resolved", "Taken from wages, agreed with Dev")
    assert read["drivers"] == [{"driver_id": driver.user_id, "driver_name": "Dev Driver", "runs": 1,
                                "expected_minor": due[0], "counted_minor": due[0] - 500, "difference_minor": -500,
                                "currency": "GBP"}]


def test_a_delivered_stop_where_no_cash_was_taken_leaves_the_order_to_collect(app, shop, actors):
    office, driver = actors
    run_id, stops, orders, due = cod_run(app, shop, office, driver, stops=1)
    deliver(app, driver, stops[0], 0)
    run(app, commands.SettleRunCash(run_id, 0), driver)
    assert orders_now(app, orders) == [("delivered", "collect_on_delivery", None)]
    assert events_named(app, "order.cash_received") == ([], [])


def test_the_settlement_read_filters_by_run_date_and_driver(app, shop, actors):
    office, driver = actors
    run_id, stops, _, due = cod_run(app, shop, office, driver, stops=1)
    deliver(app, driver, stops[0], due[0])
    run(app, commands.SettleRunCash(run_id, due[0]), driver)
    today = datetime.now(timezone.utc).date()
    with app.app_context():
        assert [r["run_id"] for r in list_settlements(db.session, date_from=today, date_to=today)["runs"]] == [run_id]
        assert list_settlements(db.session, date_from=today.replace(year=today.year + 1))["runs"] == []
        assert list_settlements(db.session, driver_id=office.user_id)["runs"] == []
        [row] = list_settlements(db.session, driver_id=driver.user_id)["runs"]
    assert row["balanced"] and row["exception"] is None and row["stops"] == 1


def test_cash_short_of_the_total_at_the_door_is_received_but_leaves_the_rest_to_collect(app, shop, actors):
    office, driver = actors
    run_id, stops, orders, due = cod_run(app, shop, office, driver, stops=1)
    deliver(app, driver, stops[0], due[0] - 1000)
    run(app, commands.SettleRunCash(run_id, due[0] - 1000), driver)  # handed in what was taken: balanced
    assert orders_now(app, orders) == [("delivered", "collect_on_delivery", due[0] - 1000)]
    assert open_exceptions(app) == []
