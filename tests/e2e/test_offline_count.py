"""The first offline write, in real Chromium on a 360 px phone: floor staff record stock counts on
/floor/stock with or without a signal; each count is written to the phone's command log, survives a
reload and a closed page, and reaches the server exactly once when the phone is back online."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import UNLABELLED_CONTROLS, tap_menu
from tests.e2e.phone import chip, on_hand, record, stock_row, sync_commands, wait_until

pytestmark = pytest.mark.browser


def test_two_counts_made_offline_reach_the_server_exactly_once_after_a_reload_and_a_new_page(stock_page,
                                                                                           live_server):
    mugs, lamps = on_hand(live_server, "MUG"), on_hand(live_server, "LAMP")
    context = stock_page.context
    context.set_offline(True)
    record(stock_page, "MUG", "-3", note="two broken, one missing")
    record(stock_page, "LAMP", "2", reason="adjustment")
    expect(chip(stock_page)).to_have_text("Offline – 2 waiting")
    expect(stock_row(stock_page, "MUG").locator("[data-row-badge]")).to_have_text("Waiting to send: -3")

    assert stock_page.reload().from_service_worker
    expect(chip(stock_page)).to_have_text("Offline – 2 waiting")
    expect(stock_row(stock_page, "LAMP").locator("[data-row-badge]")).to_have_text("Waiting to send: +2")

    stock_page.close()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/floor/stock")
    expect(chip(page)).to_have_text("Offline – 2 waiting")
    context.set_offline(False)
    expect(chip(page)).to_have_text("Synced")

    assert (on_hand(live_server, "MUG"), on_hand(live_server, "LAMP")) == (mugs - 3, lamps + 2)
    assert [(status, p["on_hand_delta"], p["reason"]) for status, p in sync_commands(live_server)] == \
        [("applied", -3, "count"), ("applied", 2, "adjustment")]
    # Once answered, the row shows the server's numbers again instead of the prediction.
    expect(stock_row(page, "MUG").locator("[data-on-hand]")).to_have_text(str(mugs - 3))
    expect(stock_row(page, "MUG").locator("[data-row-badge]")).to_have_count(0)
    assert errors == []


def test_a_count_made_online_is_sent_at_once_and_the_row_shows_the_new_stock(stock_page, live_server):
    mugs = on_hand(live_server, "MUG")
    record(stock_page, "MUG", "5", reason="received")
    expect(stock_row(stock_page, "MUG").locator("[data-on-hand]")).to_have_text(str(mugs + 5))
    expect(stock_row(stock_page, "MUG").locator("[data-row-status]")).to_have_text("Recorded on the server.")
    expect(chip(stock_page)).to_have_text("Synced")
    assert on_hand(live_server, "MUG") == mugs + 5


def test_a_refused_count_needs_attention_with_the_servers_words_and_does_not_block_the_next(stock_page,
                                                                                              live_server):
    mugs = on_hand(live_server, "MUG")
    stock_page.context.set_offline(True)
    record(stock_page, "MUG", f"-{mugs + 10}")  # more than is on the shelf: the server must refuse it
    record(stock_page, "MUG", "-1")             # queued behind the refused one
    expect(chip(stock_page)).to_have_text("Offline – 2 waiting")
    stock_page.context.set_offline(False)

    expect(chip(stock_page)).to_have_text("1 needs attention")
    attention = stock_page.locator("#needs-attention")
    expect(attention).to_be_visible()
    expect(attention).to_contain_text(f"MUG in LON: -{mugs + 10} (count)")
    expect(attention).to_contain_text("Not recorded. Waybill said: on hand would go below zero (-10)")
    expect(attention).to_contain_text("This change was not recorded.")
    expect(attention).to_contain_text("Check the shelf, then record the count again if it is still needed.")
    expect(stock_row(stock_page, "MUG").locator("[data-on-hand]")).to_have_text(str(mugs - 1))
    assert on_hand(live_server, "MUG") == mugs - 1
    assert [status for status, _ in sync_commands(live_server)] == ["rejected", "applied"]


def test_a_refused_count_stays_until_a_person_dismisses_it(stock_page, live_server):
    record(stock_page, "LAMP", "-1000")
    expect(chip(stock_page)).to_have_text("1 needs attention")
    stock_page.reload()
    expect(chip(stock_page)).to_have_text("1 needs attention")
    stock_page.get_by_role("link", name="1 needs attention").tap()
    expect(stock_page).to_have_url(re.compile(r"/sync$"))
    stock_page.locator("#needs-attention").get_by_role("button", name="Dismiss").tap()
    expect(chip(stock_page)).to_have_text("Synced")
    expect(stock_page.locator("#needs-attention")).to_be_hidden()
    expect(stock_page.get_by_text("Nothing needs attention.")).to_be_visible()


def test_a_queue_whose_session_has_ended_pauses_and_keeps_its_counts(stock_page, live_server):
    mugs = on_hand(live_server, "MUG")
    stock_page.context.set_offline(True)
    record(stock_page, "MUG", "-2")
    stock_page.context.clear_cookies()  # the session ended while the phone was offline
    stock_page.context.set_offline(False)
    expect(chip(stock_page)).to_have_text("1 waiting – sign in again to send")
    expect(stock_row(stock_page, "MUG").locator("[data-row-badge]")).to_have_text("Waiting to send: -2")
    assert on_hand(live_server, "MUG") == mugs
    assert sync_commands(live_server) == []


def test_a_change_of_zero_is_explained_at_the_field_and_not_queued(stock_page):
    row = stock_row(stock_page, "MUG")
    row.get_by_text("Other change (received, damaged, found)").tap()
    row.get_by_label("Change").fill("0")
    row.get_by_role("button", name="Record MUG").tap()
    expect(row.locator(".field-error")).to_have_text("Enter the difference you found; 0 changes nothing.")
    expect(row.get_by_label("Change")).to_have_attribute("aria-invalid", "true")
    expect(chip(stock_page)).to_have_text("Synced")
    assert stock_page.evaluate("""() => new Promise((resolve) => {
      const open = indexedDB.open('waybill-outbox');
      open.onsuccess = () => { const count = open.result.transaction('commands').objectStore('commands').count();
                               count.onsuccess = () => resolve(count.result); };
    })""") == 0


def test_sign_out_waits_while_counts_are_waiting_to_be_sent(stock_page):
    stock_page.context.set_offline(True)
    record(stock_page, "MUG", "-1")
    expect(chip(stock_page)).to_have_text("Offline – 1 waiting")
    tap_menu(stock_page, "Sign out", role="button")
    expect(stock_page.get_by_role("alert")).to_contain_text("1 change is still waiting to be sent")
    expect(stock_page).to_have_url(re.compile(r"/floor/stock$"))


def test_the_stock_page_labels_every_control_and_fits_a_360_px_phone(stock_page):
    assert stock_page.evaluate(UNLABELLED_CONTROLS) == []
    assert stock_page.evaluate("document.scrollingElement.scrollWidth") <= 360


def test_stock_changed_elsewhere_shows_on_the_open_stock_page_without_a_reload(stock_page, live_server):
    from backend.adapters.realtime import SocketIOPublisher
    from backend.bootstrap import bus
    from backend.domain import commands
    from backend.domain.access import SYSTEM
    from backend.bootstrap import start_relay_thread
    stop = start_relay_thread(live_server.app, SocketIOPublisher.for_app(live_server.app))
    try:
        wait_until(stock_page, "document.documentElement.dataset.live === 'on'")
        mugs = on_hand(live_server, "MUG")
        stock_row(stock_page, "MUG").get_by_text("Other change (received, damaged, found)").tap()
        stock_row(stock_page, "MUG").get_by_label("Note (optional)").fill("half-typed note")
        shop = live_server.world.shop
        with live_server.app.app_context():  # a delivery booked in at the office
            bus().handle(commands.AdjustStock(shop.warehouses["LON"], shop.products["MUG"], "received",
                                              on_hand_delta=12), SYSTEM)
        expect(stock_row(stock_page, "MUG").locator("[data-on-hand]")).to_have_text(str(mugs + 12), timeout=5000)
        # Only the numbers changed: what the person was typing is still there.
        expect(stock_row(stock_page, "MUG").get_by_label("Note (optional)")).to_have_value("half-typed note")
    finally:
        stop.set()


def test_a_command_the_server_cannot_read_an_id_from_needs_attention_and_is_not_sent_again(stock_page,
                                                                                           live_server):
    """The server answers such an entry by its index in the batch (id null); the phone matches it by that."""
    pushes = []

    def corrupt_the_id(route):
        body = json.loads(route.request.post_data)
        body["commands"][0]["id"] = "not-a-uuid"
        pushes.append(route.fetch(post_data=json.dumps(body)))
        route.fulfill(response=pushes[-1])

    stock_page.route("**/api/v1/sync/push", corrupt_the_id)
    record(stock_page, "MUG", "-1", note="unreadable id")
    expect(chip(stock_page)).to_have_text("1 needs attention")
    result = pushes[0].json()["results"][0]
    assert (result["id"], result["index"], result["code"]) == (None, 0, "invalid")
    assert len(pushes) == 1
    assert sync_commands(live_server) == []
