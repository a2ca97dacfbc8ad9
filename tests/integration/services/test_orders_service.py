"""Order handlers through the real message bus on SQLite: stock, payment, access and replays."""
import pytest
import sqlalchemy as sa

from backend.adapters.tables import line_allocations, order_lines, orders, stock_levels, stock_movements
from backend.adapters.records import AuditEvent, IdempotencyKey, OutboxEvent
from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.errors import Forbidden, InvalidOrder, NotFound
from backend.domain.orders import Order
from backend.extensions import db
from tests.factories import LEEDS, LONDON, refused, run, standard_shop, stored


@pytest.fixture
def shop(app):
    return standard_shop(app)


# Actors are built directly where only the role matters; real accounts only where identity matters.
@pytest.fixture
def manager():
    """A manager: the office may decide on every order."""
    return Actor(user_id=None, role=Role.MANAGER)


@pytest.fixture
def casey(shop):
    """The customer Casey (Leeds) as the domain sees her when signed in."""
    return Actor(user_id=None, role=Role.CUSTOMER, customer_id=shop.customers["casey"])


@pytest.fixture
def api_manager(shop):
    """A manager with a real account: Idempotency-Keys belong to a user."""
    _, email = shop.user("manager")
    return shop.actor(email)


def place(app, shop, actor, lines, **extra):
    """Place an order for Casey through the bus; returns (order id, created)."""
    with app.app_context():
        order, created = bus().handle(commands.PlaceOrder(shop.customers["casey"], extra.pop("channel", "api"),
                                                          tuple(lines), LEEDS, "card", **extra), actor)
        return order.id, created


def order_view(app, order_id) -> dict:
    """What the shop sees of an order, read back from the database."""
    with app.app_context():
        order = stored(Order, order_id)
        return {"status": order.status, "payment_status": order.payment_status, "version": order.version,
                "hold_reasons": [r["code"] for r in order.hold_reasons],
                "shortages": [(s["sku"], s["missing"]) for s in order.shortages],
                "allocations": sorted((line.sku, a.warehouse_id, a.quantity)
                                      for line in order.lines for a in line.allocations)}


def reserved(app, shop) -> dict:
    """Reserved units per (warehouse code, sku), only where something is reserved."""
    codes = {v: k for k, v in shop.warehouses.items()}
    skus = {v: k for k, v in shop.products.items()}
    with app.app_context():
        rows = db.session.execute(sa.select(stock_levels.c.warehouse_id, stock_levels.c.product_id,
                                            stock_levels.c.reserved)).all()
    return {(codes[w], skus[p]): r for w, p, r in rows if r}


def row_counts(app) -> dict:
    """How many rows each table that an order touches holds."""
    tables = {"orders": orders, "order_line": order_lines, "line_allocation": line_allocations,
              "stock_movement": stock_movements, "outbox_event": OutboxEvent.__table__,
              "audit_event": AuditEvent.__table__, "idempotency_key": IdempotencyKey.__table__}
    with app.app_context():
        return {name: db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for name, t in tables.items()}


# -- placing -------------------------------------------------------------------------------------

def test_placing_an_order_reserves_its_stock_in_the_nearest_warehouse_holding_it(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 2)])
    assert order_view(app, order_id)["allocations"] == [("MUG", shop.warehouses["MAN"], 2)]
    assert reserved(app, shop) == {("MAN", "MUG"): 2}


def test_placing_an_order_writes_its_ledger_outbox_and_audit_rows_together(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 2)])
    with app.app_context():
        movements = db.session.execute(sa.select(stock_movements.c.reason, stock_movements.c.reserved_delta)
                                       .where(stock_movements.c.order_id == order_id)).all()
        events = db.session.execute(sa.select(OutboxEvent.name, OutboxEvent.aggregate_id, OutboxEvent.payload)
                                    .where(OutboxEvent.name.in_(["order.placed", "stock.reserved"]))).all()
        audit = db.session.execute(sa.select(AuditEvent.action)
                                   .where(AuditEvent.order_id == order_id)).scalars().all()
    assert [tuple(m) for m in movements] == [("reserved", 2)]
    assert [(name, aggregate_id) for name, aggregate_id, _ in events if name == "order.placed"] == [
        ("order.placed", order_id)]
    assert [payload["order_id"] for name, _, payload in events if name == "stock.reserved"] == [order_id]
    assert audit == ["order.placed"]


