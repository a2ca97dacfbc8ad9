"""Fixtures shared by the web push tests: VAPID keys, a REAL local push service, an app configured with the keys,
and the outbox relay plus push worker running in threads; for the browser, a live server with VAPID keys, a
stubbed PushManager, and reading what the service worker shows. Import the ones a test module uses."""
from __future__ import annotations

import base64
import json
import threading
import time

import pytest
import sqlalchemy as sa
from py_vapid import Vapid

from backend.adapters.push import start_push_thread
from backend.adapters.push_records import PushCursor, PushMessage
from backend.adapters.records import OutboxEvent
from backend.bootstrap import start_relay_thread
from backend.extensions import db
from tests.e2e.chromium import PHONE
from tests.e2e.servers import serving
from tests.e2e.world import _app_on_copy, _dispose, _world_for
from tests.push_service import LocalPushService

SUBJECT = "mailto:ops@waybill-shop.co.uk"


@pytest.fixture
def vapid():
    key = Vapid()
    key.generate_keys()
    return key


@pytest.fixture
def push_service():
    service = LocalPushService().start()
    yield service
    service.stop()


@pytest.fixture
def app(tmp_path, world_template, vapid):
    """The e2e world with VAPID keys from the 'environment' and a 1 s retry base, so retries fit in a test."""
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    application = _app_on_copy(world_template[0], tmp_path / "push.db",
                               VAPID_PRIVATE_KEY=base64.urlsafe_b64encode(raw).decode().rstrip("="),
                               VAPID_SUBJECT=SUBJECT, PUSH_RETRY_BASE_SECONDS=1)
    yield application
    _dispose(application)


@pytest.fixture
def world(app, world_template):
    return _world_for(app, world_template[1])


@pytest.fixture
def running(app):
    """The outbox relay (publishing to the push dispatcher) and the push worker, each in its thread."""
    dispatcher, stop_push = start_push_thread(app, idle_seconds=0.2)
    stop_relay = start_relay_thread(app, dispatcher)
    yield dispatcher
    stop_relay.set()
    stop_push.set()
    time.sleep(0.5)  # let both threads finish their round before the database goes


def wait_until_settled(app, timeout: float = 10.0) -> None:
    """Wait until everything there is to push has been pushed: the relay has published every event, the push
    worker's intake has read past the last of them, and no notification is still pending.

    After this, a push the service has not received is one the shop never made: the evidence a test needs
    for "nothing more follows" (no duplicate, no news nobody asked for), where a pause would only hope so.
    """
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            unpublished = db.session.execute(sa.select(sa.func.count()).select_from(OutboxEvent)
                                             .where(OutboxEvent.published_at.is_(None))).scalar_one()
            last = db.session.execute(sa.select(sa.func.max(OutboxEvent.publish_seq))).scalar_one() or 0
            read = db.session.execute(sa.select(PushCursor.last_sequence).where(PushCursor.id == 1)
                                      ).scalar_one_or_none() or 0
            pending = db.session.execute(sa.select(sa.func.count()).select_from(PushMessage)
                                         .where(PushMessage.status == "pending")).scalar_one()
            db.session.remove()
        if not unpublished and read >= last and not pending:
            return
        assert time.monotonic() < deadline, (f"push not settled after {timeout:g} s: {unpublished} unpublished, "
                                             f"intake at {read} of {last}, {pending} pending")
        time.sleep(0.05)


# -- in the browser -------------------------------------------------------------------------------
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
    with serving(application, world_template[1]) as server:
        yield server


@pytest.fixture
def browser_keys():
    """A subscription as a browser would make it (endpoint on a local push service, real P-256 keys)."""
    service = LocalPushService()  # not started: only its key-making is needed here
    browser = service.subscribe()
    service.server.server_close()
    return browser


def subscribed_context(browser, server, subscription, permissions=("notifications",)):
    """A phone-sized browser context whose PushManager hands back `subscription` (made in Python)."""
    context = browser.new_context(base_url=server.url, permissions=list(permissions), **PHONE)
    context.set_default_timeout(10_000)
    context.add_init_script(STUB % json.dumps(subscription))
    return context


def registration_id(cdp, origin: str) -> str:
    """The id DevTools knows the service worker registration of `origin` by (to deliver a push through it)."""
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


def notifications(page, timeout=10.0):
    """The worker's notifications, polled until there is one (the push event is handled asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = page.evaluate("""async () => (await (await navigator.serviceWorker.ready).getNotifications())
                                 .map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}))""")
        if shown or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(100)
