"""Live updates in real Chromium: the office's order list shows an order placed through the API within a
second, without a reload, through the outbox relay and Socket.IO (the embedded default of `make run`)."""
from __future__ import annotations

import re
import time

import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.realtime import SocketIOPublisher
from backend.adapters.records import OutboxEvent
from backend.bootstrap import start_relay_thread
from backend.extensions import db
from tests.e2e.conftest import browser_sign_in, order_body, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def relay(live_server):
    """The relay thread `make run` starts, publishing this server's committed events."""
    stop = start_relay_thread(live_server.app, SocketIOPublisher.for_app(live_server.app))
    yield
    stop.set()


def _wait_until_published(live_server, timeout: float = 10.0) -> None:
    """Wait until the relay has published every event in the outbox (a row is marked once it is sent)."""
    deadline = time.monotonic() + timeout
    with live_server.app.app_context():
        while db.session.execute(sa.select(sa.func.count()).select_from(OutboxEvent)
                                 .where(OutboxEvent.published_at.is_(None))).scalar_one():
            assert time.monotonic() < deadline, "the relay did not publish the new order's event"
            db.session.rollback()  # a fresh snapshot for the next look
            time.sleep(0.05)
        db.session.remove()


def test_a_new_order_appears_on_the_owners_list_within_a_second_without_reload(phone, live_server, relay):
    browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
    wait_until(phone, "document.documentElement.dataset.live === 'on'")
    navigations = []
    phone.on("framenavigated", lambda frame: navigations.append(frame.url))

    response = requests.post(f"{live_server.url}/api/v1/orders", json=order_body((("LAMP", 1),)),
                             headers=live_server.world.headers("customer"), timeout=10)
    assert response.status_code == 201, response.text
    placed_at = time.monotonic()
    number = f"WB-{response.json()['id']:06d}"
    expect(phone.locator("#order-list")).to_contain_text(number, timeout=1000)
    assert time.monotonic() - placed_at < 1.0
    assert navigations == []  # the list changed in place
    expect(phone).to_have_url(re.compile(r"/orders/$"))


def test_a_list_that_missed_news_while_disconnected_catches_up_on_reconnect(phone, live_server, relay):
    browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
    wait_until(phone, "document.documentElement.dataset.live === 'on'")
    phone.context.set_offline(True)
    wait_until(phone, "document.documentElement.dataset.live === 'off'", timeout=15_000)
    response = requests.post(f"{live_server.url}/api/v1/orders", json=order_body((("MUG", 1),)),
                             headers=live_server.world.headers("customer"), timeout=10)
    number = f"WB-{response.json()['id']:06d}"
    _wait_until_published(live_server)  # the nudge went out while this phone could not hear it
    expect(phone.locator("#order-list")).not_to_contain_text(number)
    phone.context.set_offline(False)
    expect(phone.locator("#order-list")).to_contain_text(number, timeout=15_000)
