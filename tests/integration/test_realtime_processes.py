"""Two web processes on PostgreSQL and Redis, and the relay in a third: a phone connected to one process hears of
an order placed through the other; one that was away catches up by pulling from where it left off."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio

from backend.adapters.records import User
from backend.extensions import db
from bench.harness import SECRET_KEY, gunicorn
from tests.e2e.conftest import order_body
from tests.factories import PASSWORD, issue_token, standard_shop

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("WAYBILL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def shop_db(pg_app, pg_url):
    """The standard shop on the run's PostgreSQL database, an owner with a token, and the database URL."""
    shop = standard_shop(pg_app)
    user_id, email = shop.user("owner")
    with pg_app.app_context():
        _, token = issue_token(db.session.get(User, user_id), "realtime test")
    return {"url": pg_url, "email": email, "token": token, "customer_id": shop.customers["casey"]}


@pytest.fixture
def relay_process(shop_db):
    """`flask --app backend outbox relay`, publishing through Redis, as production runs it: woken by the writers'
    NOTIFY at commit (its 30 s poll would miss every deadline below)."""
    env = {**os.environ, "DATABASE_URL": shop_db["url"], "REDIS_URL": REDIS_URL, "SECRET_KEY": SECRET_KEY,
           "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "backend", "outbox", "relay", "--idle", "30"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield process
    process.terminate()
    try:
        process.communicate(timeout=10)  # also closes the output pipe
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def _signed_in_session(base: str, email: str) -> requests.Session:
    http = requests.Session()
    token = CSRF.search(http.get(f"{base}/sign-in", timeout=10).text).group(1)
    response = http.post(f"{base}/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token},
                         timeout=10)
    assert response.ok, response.text
    return http


class Listener:
    """A Socket.IO client on one process, collecting nudges."""

    def __init__(self, base: str, http: requests.Session):
        self.base, self.nudges, self.arrived = base, [], threading.Condition()
        self.client = socketio.Client(http_session=http, reconnection=False)
        self.client.on("changes", self._on_changes)

    def _on_changes(self, message):
        with self.arrived:
            self.nudges.extend(message["events"])
            self.arrived.notify_all()

    def connect(self):
        self.client.connect(self.base, transports=["polling"], wait_timeout=10)

    def wait_for_order(self, order_id: int, seconds: float = 10.0) -> dict:
        deadline = time.monotonic() + seconds
        with self.arrived:
            while True:
                found = [n for n in self.nudges if n["aggregate"] == "order" and n["id"] == order_id]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                assert left > 0, f"no nudge about order {order_id}; got {self.nudges}"
                self.arrived.wait(left)


def test_a_phone_on_one_process_hears_of_an_order_placed_through_the_other_and_catches_up_after_a_gap(
        shop_db, relay_process):
    env = {"DATABASE_URL": shop_db["url"], "REDIS_URL": REDIS_URL}
    headers = {"Authorization": f"Bearer {shop_db['token']}"}
    with gunicorn("backend:create_app()", env, threads=8) as one, gunicorn("backend:create_app()", env, threads=8) as two:
        listener = Listener(one.url, _signed_in_session(one.url, shop_db["email"]))
        listener.connect()
        cursor = requests.get(f"{one.url}/api/v1/sync/pull", headers=headers, timeout=10).json()["cursor"]

        placed = requests.post(f"{two.url}/api/v1/orders", json=order_body(customer_id=shop_db["customer_id"]), headers=headers, timeout=10)
        assert placed.status_code == 201, placed.text
        nudge = listener.wait_for_order(placed.json()["id"])
        assert nudge["name"] == "order.placed" and set(nudge) == {"event_id", "sequence", "name", "aggregate", "id",
                                                                   "version"}

        listener.client.disconnect()
        missed = requests.post(f"{two.url}/api/v1/orders", json=order_body(customer_id=shop_db["customer_id"]), headers=headers, timeout=10).json()["id"]
        time.sleep(1.0)  # the relay publishes it while nobody on process one is listening
        listener.client = socketio.Client(http_session=listener.client.eio.http, reconnection=False)
        listener.client.on("changes", listener._on_changes)
        listener.connect()
        assert all(n["id"] != missed for n in listener.nudges if n["aggregate"] == "order")
        # Back online, the phone pulls from the cursor it had: the missed order is there, nothing lost.
        changes, has_more = [], True
        while has_more:
            page = requests.get(f"{one.url}/api/v1/sync/pull", params={"cursor": cursor}, headers=headers,
                                timeout=10).json()
            changes += page["changes"]
            cursor, has_more = page["cursor"], page.get("has_more", False)
        assert any(c["aggregate_type"] == "order" and c["aggregate_id"] == missed and c["name"] == "order.placed"
                   for c in changes), changes
        listener.client.disconnect()
    assert relay_process.poll() is None, "the relay process died"
