"""Exactly once, whatever the network does: a push whose response never reaches the phone, and a
page closed in the middle of sending, both end with each command applied once and the chip saying Synced."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import stock_movements
from backend.extensions import db
from tests.e2e.phone import chip, on_hand, record, sync_commands

pytestmark = pytest.mark.browser
PUSH = "**/api/v1/sync/push"


def _count_movements(live_server, note: str) -> int:
    with live_server.app.app_context():
        return db.session.execute(sa.select(sa.func.count()).where(stock_movements.c.note == note)).scalar_one()


def _wait_for(page, condition, seconds: float = 10.0) -> None:
    """Poll `condition` while letting Playwright run its route handlers (they run only inside its calls)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the server never received the push"
        page.wait_for_timeout(50)


def test_a_push_whose_response_is_lost_is_sent_again_and_applied_once(stock_page, live_server):
    mugs = on_hand(live_server, "MUG")
    answered_by_server = []

    def lose_the_response(route):
        answered_by_server.append(route.fetch().status)  # the server applies the command ...
        route.abort("connectionreset")  # ... and the phone never hears back

    stock_page.route(PUSH, lose_the_response, times=1)
    record(stock_page, "MUG", "-2", note="lost response")
    _wait_for(stock_page, lambda: answered_by_server == [200])
    # The phone retries on its backoff timer; the second push is answered "duplicate" with the first outcome.
    expect(chip(stock_page)).to_have_text("Synced", timeout=20_000)
    assert answered_by_server == [200]
    assert on_hand(live_server, "MUG") == mugs - 2
    assert _count_movements(live_server, "lost response") == 1
    assert [status for status, _ in sync_commands(live_server)] == ["applied"]


def test_a_page_closed_while_its_push_is_on_the_wire_is_finished_by_the_next_page_once(stock_page, live_server):
    mugs = on_hand(live_server, "MUG")
    held = []

    def apply_then_hang(route):
        route.fetch()  # the server applies the command; the page is closed before it gets the answer
        held.append(route)

    context = stock_page.context
    stock_page.route(PUSH, apply_then_hang, times=1)
    record(stock_page, "MUG", "-4", note="killed mid-flush")
    _wait_for(stock_page, lambda: _count_movements(live_server, "killed mid-flush") == 1)
    stock_page.close()

    page = context.new_page()
    page.goto("/floor/stock")
    expect(chip(page)).to_have_text("Synced", timeout=20_000)
    assert on_hand(live_server, "MUG") == mugs - 4
    assert _count_movements(live_server, "killed mid-flush") == 1
    assert [status for status, _ in sync_commands(live_server)] == ["applied"]