def test_an_order_with_an_unknown_sku_is_refused_and_leaves_no_rows_at_all(app, shop, manager):
    before = row_counts(app)
    error = refused(app, commands.PlaceOrder(shop.customers["casey"], "api", (("MUG", 2), ("NOPE", 1)), LEEDS,
                                             "card", idempotency_key="k-1", request_fingerprint="h-1"),
                    manager, InvalidOrder)
    assert (error.field, error.details) == ("lines.1.sku", {"unknown_skus": ["NOPE"]})
    assert row_counts(app) == before
    assert reserved(app, shop) == {}


def test_an_order_short_of_stock_is_still_placed_with_its_shortage_recorded(app, shop, manager):
    order_id = shop.place(manager, [("LAMP", 10)])
    view = order_view(app, order_id)
    assert (view["status"], view["shortages"]) == ("placed", [("LAMP", 2)])
    assert reserved(app, shop) == {("LON", "LAMP"): 8}


# -- accepting -------------------------------------------------------------------------------------

def test_accepting_a_fully_stocked_order_allocates_it(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 2)])
    run(app, commands.AcceptOrder(order_id), manager)
    assert order_view(app, order_id)["status"] == "allocated"


def test_accepting_an_order_short_of_stock_backorders_it(app, shop, manager):
    order_id = shop.place(manager, [("LAMP", 10)])
    run(app, commands.AcceptOrder(order_id), manager)
    view = order_view(app, order_id)
    assert (view["status"], view["shortages"]) == ("backordered", [("LAMP", 2)])


def test_stock_arriving_before_acceptance_lets_the_order_be_allocated(app, shop, manager):
    order_id = shop.place(manager, [("LAMP", 10)])
    shop.stock("LAMP", "MAN", 5)
    run(app, commands.AcceptOrder(order_id), manager)
    view = order_view(app, order_id)
    assert (view["status"], view["shortages"]) == ("allocated", [])
    assert view["allocations"] == sorted([("LAMP", shop.warehouses["LON"], 8), ("LAMP", shop.warehouses["MAN"], 2)])


def backordered_lamp_order(app, shop, manager, quantity=10) -> int:
    """An accepted order for more lamps than exist (8 in London): backordered."""
    order_id = shop.place(manager, [("LAMP", quantity)])
    run(app, commands.AcceptOrder(order_id), manager)
    return order_id


def test_retrying_a_backorder_after_stock_arrives_allocates_it(app, shop, manager):
    order_id = backordered_lamp_order(app, shop, manager)
    shop.stock("LAMP", "MAN", 2)
    run(app, commands.RetryAllocation(order_id), manager)
    view = order_view(app, order_id)
    assert (view["status"], view["shortages"]) == ("allocated", [])
    assert reserved(app, shop) == {("LON", "LAMP"): 8, ("MAN", "LAMP"): 2}


def test_retrying_a_backorder_with_part_of_the_stock_keeps_it_backordered_with_less_missing(app, shop, manager):
    order_id = backordered_lamp_order(app, shop, manager)
    version = order_view(app, order_id)["version"]
    shop.stock("LAMP", "MAN", 1)
    run(app, commands.RetryAllocation(order_id), manager)
    view = order_view(app, order_id)
    assert (view["status"], view["shortages"]) == ("backordered", [("LAMP", 1)])
    assert view["version"] == version + 1
    with app.app_context():
        names = db.session.execute(sa.select(AuditEvent.action).where(AuditEvent.order_id == order_id)).scalars().all()
    assert names[-1] == "order.backorder_reduced"


def test_retrying_a_backorder_with_no_new_stock_says_what_is_missing_and_changes_nothing(app, shop, manager):
    order_id = backordered_lamp_order(app, shop, manager)
    before = (order_view(app, order_id), row_counts(app))
    error = refused(app, commands.RetryAllocation(order_id), manager)
    assert error.code == "order.still_backordered"
    assert "LAMP 2 missing" in error.message
    assert (order_view(app, order_id), row_counts(app)) == before


