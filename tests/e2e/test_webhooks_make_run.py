"""`make run` delivers webhooks by itself: its outbox relay thread wakes the webhook worker thread, and an
order placed through the API reaches a REAL local receiver, signed, with no worker started by hand."""
from __future__ import annotations

import subprocess
import sys

import requests

from tests.e2e.test_make_run import FLASK, ROOT, _env, _free_port, _wait_ready
from tests.webhook_receiver import WebhookReceiver, verify


def test_the_served_app_delivers_a_placed_order_to_a_subscriber(tmp_path):
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
