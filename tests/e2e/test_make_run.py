"""`make run` on a fresh checkout: migrate, load the demo once, serve, print the URL and the accounts."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.webhook_receiver import WebhookReceiver, verify

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "backend"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path, port):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'waybill.db'}", PORT=str(port), SECRET_KEY="run-test-key",
               WAYBILL_DEMO_PASSWORD="a-demo-password")
    return env


def _wait_ready(url: str, process, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not become ready")


def test_the_run_steps_serve_the_demo_shop_and_print_where_to_sign_in(tmp_path):
    port = _free_port()
    env = _env(tmp_path, port)
    for step in (["db", "upgrade"], ["demo", "load", "--if-empty"]):
        subprocess.run(FLASK + step, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    with sqlite3.connect(tmp_path / "waybill.db") as conn:
        demo_orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    again = subprocess.run(FLASK + ["demo", "load", "--if-empty"], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True, timeout=120)
    assert "already loaded" in again.stdout
    server = subprocess.Popen([sys.executable, "-m", "backend.serve"], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, server)
        token = requests.post(url + "/api/v1/auth/tokens", timeout=10, json={
            "email": "owner@example.com", "password": "a-demo-password"}).json()["token"]
        orders = requests.get(url + "/api/v1/orders", timeout=10, headers={"Authorization": f"Bearer {token}"}).json()
        assert orders["total"] == demo_orders > 0  # loaded once, although asked twice
        assert requests.get(url + "/sign-in", timeout=10).status_code == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert f"http://127.0.0.1:{port}/" in output
    for role in ("owner", "manager", "floor", "driver", "customer"):
        assert f"{role}@example.com" in output
    assert "a-demo-password" in output


def test_the_served_app_delivers_a_placed_order_to_a_webhook_subscriber(tmp_path):
    """make run's relay thread wakes its webhook worker thread: no worker started by hand."""
    port = _free_port()
    env = {**_env(tmp_path, port), "WAYBILL_WEBHOOKS_ALLOW_PRIVATE": "1"}
    for step in (["db", "upgrade"], ["demo", "load", "--if-empty"]):
        subprocess.run(FLASK + step, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    receiver = WebhookReceiver().start()
    server = subprocess.Popen([sys.executable, "-m", "backend.serve"], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, server)
        token = requests.post(url + "/api/v1/auth/tokens", timeout=10, json={
            "email": "owner@example.com", "password": "a-demo-password"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        made = requests.post(url + "/api/v1/webhooks/subscriptions", timeout=10, headers=headers,
                             json={"url": receiver.url(), "events": ["order.placed"]})
        assert made.status_code == 201, made.text
        placed = requests.post(url + "/api/v1/orders", timeout=10, headers={**headers, "Idempotency-Key": "wh-1"},
                               json={"customer_id": 1, "payment_method": "card", "lines": [{"sku": "MUG-BLUE",
                                                                                            "quantity": 1}],
                                     "shipping_address": {"name": "Casey", "line1": "12 Elm Street", "city": "Leeds",
                                                          "postcode": "LS1 4AP", "country": "GB"}})
        assert placed.status_code == 201, placed.text
        [got] = receiver.wait_for(lambda received: len(received) >= 1, timeout=20)
        assert got.json["data"]["order_id"] == placed.json()["id"]
        assert verify(made.json()["secret"], got.headers["waybill-signature"], got.body)
    finally:
        server.terminate()
        server.communicate(timeout=20)
        receiver.stop()
