"""Fixtures shared by the web push tests: VAPID keys, a REAL local push service, an app configured with the keys,
and the outbox relay plus push worker running in threads. Import the ones a test module uses."""
from __future__ import annotations

import base64
import time

import pytest
from py_vapid import Vapid

from backend.adapters.push import start_push_thread
from backend.bootstrap import start_relay_thread
from tests.e2e.conftest import _app_on_copy, _dispose, _world_for
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
