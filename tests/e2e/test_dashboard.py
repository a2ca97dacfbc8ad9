"""The owner's dashboard: today against the same weekday last week, hourly orders, decisions waiting, live."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import orders
from backend.adapters.realtime import SocketIOPublisher
from backend.extensions import db
from backend.queries.dashboard import dashboard
from backend.bootstrap import start_relay_thread
from tests.e2e.conftest import UNLABELLED_CONTROLS, browser_sign_in, order_body, sign_in, wait_until


def _backdate(app, order_id, when):
    with app.app_context():
        db.session.execute(sa.update(orders).where(orders.c.id == order_id).values(created_at=when))
        db.session.commit()


def test_today_is_compared_with_the_same_time_last_week_and_cancelled_orders_do_not_count(app, world):
    now = datetime(2026, 11, 25, 15, 30, tzinfo=timezone.utc)  # a Wednesday afternoon
    today = [world.place([("MUG", 1)]), world.place([("MUG", 2)])]
    last_week = world.place([("MUG", 1)])
    later_last_week = world.place([("LAMP", 1)])
    cancelled = world.place([("MUG", 3)])
    for order_id, when in [(today[0], now - timedelta(hours=3)), (today[1], now - timedelta(minutes=5)),
                           (last_week, now - timedelta(days=7, hours=1)),
                           (later_last_week, now - timedelta(days=7) + timedelta(hours=2)),
                           (cancelled, now - timedelta(hours=1))]:
        _backdate(app, order_id, when)
    with app.app_context():
        from backend.bootstrap import bus
        from backend.domain import commands
        bus().handle(commands.CancelOrder(cancelled, "test"), world.actor("owner"))
        figures = dashboard(db.session, now)
    assert figures["today"]["GBP"][0] == 2
    assert figures["last_week"]["GBP"][0] == 1  # the order later in that day is not "the same time" yet
    assert sum(figures["hourly"]["orders"]) == 2 and figures["hourly"]["orders"][-1] == 1
    assert [o["id"] for o in figures["to_accept"]] == [] or all(o["id"] != cancelled for o in figures["to_accept"])


def test_the_dashboard_is_for_the_office(client, world):
    sign_in(client, world.emails["floor"])
    assert client.get("/dashboard/").status_code == 403


def test_an_order_waiting_for_acceptance_can_be_accepted_from_the_dashboard(client, world):
    order_id = world.place([("MUG", 1)], who="customer", method="cash_on_delivery")
    sign_in(client, world.emails["owner"])
    page = client.get("/dashboard/").get_data(as_text=True)
    assert f'data-order-id="{order_id}"' in page and "Open exceptions" in page


@pytest.mark.browser
def test_a_new_order_appears_on_the_phone_dashboard_without_reload(phone, live_server):
    stop = start_relay_thread(live_server.app, SocketIOPublisher.for_app(live_server.app))
    try:
        browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
        phone.goto("/dashboard/")
        wait_until(phone, "document.documentElement.dataset.live === 'on'")
        assert phone.evaluate(UNLABELLED_CONTROLS) == []
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        expect(phone.locator("#hourly-chart canvas")).to_have_count(1)
        before = int(phone.locator("[data-kpi='orders-GBP'] [data-today-orders]").inner_text())
        navigations = []
        phone.on("framenavigated", lambda frame: navigations.append(frame.url))
        # Cash on delivery: a customer's own card order would wait on payment hold, not for acceptance.
        response = requests.post(f"{live_server.url}/api/v1/orders",
                                 json=order_body((("LAMP", 1),), payment_method="cash_on_delivery"),
                                 headers=live_server.world.headers("customer"), timeout=10)
        assert response.status_code == 201
        expect(phone.locator("[data-kpi='orders-GBP'] [data-today-orders]")).to_have_text(str(before + 1))
        assert navigations == []  # the count changed in place, without a reload
        expect(phone.locator(f"[data-to-accept] [data-order-id='{response.json()['id']}']")).to_be_visible()
        phone.get_by_role("button", name=f"Accept WB-{response.json()['id']:06d}").tap()
        expect(phone.locator(".flash")).to_contain_text("Done")
    finally:
        stop.set()
