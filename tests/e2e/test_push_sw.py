"""Push in real Chromium on a 360 px phone: "Notify me" on the tracking page subscribes this browser through the
API, and the service worker shows a pushed status as a notification (the push delivered through DevTools:
headless Chromium has no push service, so PushManager.subscribe is stubbed with keys made in Python)."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from backend.adapters.orm import orders
from backend.adapters.push_records import PushSubscription
from backend.domain.notifications import KINDS, build_payload, topic_for
from backend.extensions import db
from tests.e2e.conftest import PHONE, LiveServer, _app_on_copy, _dispose, _world_for, wait_until
from tests.push_service import LocalPushService

pytestmark = pytest.mark.browser

WORKER_READY = """() => Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise((_, reject) =>
  setTimeout(() => reject(new Error('the service worker did not activate within 10 s')), 10000))])"""

# PushManager without a push service: subscribe() hands back the subscription made in Python.
STUB = """(() => {
  const made = %s;
  const keyBytes = (b64) => Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/') +
      '==='.slice((b64.length + 3) %% 4)), (c) => c.charCodeAt(0)).buffer;
  let current = null;
  window.__pushSubscribeOptions = null;
  PushManager.prototype.getSubscription = async function () { return current; };
  PushManager.prototype.subscribe = async function (options) {
    window.__pushSubscribeOptions = { userVisibleOnly: options.userVisibleOnly,
      keyLength: new Uint8Array(options.applicationServerKey).length };
    current = { endpoint: made.endpoint, expirationTime: null, options,
      getKey: (name) => keyBytes(made.keys[name]), toJSON: () => JSON.parse(JSON.stringify(made)),
      unsubscribe: async () => { current = null; return true; } };
    return current;
  };
})();"""


@pytest.fixture
def push_live_server(tmp_path, world_template):
    """The live server of conftest, with VAPID keys from the instance file made by the CLI's own function."""
    from backend.adapters.push import generate_key_file
    application = _app_on_copy(world_template[0], tmp_path / "live.db", VAPID_SUBJECT="mailto:ops@waybill-shop.co.uk")
    application.instance_path = str(tmp_path / "instance")
    generate_key_file(application.instance_path)
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="waybill-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", application,
                         _world_for(application, world_template[1]))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        _dispose(application)


@pytest.fixture
def browser_keys():
    """A subscription as a browser would make it (endpoint on a local push service, real P-256 keys)."""
    service = LocalPushService()  # not started: only its key-making is needed here
    browser = service.subscribe()
    service.server.server_close()
    return browser


def _context(browser, server, subscription, permissions=("notifications",)):
    context = browser.new_context(base_url=server.url, permissions=list(permissions), **PHONE)
    context.set_default_timeout(10_000)
    context.add_init_script(STUB % json.dumps(subscription))
    return context


def _order_and_token(server):
    order_id = server.world.place([("MUG", 1)])
    with server.app.app_context():
        token = db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()
    return order_id, token


def _controlled(page):
    page.evaluate(WORKER_READY)
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")


def _load_push_module(page):
    """push.js wires the tracking page's notify section on import (what the page's script tag does)."""
    page.evaluate("() => import('/static/js/push.js').then(() => true)")


def _registration_id(cdp, origin: str) -> str:
    found = {}
    done = threading.Event()

    def on_update(params):
        for reg in params["registrations"]:
            if reg["scopeURL"].startswith(origin) and not reg.get("isDeleted"):
                found["id"] = reg["registrationId"]
                done.set()

    cdp.on("ServiceWorker.workerRegistrationUpdated", on_update)
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if done.is_set():
            break
        cdp.send("Runtime.evaluate", {"expression": "1"})  # let events arrive
        done.wait(0.1)
    assert "id" in found, "no service worker registration reported over DevTools"
    return found["id"]


def _notifications(page, timeout=10.0):
    """The worker's notifications, polled until there is one (the push event is handled asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = page.evaluate("""async () => (await (await navigator.serviceWorker.ready).getNotifications())
                                 .map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}))""")
        if shown or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(100)


def test_notify_me_subscribes_and_a_pushed_status_is_shown_as_a_notification(browser, push_live_server, browser_keys):
    server = push_live_server
    order_id, token = _order_and_token(server)
    context = _context(browser, server, browser_keys.subscription())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"/track/{token}")
        _controlled(page)
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
            registration = _registration_id(cdp, server.url)
            cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url + "/", "registrationId": registration,
                                                          "data": payload.decode()})
            shown = _notifications(page)  # before detaching: detaching may drop a push still being dispatched
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
    context = _context(browser, server, browser_keys.subscription(), permissions=())
    page = context.new_page()
    try:
        page.goto(f"/track/{token}")
        _controlled(page)
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