def test_only_a_backordered_order_can_be_retried(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)])
    assert refused(app, commands.RetryAllocation(order_id), manager).code == "order.not_backordered"


def test_a_customer_cannot_retry_allocation(app, shop, manager, casey):
    order_id = backordered_lamp_order(app, shop, manager)
    refused(app, commands.RetryAllocation(order_id), casey, Forbidden)


def test_accepting_an_order_twice_is_an_illegal_transition(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)])
    run(app, commands.AcceptOrder(order_id), manager)
    assert refused(app, commands.AcceptOrder(order_id), manager).code == "order.illegal_transition"


# -- ending an order ---------------------------------------------------------------------------------

def test_rejecting_an_order_releases_all_its_stock_and_voids_the_payment(app, shop, manager):
    order_id = shop.place(manager, [("LAMP", 1), ("TEE", 2)])  # split: London and Manchester
    assert reserved(app, shop) == {("LON", "LAMP"): 1, ("MAN", "TEE"): 2}
    run(app, commands.RejectOrder(order_id, "out of area"), manager)
    view = order_view(app, order_id)
    assert (view["status"], view["payment_status"], view["allocations"]) == ("rejected", "voided", [])
    assert reserved(app, shop) == {}


def test_cancelling_an_allocated_order_releases_all_its_stock_and_voids_the_payment(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 3), ("TEE", 1)])
    run(app, commands.AcceptOrder(order_id), manager)
    run(app, commands.CancelOrder(order_id, "customer phoned"), manager)
    view = order_view(app, order_id)
    assert (view["status"], view["payment_status"], view["allocations"]) == ("cancelled", "voided", [])
    assert reserved(app, shop) == {}


def test_an_ended_order_writes_one_released_movement_per_reservation(app, shop, manager):
    order_id = shop.place(manager, [("LAMP", 1), ("TEE", 2)])
    run(app, commands.CancelOrder(order_id), manager)
    with app.app_context():
        released = db.session.execute(sa.select(stock_movements.c.reserved_delta).where(
            stock_movements.c.order_id == order_id, stock_movements.c.reason == "released")).scalars().all()
    assert sorted(released) == [-2, -1]


# -- access ------------------------------------------------------------------------------------------

def test_a_customer_cannot_accept_an_order(app, shop, casey):
    order_id = shop.place(casey, [("MUG", 1)], method="cash_on_delivery")
    refused(app, commands.AcceptOrder(order_id), casey, Forbidden)
    assert order_view(app, order_id)["status"] == "placed"


def test_a_customer_cannot_see_another_customers_order(app, shop, manager, casey):
    shop.customer("lou", LONDON)
    other = shop.place(manager, [("MUG", 1)], customer="lou", address=LONDON)
    error = refused(app, commands.CancelOrder(other), casey, NotFound)
    assert error.code == "not_found"
    assert order_view(app, other)["status"] == "placed"


def test_a_customer_can_cancel_their_own_placed_order(app, shop, casey):
    order_id = shop.place(casey, [("MUG", 1)])
    run(app, commands.CancelOrder(order_id, "changed my mind"), casey)
    assert order_view(app, order_id)["status"] == "cancelled"
    assert reserved(app, shop) == {}


def test_a_customer_cannot_cancel_an_order_the_shop_has_allocated(app, shop, manager, casey):
    order_id = shop.place(casey, [("MUG", 1)], method="cash_on_delivery")
    run(app, commands.AcceptOrder(order_id), manager)
    error = refused(app, commands.CancelOrder(order_id), casey, Forbidden)
    assert error.code == "order.cancel_needs_shop"
    assert order_view(app, order_id)["status"] == "allocated"


# -- payment hold and bank transfer -------------------------------------------------------------------

