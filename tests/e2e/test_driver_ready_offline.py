"""Offline readiness the driver can see and rely on, in headless Chromium at 360 px: a started run saves
itself for offline use when its page loads, the run page says when it was saved after every reload (with
and without a signal), a stop page that would not open offline says so while there is still a signal, and
the sync page lists, in words, what is waiting to be sent while offline."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.chromium import CHROMIUM, CHROMIUM_FLAGS, PHONE, browser_sign_in
from tests.e2e.driver_phone import card, confirm_stop, open_phone, png, sign_in_driver
from tests.e2e.phone import chip

pytestmark = pytest.mark.browser

SAVED = re.compile(r"^Ready offline, saved at (\d{2}:\d{2})$")


def shop_minutes(page) -> set[str]:
    """This minute and the one before on the shop's clock (the zone the page states), as HH:MM."""
    zone = ZoneInfo(page.locator('meta[name="waybill-time"]').get_attribute("content"))
    now = datetime.now(zone)
    return {(now - timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}


def saved_line(page):
    return page.locator("[data-offline-saved]")


@pytest.fixture
def driver_phone(playwright, server, tmp_path):
    context, page, errors = open_phone(playwright, server, tmp_path / "profile")
    sign_in_driver(page, server.world.emails["driver"])
    yield context, page
    context.close()
    assert errors == []


def test_a_started_run_is_saved_offline_by_itself_and_its_stops_open_without_a_signal(driver_phone, server):
    context, page = driver_phone
    # Nobody taps "Take today's run offline": loading the started run's page is enough.
    expect(page.locator("[data-offline-progress]")).to_have_text(
        f"Ready offline: {len(server.stops) + 3} pages saved.", timeout=30_000)
    expect(saved_line(page)).to_have_text(SAVED)

    context.set_offline(True)
    card(page, 3).get_by_role("link", name="Open stop 3").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Stop 3")
    expect(page.get_by_role("button", name="Confirm delivery")).to_be_visible()
    expect(page.locator("[data-offline-missing]")).to_be_hidden()


def test_the_run_page_says_when_it_was_saved_for_offline_after_every_reload(driver_phone, server, screenshot_dir):
    context, page = driver_phone
    expect(saved_line(page)).to_have_text(SAVED, timeout=30_000)
    saved_at = SAVED.match(saved_line(page).text_content()).group(1)
    assert saved_at in shop_minutes(page)

    page.reload()
    expect(saved_line(page)).to_have_text(f"Ready offline, saved at {saved_at}")
    expect(page.locator("[data-offline-progress]")).to_have_text("")  # not saved again: it still is
    context.set_offline(True)
    assert page.reload().from_service_worker
    expect(saved_line(page)).to_have_text(f"Ready offline, saved at {saved_at}")
    page.screenshot(path=str(screenshot_dir / "driver-run-ready-offline.png"))

    # With a signal, an open stop page that is kept says nothing about it.
    context.set_offline(False)
    card(page, 2).get_by_role("link", name="Open stop 2").tap()
    page.wait_for_timeout(2500)
    expect(page.locator("[data-offline-missing]")).to_be_hidden()


def test_a_stop_page_not_kept_for_offline_says_so_while_there_is_a_signal(playwright, server, screenshot_dir):
    # A browser whose worker never runs (blocked here) keeps no page: the driver must hear it before the signal goes.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
    try:
        context = browser.new_context(base_url=server.url, service_workers="block", **PHONE)
        page = context.new_page()
        browser_sign_in(page, server.world.emails["driver"], lands_on="/driver")
        card(page, 1).get_by_role("link", name="Open stop 1").tap()
        notice = page.locator("[data-offline-missing]")
        expect(notice).to_be_visible()
        expect(notice).to_have_text("Not saved for offline use yet: open it again with signal, or save the run.")
        expect(notice.get_by_role("link", name="save the run")).to_have_attribute("href", "/driver")
        page.screenshot(path=str(screenshot_dir / "driver-stop-not-saved-offline.png"))
    finally:
        browser.close()


def test_the_sync_page_lists_a_drop_off_waiting_to_be_sent_while_offline(driver_phone, server, screenshot_dir):
    context, page = driver_phone
    expect(saved_line(page)).to_have_text(SAVED, timeout=30_000)
    context.set_offline(True)
    confirm_stop(page, 1, "Sam Doe", png(640, 480))
    expect(chip(page)).to_have_text("Offline – 1 waiting")

    page.goto("/sync")
    section = page.locator("[data-waiting]")
    expect(section.get_by_role("heading", name="Waiting to be sent: 1 change")).to_be_visible()
    items = section.locator("[data-waiting-list] li")
    expect(items).to_have_count(1)
    expect(items.first).to_have_text(re.compile(
        r"^Stop 1 \(.+\): delivered to Sam Doe, recorded on this phone Today \d{2}:\d{2}$"))
    page.screenshot(path=str(screenshot_dir / "sync-offline-waiting.png"), full_page=True)

    context.set_offline(False)
    expect(chip(page)).to_have_text("Synced", timeout=30_000)
    expect(section).to_be_hidden()
