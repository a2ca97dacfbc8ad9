"""Order intake through the bus: a buyer cannot claim a channel's order number or vouch for a payment."""
import pytest
import sqlalchemy as sa

from backend.adapters.tables import orders
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.errors import Forbidden
from backend.domain.orders import Order
from backend.extensions import db
from tests.factories import LEEDS, refused, run, standard_shop, stored


@pytest.fixture
def shop(app):
    return standard_shop(app)


@pytest.fixture
def casey(shop):
    return Actor(user_id=None, role=Role.CUSTOMER, customer_id=shop.customers["casey"])


@pytest.fixture
def manager():
    return Actor(user_id=None, role=Role.MANAGER)


def _place(shop, channel=None, method="card", customer="casey", **extra):
    return commands.PlaceOrder(shop.customers[customer], channel, (("MUG", 1),), LEEDS, method, **extra)


def _order(app, order_id) -> Order:
    with app.app_context():
        return stored(Order, order_id)


def _order_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one()


def test_a_buyer_cannot_claim_a_marketplace_order_number_and_the_real_order_still_arrives(app, shop, casey, manager):
    error = refused(app, _place(shop, "marketplace", channel_order_id="MKT-2001"), casey, Forbidden)
    assert set(error.errors) == {"channel", "channel_order_id"}
    assert _order_count(app) == 0
    real, created = run(app, _place(shop, "marketplace", channel_order_id="MKT-2001"), manager)
    assert created is True and real.channel == "marketplace"


def test_a_buyer_learns_nothing_about_existing_channel_order_numbers(app, shop, casey, manager):
    run(app, _place(shop, "marketplace", channel_order_id="MKT-1"), manager)
    existing = refused(app, _place(shop, "marketplace", channel_order_id="MKT-1"), casey, Forbidden)
    unknown = refused(app, _place(shop, "marketplace", channel_order_id="MKT-404"), casey, Forbidden)
    assert (existing.code, existing.message, existing.errors) == (unknown.code, unknown.message, unknown.errors)


@pytest.mark.parametrize("extra", [{"address_check": "passed"}, {"card_fingerprint": "fresh-card"},
                                   {"channel": "pos"}])
def test_a_buyer_cannot_assert_a_payment_fact_or_the_channel(app, shop, casey, extra):
    refused(app, _place(shop, **extra), casey, Forbidden)
    assert _order_count(app) == 0


def test_a_buyers_card_order_waits_on_payment_hold_as_unpaid_until_staff_confirm_it(app, shop, casey, manager):
    order, _ = run(app, _place(shop), casey)
    held = _order(app, order.id)
    assert (held.channel, held.status, held.payment_status) == ("web_shop", "payment_hold", "unpaid")
    assert [r["code"] for r in held.hold_reasons] == ["risk.payment_unconfirmed"]
    run(app, commands.ReleasePaymentHold(order.id, "payment seen in the gateway"), manager)
    released = _order(app, order.id)
    assert (released.status, released.payment_status) == ("placed", "authorized")


def test_the_office_may_still_record_a_card_payment_it_took(app, shop, manager):
    order, _ = run(app, _place(shop, "phone", address_check="passed", card_fingerprint="fp"), manager)
    placed = _order(app, order.id)
    assert (placed.channel, placed.status, placed.payment_status) == ("phone", "placed", "authorized")


def test_a_buyers_cash_on_delivery_order_needs_no_payment_check(app, shop, casey):
    order, _ = run(app, _place(shop, method="cash_on_delivery"), casey)
    assert _order(app, order.id).status == "placed"
