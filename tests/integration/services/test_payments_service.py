"""Card payments through the bus against a real local provider, on SQLite and PostgreSQL: authorize at intake,
capture as parts ship (a split order in two captures), void on cancel, refunds, and a declined capture that
holds the parcel."""
from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from backend.adapters.fulfilment_tables import shipments
from backend.adapters.payment_gateway import HttpPaymentGateway
from backend.adapters.payment_tables import payment_entries
from backend.adapters.records import OfficeException
from backend.adapters.tables import orders
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from backend.domain import commands
from backend.domain.orders import Order, OrderStatus
from backend.extensions import db
from tests.factories import LONDON, picking_setup, refused, run, standard_shop, stored
from tests.payment_provider import SECRET_KEY, provider  # noqa: F401  (fixture)


@pytest.fixture
def gateway(app, provider):
    """The app's bus wired to the local provider (the PostgreSQL app is shared: put back afterwards)."""
    bus = app.extensions["waybill.bus"]
    before = bus.settings
    bus.settings = dataclasses.replace(before, payment_gateway=HttpPaymentGateway(provider.url, SECRET_KEY,
                                                                                  timeout=2))
    yield provider
    bus.settings = before


@pytest.fixture
def shop(app, gateway):
    shop = standard_shop(app)
    shop.customer("robin", address=LONDON)
    return shop


@pytest.fixture
def people(shop):
    ids = {}
    for who, role, warehouses in (("max", "manager", ()), ("ann", "floor", ("LON",)), ("man", "floor", ("MAN",))):
        ids[who] = shop.actor(shop.user(role, warehouses=warehouses)[1])
    ids["casey"] = shop.actor(shop.user("customer", customer="casey")[1])
    return ids


def _order(app, order_id) -> Order:
    with app.app_context():
        return stored(Order, order_id)


def _entries(app, order_id=None):
    with app.app_context():
        query = sa.select(payment_entries.c.kind, payment_entries.c.amount_minor).order_by(payment_entries.c.id)
        if order_id is not None:
            query = query.where(payment_entries.c.order_id == order_id)
        return [tuple(row) for row in db.session.execute(query)]


def _open_exceptions(app):
    with app.app_context():
        return db.session.execute(sa.select(OfficeException.code).where(OfficeException.status == "open")
                                  ).scalars().all()


def _pack(app, order_id, actor):
    """Accepted, then picking -> packed inside a unit of work (as tests/factories.packed_order does)."""
    run(app, commands.AcceptOrder(order_id), actor)
    with app.app_context(), SqlAlchemyUnitOfWork(db.session) as uow:
        order = uow.track(uow.orders.get(order_id, for_update=True))
        order.transition(OrderStatus.PICKING, actor_id=actor.user_id)
        order.transition(OrderStatus.PACKED, actor_id=actor.user_id)
        uow.commit()


def test_a_buyers_card_token_is_authorized_by_the_provider_and_confirms_the_payment(app, shop, people, gateway):
    order_id = shop.place(people["casey"], [("MUG", 2)], payment_token="tok_visa")
    order = _order(app, order_id)
    assert order.payment_status == "authorized"
    assert order.status == "placed"  # no "payment unconfirmed" hold: the provider vouched for it
    [(auth_id, auth)] = gateway.authorizations.items()
    assert auth["amount"] == order.total_minor and auth["token"] == "tok_visa"
    assert _entries(app, order_id) == [("authorized", order.total_minor)]


def test_a_buyers_order_without_a_token_still_waits_for_a_person(app, shop, people, gateway):
    order_id = shop.place(people["casey"], [("MUG", 1)])
    order = _order(app, order_id)
    assert (order.status, order.payment_status) == ("payment_hold", "unpaid")
    assert gateway.requests == [] and _entries(app) == []


