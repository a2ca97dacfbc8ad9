"""Push in real Chromium on a 360 px phone: "Notify me" on the tracking page subscribes this browser through the
API, and the service worker shows a pushed status as a notification (the push delivered through DevTools:
headless Chromium has no push service, so PushManager.subscribe is stubbed with keys made in Python)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import orders
from backend.adapters.push_records import PushSubscription
from backend.domain.notifications import KINDS, build_payload, topic_for
from backend.extensions import db
from tests.e2e.conftest import PHONE
from tests.e2e.phone import controlled_by_the_worker
from tests.e2e.push_fixtures import (browser_keys, notifications, push_live_server,  # noqa: F401 (fixtures)
                                     registration_id, subscribed_context)

pytestmark = pytest.mark.browser


def _order_and_token(server):
    order_id = server.world.place([("MUG", 1)])
    with server.app.app_context():
        token = db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()
    return order_id, token


def _load_push_module(page):
    """push.js wires the tracking page's notify section on import (what the page's script tag does)."""
    page.evaluate("() => import('/static/js/push.js').then(() => true)")


def test_notify_me_subscribes_and_a_pushed_status_is_shown_as_a_notification(browser, push_live_server, browser_keys):
    server = push_live_server
    order_id, token = _order_and_token(server)
    context = subscribed_context(browser, server, browser_keys.subscription())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"/track/{token}")
        controlled_by_the_worker(page)
        _load_push_module(page)
        section = page.locator("[data-notify]")
        section.get_by_role("button", name="Notify me").tap()
        expect(section.locator("[data-notify-status]")).to_have_text(
            "Notifications are on for this order on this phone.")
        expect(section.get_by_role("button", name="Stop notifications")).to_be_visible()
        options = page.evaluate("window.__pushSubscribeOptions")
        assert options == {"userVisibleOnly": True, "keyLength": 65}  # our VAPID key, as the browser needs it
        with server.app.app_context():
            row = db.session.execute(sa.select(PushSubscription)).scalar_one()
        assert (row.order_id, row.endpoint, row.p256dh, row.auth, row.revoked_at) == (
            order_id, browser_keys.endpoint, browser_keys.p256dh, browser_keys.auth, None)

        payload = build_payload(KINDS["order.shipped"], order_number=f"WB-{order_id:06d}", tracking_token=token,
                                event_id="e-1", sequence=1, occurred_at=datetime.now(timezone.utc))
        cdp = context.new_cdp_session(page)
        try:
            registration = registration_id(cdp, server.url)
            cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url + "/", "registrationId": registration,
                                                          "data": payload.decode()})
            shown = notifications(page)  # before detaching: detaching may drop a push still being dispatched
        finally:
            cdp.detach()  # a raw CDP session left attached upsets later emulation calls
        assert shown == [{"title": "Your order has shipped", "body": f"Order WB-{order_id:06d} has left our warehouse.",
                          "tag": topic_for(token), "url": f"/track/{token}"}]

        section.get_by_role("button", name="Stop notifications").tap()
        expect(section.locator("[data-notify-status]")).to_have_text("Notifications are off for this order.")
        expect(section.get_by_role("button", name="Notify me")).to_be_visible()
        with server.app.app_context():
            row = db.session.execute(sa.select(PushSubscription)).scalar_one()
        assert row.revoked_reason == "unsubscribed"
    finally:
        context.close()
    assert errors == []


def test_with_notifications_blocked_the_page_says_so_and_nothing_is_subscribed(browser, push_live_server, browser_keys):
    server = push_live_server
    _order_id, token = _order_and_token(server)
    context = subscribed_context(browser, server, browser_keys.subscription(), permissions=())
    page = context.new_page()
    try:
        page.goto(f"/track/{token}")
        controlled_by_the_worker(page)
        _load_push_module(page)
        section = page.locator("[data-notify]")
        expect(section.locator("[data-notify-status]")).to_contain_text("Notifications are blocked for this site")
        expect(section.get_by_role("button", name="Notify me")).to_be_hidden()
        with pytest.raises(Exception, match="blocked"):  # and asking anyway is refused before any subscribe
            page.evaluate("(t) => import('/static/js/push.js').then((m) => m.subscribe(t))", token)
        assert page.evaluate("window.__pushSubscribeOptions") is None
        with server.app.app_context():
            assert db.session.execute(sa.select(sa.func.count()).select_from(PushSubscription)).scalar_one() == 0
    finally:
        context.close()


def test_when_the_browser_cannot_reach_a_push_service_the_page_says_so_in_plain_words(browser, push_live_server):
    """Headless Chromium has no push service: its own PushManager refuses with "Registration failed - ...",
    the kind of text a customer must never read."""
    server = push_live_server
    _order_id, token = _order_and_token(server)
    context = browser.new_context(base_url=server.url, permissions=["notifications"], **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"/track/{token}")
        controlled_by_the_worker(page)
        _load_push_module(page)
        section = page.locator("[data-notify]")
        section.get_by_role("button", name="Notify me").tap()
        status = section.locator("[data-notify-status]")
        expect(status).to_have_text("Notifications could not be turned on just now. Try again in a moment.")
        raw = page.evaluate("""(t) => import('/static/js/push.js').then((m) => m.subscribe(t))
                                                             .then(() => '', (error) => error.message)""", token)
        assert raw and raw != status.text_content()  # the browser's own words were there to be translated
        with server.app.app_context():
            assert db.session.execute(sa.select(sa.func.count()).select_from(PushSubscription)).scalar_one() == 0
    finally:
        context.close()


def test_on_an_iphone_outside_the_home_screen_it_explains_what_to_do(browser, push_live_server, browser_keys):
    server = push_live_server
    _order_id, token = _order_and_token(server)
    context = browser.new_context(base_url=server.url, **{**PHONE, "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1")})
    page = context.new_page()
    try:
        page.goto(f"/track/{token}")
        _load_push_module(page)
        assert page.evaluate("() => import('/static/js/push.js').then((m) => m.supportState())") == \
            "ios-needs-home-screen"
        section = page.locator("[data-notify]")
        expect(section.locator("[data-notify-ios]")).to_be_visible()
        expect(section.locator("[data-notify-ios]")).to_contain_text("Add to Home Screen")
        expect(section.get_by_role("button", name="Notify me")).to_be_hidden()
    finally:
        context.close()
