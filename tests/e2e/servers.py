"""A real Waybill served over HTTP for the browser: `serving` (any app, on a free port), the `live_server`
fixture on a fresh copy of the world, and `server`, the same with a started run for the driver
(fixtures registered by tests/e2e/conftest.py)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from tests.e2e.world import World, _app_on_copy, _dispose, _world_for
from tests.factories import run_out_for_delivery


@dataclass
class LiveServer:
    """A real Waybill served over HTTP on 127.0.0.1, with its world."""

    url: str
    app: object
    world: World


@contextmanager
def serving(application, template_world: World | None):
    """Serve `application` with werkzeug in a background thread on a free port; disposed of afterwards.

    Without a template world (an app on other data, the demo shop say) the server's world is None."""
    # Port 0: the OS picks a free ephemeral port (32768+), above every port Chromium calls unsafe.
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="waybill-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", application,
                         _world_for(application, template_world) if template_world else None)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        _dispose(application)


@pytest.fixture
def live_server(tmp_path, world_template):
    """Serve a fresh copy of the world with werkzeug in a background thread on a free port."""
    with serving(_app_on_copy(world_template[0], tmp_path / "live.db"), world_template[1]) as server:
        yield server


@pytest.fixture
def server(live_server):
    """The live server (its photos in this test's folder), and a started run of four stops for the driver.

    For the driver's phone tests (tests/e2e/driver_phone.py has their browser steps).
    """
    world = live_server.world
    run_id, stops, orders = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"],
                                                 stops=4, method="cash_on_delivery")
    live_server.run_id, live_server.stops, live_server.orders = run_id, stops, orders
    return live_server