def test_a_declined_token_makes_no_order_and_writes_nothing(app, shop, people, gateway):
    error = refused(app, commands.PlaceOrder(None, None, (("MUG", 1),), LONDON, "card",
                                             payment_token="tok_decline_insufficient_funds"), people["casey"])
    assert (error.code, error.status, error.field) == ("payment.declined", 402, "payment_token")
    assert error.details["decline_code"] == "insufficient_funds"
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 0
    assert _entries(app) == []


def test_shipping_captures_the_order_total_once(app, shop, people, gateway):
    order_id = shop.place(people["max"], [("MUG", 2)], payment_token="tok_visa")
    _pack(app, order_id, people["max"])
    run(app, commands.CreateShipment(order_id, "own_fleet"), people["max"])
    order = _order(app, order_id)
    assert (order.status, order.payment_status) == ("shipped", "paid")
    assert gateway.captured_total() == order.total_minor
    assert _entries(app, order_id) == [("authorized", order.total_minor), ("captured", order.total_minor)]


def test_a_declined_capture_holds_the_parcel_until_the_office_resolves_it(app, shop, people, gateway):
    order_id = shop.place(people["max"], [("MUG", 1)], payment_token="tok_visa")
    _pack(app, order_id, people["max"])
    gateway.decline["capture"] = "insufficient_funds"
    error = refused(app, commands.CreateShipment(order_id, "own_fleet"), people["max"])
    assert (error.code, error.details["held"]) == ("payment.declined", True)
    order = _order(app, order_id)
    assert (order.status, order.payment_status) == ("packed", "authorized")
    with app.app_context():
        assert db.session.execute(sa.select(shipments.c.id)).all() == []  # no label, nothing for a driver
    assert _open_exceptions(app) == ["payment.capture_declined"]
    calls = len(gateway.requests)
    # Shipping again is refused without asking the provider until the office resolves the exception.
    assert refused(app, commands.CreateShipment(order_id, "own_fleet"), people["max"]).code == "shipment.payment_held"
    assert len(gateway.requests) == calls
    with app.app_context():
        exception_id = db.session.execute(sa.select(OfficeException.id)).scalar_one()
    run(app, commands.ResolveException(exception_id, "Buyer topped up the card."), people["max"])
    del gateway.decline["capture"]
    run(app, commands.CreateShipment(order_id, "own_fleet"), people["max"])  # a fresh key: asked again
    assert _order(app, order_id).payment_status == "paid"
    assert gateway.captured_total() == _order(app, order_id).total_minor


def test_cancelling_before_capture_voids_the_authorization(app, shop, people, gateway):
    order_id = shop.place(people["max"], [("MUG", 1)], payment_token="tok_visa")
    cancelled = run(app, commands.CancelOrder(order_id, "changed their mind"), people["max"])
    assert cancelled.payment_status == "voided"
    [auth] = gateway.authorizations.values()
    assert auth["voided"] is True and gateway.captured_total() == 0
    assert [kind for kind, _ in _entries(app, order_id)] == ["authorized", "voided"]


def test_a_void_the_provider_refuses_leaves_the_order_cancelled_and_tells_the_office(app, shop, people, gateway):
    order_id = shop.place(people["max"], [("MUG", 1)], payment_token="tok_visa")
    gateway.decline["void"] = "processing_error"
    cancelled = run(app, commands.CancelOrder(order_id, ""), people["max"])
    assert cancelled.status == "cancelled"
    assert _open_exceptions(app) == ["payment.void_failed"]


