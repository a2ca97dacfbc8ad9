"""Body caps count the bytes read, chunked bodies included, and the client receives the 413.

Sent with http.client to a real werkzeug server (the live_server fixture): the Flask test client does
not reproduce a socket, a chunked body or a server that stops reading.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import uuid
from urllib.parse import urlparse

import sqlalchemy as sa

from backend.adapters.records import SyncCommand
from backend.extensions import db
from tests.factories import TINY_JPEG

CHUNK = 16 * 1024


def send_chunked(server, method: str, path: str, body: bytes, headers: dict):
    """Send `body` with Transfer-Encoding: chunked (no Content-Length); -> (status, content type, body).

    A timeout makes a server that leaves the client hanging fail the test instead of stalling it.
    """
    url = urlparse(server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
    try:
        connection.request(method, path, body=(body[i:i + CHUNK] for i in range(0, len(body), CHUNK)),
                           headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def push_body(world, padding: int) -> bytes:
    command = {"id": str(uuid.uuid4()), "seq": 1, "type": "stock.adjust", "v": 1, "base": {"padding": "x" * padding},
               "payload": {"warehouse_id": world.shop.warehouses["LON"], "product_id": world.shop.products["MUG"],
                           "reason": "count", "on_hand_delta": 1}}
    return json.dumps({"device_id": str(uuid.uuid4()), "commands": [command]}).encode()


def logged_commands(server) -> int:
    with server.app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(SyncCommand)).scalar_one()


def json_headers(server, who="floor") -> dict:
    return {**server.world.headers(who), "Content-Type": "application/json", "Accept": "application/json"}


def test_a_chunked_push_over_256_kb_is_refused_with_413_and_nothing_applied(live_server):
    status, content_type, body = send_chunked(live_server, "POST", "/api/v1/sync/push",
                                              push_body(live_server.world, 300 * 1024), json_headers(live_server))
    assert (status, content_type) == (413, "application/problem+json"), body
    assert json.loads(body)["status"] == 413
    assert logged_commands(live_server) == 0


def test_a_two_megabyte_chunked_push_gets_its_413(live_server):
    status, content_type, _ = send_chunked(live_server, "POST", "/api/v1/sync/push",
                                           push_body(live_server.world, 2 * 1024 * 1024), json_headers(live_server))
    assert (status, content_type) == (413, "application/problem+json")


def test_a_chunked_push_under_the_cap_is_applied(live_server):
    status, _, body = send_chunked(live_server, "POST", "/api/v1/sync/push", push_body(live_server.world, 10 * 1024),
                                   json_headers(live_server))
    assert status == 200, body
    assert [r["status"] for r in json.loads(body)["results"]] == ["applied"]


def test_any_chunked_api_body_over_the_app_wide_cap_is_a_413(live_server):
    order = {"lines": [{"sku": "MUG", "quantity": 1}], "payment_method": "card", "note": "x" * (1100 * 1024)}
    status, content_type, body = send_chunked(live_server, "POST", "/api/v1/orders", json.dumps(order).encode(),
                                              json_headers(live_server, "owner"))
    assert (status, content_type) == (413, "application/problem+json"), body


def test_a_chunked_photo_over_the_blob_cap_is_a_413(live_server):
    live_server.app.config["BLOB_MAX_BYTES"] = 100 * 1024
    photo = TINY_JPEG[:3] + b"\x00" * (300 * 1024)
    headers = {**live_server.world.headers("driver"), "Content-Type": "image/jpeg",
               "X-Content-SHA256": hashlib.sha256(photo).hexdigest()}
    status, content_type, body = send_chunked(live_server, "PUT", f"/api/v1/sync/blobs/{uuid.uuid4()}", photo,
                                              headers)
    assert (status, content_type) == (413, "application/problem+json"), body
    assert json.loads(body)["code"] == "blob.too_large"