def test_a_high_value_order_waits_on_payment_hold_with_its_stock_reserved(app, shop, manager):
    shop.product("TV", 90_000, 12_000, LON=2)  # 900.00 + 20% tax is over the 1000.00 review threshold
    order_id = shop.place(manager, [("TV", 1)])
    view = order_view(app, order_id)
    assert (view["status"], view["hold_reasons"]) == ("payment_hold", ["risk.order_value"])
    assert reserved(app, shop) == {("LON", "TV"): 1}


def test_an_order_billed_to_another_country_waits_on_payment_hold(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)], billing_address=dict(LEEDS, country="FR"))
    view = order_view(app, order_id)
    assert (view["status"], view["hold_reasons"]) == ("payment_hold", ["risk.country_mismatch"])


def test_releasing_a_payment_hold_puts_the_order_back_to_placed(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)], billing_address=dict(LEEDS, country="FR"))
    run(app, commands.ReleasePaymentHold(order_id, "called the customer"), manager)
    view = order_view(app, order_id)
    assert (view["status"], view["hold_reasons"]) == ("placed", [])


def test_rejecting_a_payment_hold_rejects_the_order_and_releases_its_stock(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)], billing_address=dict(LEEDS, country="FR"))
    run(app, commands.RejectPaymentHold(order_id, "stolen card"), manager)
    view = order_view(app, order_id)
    assert (view["status"], view["payment_status"]) == ("rejected", "voided")
    assert reserved(app, shop) == {}


def test_releasing_an_order_that_is_not_on_hold_is_refused(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)])
    assert refused(app, commands.ReleasePaymentHold(order_id), manager).code == "order.not_on_hold"


def test_a_bank_transfer_order_awaits_payment(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)], method="bank_transfer")
    view = order_view(app, order_id)
    assert (view["status"], view["payment_status"]) == ("awaiting_payment", "awaiting_funds")


def test_receiving_a_bank_transfer_puts_the_order_back_to_placed_and_paid(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)], method="bank_transfer")
    run(app, commands.RecordPaymentReceived(order_id, "WB-REF-1"), manager)
    view = order_view(app, order_id)
    assert (view["status"], view["payment_status"]) == ("placed", "paid")


def test_a_released_hold_on_an_unpaid_bank_transfer_goes_on_to_await_payment(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)], method="bank_transfer", billing_address=dict(LEEDS, country="FR"))
    run(app, commands.ReleasePaymentHold(order_id), manager)
    assert order_view(app, order_id)["status"] == "awaiting_payment"


# -- replays ---------------------------------------------------------------------------------------------

def test_the_same_idempotency_key_returns_the_first_order(app, shop, api_manager):
    first = place(app, shop, api_manager, [("MUG", 1)], idempotency_key="key-1", request_fingerprint="body-1")
    again = place(app, shop, api_manager, [("MUG", 1)], idempotency_key="key-1", request_fingerprint="body-1")
    assert (first[1], again) == (True, (first[0], False))
    assert row_counts(app)["orders"] == 1
    assert reserved(app, shop) == {("MAN", "MUG"): 1}


def test_reusing_an_idempotency_key_for_a_different_body_is_refused(app, shop, api_manager):
    place(app, shop, api_manager, [("MUG", 1)], idempotency_key="key-1", request_fingerprint="body-1")
    error = refused(app, commands.PlaceOrder(shop.customers["casey"], "api", (("MUG", 5),), LEEDS, "card",
                                             idempotency_key="key-1", request_fingerprint="body-2"), api_manager)
    assert error.code == "idempotency.key_reused"
    assert row_counts(app)["orders"] == 1


def test_a_channel_resending_its_order_id_gets_the_first_order_back(app, shop, manager):
    first = place(app, shop, manager, [("MUG", 1)], channel="marketplace", channel_order_id="AMZ-1")
    again = place(app, shop, manager, [("MUG", 1)], channel="marketplace", channel_order_id="AMZ-1")
    assert again == (first[0], False)
    assert row_counts(app)["orders"] == 1


def test_the_same_order_id_from_another_channel_is_a_new_order(app, shop, manager):
    first = place(app, shop, manager, [("MUG", 1)], channel="marketplace", channel_order_id="42")
    other = place(app, shop, manager, [("MUG", 1)], channel="pos", channel_order_id="42")
    assert other[1] is True and other[0] != first[0]