def test_refunds_give_back_up_to_what_was_captured_and_never_more(app, shop, people, gateway):
    order_id = shop.place(people["max"], [("MUG", 2)], payment_token="tok_visa")
    _pack(app, order_id, people["max"])
    run(app, commands.CreateShipment(order_id, "own_fleet"), people["max"])
    total = _order(app, order_id).total_minor
    ledger = run(app, commands.RefundPayment(order_id, 500, "chipped mug"), people["max"])
    assert (ledger.balance_minor, _order(app, order_id).payment_status) == (total - 500, "partly_refunded")
    before = _entries(app, order_id)
    error = refused(app, commands.RefundPayment(order_id, total, ""), people["max"])
    assert (error.code, error.status, error.field) == ("payment.refund_exceeds_captured", 422, "amount_minor")
    assert _entries(app, order_id) == before and gateway.refunded_total() == 500  # nothing asked, nothing written
    run(app, commands.RefundPayment(order_id, total - 500, ""), people["max"])
    assert _order(app, order_id).payment_status == "refunded"
    assert gateway.refunded_total() == total


def test_only_the_owner_or_a_manager_refunds(app, shop, people, gateway):
    order_id = shop.place(people["casey"], [("MUG", 1)], payment_token="tok_visa")
    assert refused(app, commands.RefundPayment(order_id, 100), people["casey"]).code == "forbidden"


def test_a_split_order_captures_each_parts_share_as_it_ships(app, shop, people, gateway):
    picking_setup(shop)
    shop.stock("TEE", "LON", 7)
    order_id = shop.place(people["max"], [("TEE", 7)], customer="robin", address=LONDON, payment_token="tok_visa")
    run(app, commands.AcceptOrder(order_id), people["max"])
    london = run(app, commands.CreatePickList(shop.warehouses["LON"]), people["max"])
    run(app, commands.ClaimPickList(london.id), people["ann"])
    run(app, commands.RecordPick(london.lines[0].id, 5), people["ann"])
    run(app, commands.ShortPick(london.lines[0].id, 2), people["ann"])  # the 2 are reallocated to Manchester
    run(app, commands.ClosePack(order_id, (("S", 1400),)), people["ann"])
    run(app, commands.CreateShipment(order_id, "own_fleet"), people["ann"])
    order = _order(app, order_id)
    line = order.lines[0]
    london_share = (line.net_minor + line.tax_minor) * 5 // 7
    assert order.payment_status == "partly_paid" and gateway.captured_total() == london_share
    manchester = run(app, commands.CreatePickList(shop.warehouses["MAN"]), people["max"])
    run(app, commands.ClaimPickList(manchester.id), people["man"])
    run(app, commands.RecordPick(manchester.lines[0].id, manchester.lines[0].remaining), people["man"])
    run(app, commands.ClosePack(order_id, (("S", 600),)), people["man"])
    run(app, commands.CreateShipment(order_id, "own_fleet"), people["man"])
    order = _order(app, order_id)
    assert (order.status, order.payment_status) == ("shipped", "paid")
    assert gateway.captured_total() == order.total_minor  # the last part takes the rest, shipping included
    assert [kind for kind, _ in _entries(app, order_id)] == ["authorized", "captured", "captured"]


def test_a_bank_transfer_received_is_in_the_ledger_and_the_balance(app, shop, people, gateway):
    order_id = shop.place(people["max"], [("MUG", 1)], method="bank_transfer")
    run(app, commands.RecordPaymentReceived(order_id, "BACS 0042"), people["max"])
    order = _order(app, order_id)
    assert order.payment_status == "paid"
    assert _entries(app, order_id) == [("transfer_received", order.total_minor)]
    assert gateway.requests == []


def test_a_transfer_read_from_the_bank_statement_is_a_line_of_the_payments_ledger(app, shop, people, gateway):
    from datetime import date
    from backend.domain.bank_statements import StatementLine
    order_id = shop.place(people["max"], [("MUG", 1)], method="bank_transfer")
    total = _order(app, order_id).total_minor
    line = StatementLine(line_number=2, bank_reference="TX-9", booked_on=date(2026, 12, 1), amount_minor=total,
                         currency="GBP", reference=f"WB-{order_id:06d}")
    run(app, commands.ImportBankStatement("dec.csv", (line,)), people["max"])
    assert _order(app, order_id).payment_status == "paid"
    assert _entries(app, order_id) == [("transfer_received", total)]
