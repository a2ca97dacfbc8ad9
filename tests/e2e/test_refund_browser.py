"""Real Chromium at 360 px: the office reads an order's balance and payments and refunds part of it with the
labelled form; the provider (a real local server) gives the money back."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backend.domain import commands
from backend.domain.orders import OrderStatus
from backend.extensions import db
from tests.e2e.conftest import UNLABELLED_CONTROLS, browser_sign_in
from tests.e2e.servers import serving
from tests.e2e.world import _app_on_copy
from tests.factories import run
from tests.payment_provider import provider, provider_config  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(tmp_path, world_template, provider):
    """The world served live, its payment provider the local fake."""
    with serving(_app_on_copy(world_template[0], tmp_path / "live.db", **provider_config(provider)),
                 world_template[1]) as server:
        yield server


def test_the_office_refunds_part_of_a_captured_order_from_the_order_page(phone, live_server, provider):
    from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
    world, app = live_server.world, live_server.app
    manager = world.actor("manager")
    order_id = world.place([("MUG", 1)], who="manager", payment_token="tok_visa")
    run(app, commands.AcceptOrder(order_id), manager)
    with app.app_context(), SqlAlchemyUnitOfWork(db.session) as uow:
        order = uow.track(uow.orders.get(order_id, for_update=True))
        order.transition(OrderStatus.PICKING, actor_id=None)
        order.transition(OrderStatus.PACKED, actor_id=None)
        uow.commit()
    run(app, commands.CreateShipment(order_id, "own_fleet"), manager)
    browser_sign_in(phone, world.emails["manager"])
    phone.goto(f"/orders/{order_id}")
    payments = phone.get_by_role("region", name="Payments")
    expect(payments).to_contain_text("Balance")
    expect(payments).to_contain_text("Captured")
    assert phone.evaluate(UNLABELLED_CONTROLS) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_label("Amount to refund").fill("2.50")
    phone.get_by_label("Reason").fill("chipped handle")
    phone.get_by_role("button", name="Refund to the buyer").click()
    expect(phone.get_by_role("status")).to_contain_text("£2.50 refunded to the buyer")
    expect(phone.get_by_role("region", name="Payments")).to_contain_text("Refunded: £2.50")
    assert provider.refunded_total() == 250
