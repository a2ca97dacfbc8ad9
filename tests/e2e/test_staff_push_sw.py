"""Staff push in real Chromium on a 360 px phone: the owner taps "Notify me when the app is closed" on the
dashboard, which subscribes this browser through POST /api/v1/push/staff-subscriptions (session + CSRF), and the
service worker shows a pushed new-order alert that opens the order's page (the push delivered through DevTools:
headless Chromium has no push service, so PushManager.subscribe is stubbed with keys made in Python)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.push_records import PushSubscription
from backend.domain.notifications import STAFF_KINDS, build_staff_payload, staff_topic_for
from backend.extensions import db
from tests.e2e.conftest import PHONE, browser_sign_in
from tests.e2e.phone import controlled_by_the_worker
from tests.e2e.push_fixtures import (browser_keys, notifications, push_live_server,  # noqa: F401 (fixtures)
                                     registration_id, subscribed_context)

pytestmark = pytest.mark.browser


def test_the_owner_turns_on_new_order_alerts_and_a_pushed_alert_opens_the_order(
        browser, push_live_server, browser_keys):
    server = push_live_server
    context = subscribed_context(browser, server, browser_keys.subscription())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        browser_sign_in(page, server.world.emails["owner"])
        page.goto("/dashboard/")
        controlled_by_the_worker(page)
        section = page.locator("[data-staff-push]")
        section.get_by_role("button", name="Notify me when the app is closed").tap()
        expect(section.locator("[data-staff-push-status]")).to_have_text(
            "This device will be notified of new orders, even when the app is closed.")
        expect(section.get_by_role("button", name="Stop notifications on this device")).to_be_visible()
        assert page.evaluate("window.__pushSubscribeOptions") == {"userVisibleOnly": True, "keyLength": 65}
        with server.app.app_context():
            row = db.session.execute(sa.select(PushSubscription)).scalar_one()
        assert (row.audience, row.user_id, row.order_id, row.endpoint, row.p256dh, row.revoked_at) == (
            "staff", server.world.user_ids["owner"], None, browser_keys.endpoint, browser_keys.p256dh, None)

        payload = build_staff_payload(STAFF_KINDS["order.placed"], order_id=42, order_number="WB-000042",
                                      total_minor=1234, currency="GBP", event_id="e-1", sequence=1,
                                      occurred_at=datetime.now(timezone.utc))
        cdp = context.new_cdp_session(page)
        try:
            registration = registration_id(cdp, server.url)
            cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url + "/", "registrationId": registration,
                                                          "data": payload.decode()})
            shown = notifications(page)
        finally:
            cdp.detach()
        assert shown == [{"title": "New order", "body": "New order WB-000042 — £12.34",
                          "tag": staff_topic_for(42), "url": "/orders/42"}]

        section.get_by_role("button", name="Stop notifications on this device").tap()
        expect(section.locator("[data-staff-push-status]")).to_have_text(
            "Notifications of new orders are off on this device.")
        expect(section.get_by_role("button", name="Notify me when the app is closed")).to_be_visible()
        with server.app.app_context():
            row = db.session.execute(sa.select(PushSubscription)).scalar_one()
        assert row.revoked_reason == "unsubscribed"
    finally:
        context.close()
    assert errors == []


def test_on_an_iphone_outside_the_home_screen_the_dashboard_explains_what_to_do(browser, push_live_server):
    server = push_live_server
    context = browser.new_context(base_url=server.url, **{**PHONE, "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1")})
    page = context.new_page()
    try:
        browser_sign_in(page, server.world.emails["owner"])
        page.goto("/dashboard/")
        section = page.locator("[data-staff-push]")
        expect(section.locator("[data-staff-push-ios]")).to_be_visible()
        expect(section.locator("[data-staff-push-ios]")).to_contain_text("Add to Home Screen")
        expect(section.get_by_role("button", name="Notify me when the app is closed")).to_be_hidden()
    finally:
        context.close()
