"""A small REAL carrier HTTP API for tests (http.server in a thread): the only outside edge of shipping."""
from __future__ import annotations

import base64
import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import make_app

PDF_LABEL = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class FakeCarrier:
    """Answers POST /shipments like a carrier would; `mode` picks the behaviour of the next calls."""

    def __init__(self):
        self.mode = "ok"  # ok | error500 | error422 | slow | garbage | wrong_format
        self.requests = []  # (headers dict, JSON body) of every call
        self.delay = 3.0
        self._count = 0
        carrier = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                carrier.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                if self.path != "/v1/shipments" or self.headers.get("Authorization") != "Bearer test-key":
                    return self._send(401, {"detail": "bad key or path"})
                if carrier.mode == "error500":
                    return self._send(500, {"detail": "internal error"})
                if carrier.mode == "error422":
                    return self._send(422, {"detail": "postcode not served"})
                if carrier.mode == "slow":
                    time.sleep(carrier.delay)
                if carrier.mode == "garbage":
                    return self._send(200, {"tracking": "?"})
                carrier._count += 1
                label = b"<html>not a label</html>" if carrier.mode == "wrong_format" else PDF_LABEL
                return self._send(201, {"tracking_number": f"EXP{carrier._count:08d}GB",
                                        "label": base64.b64encode(label).decode(), "format": "pdf"})

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        # A short poll: shutdown() waits for the loop to notice, half a second per test with the default.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def carrier():
    """A running fake carrier API."""
    with FakeCarrier() as fake:
        yield fake


@pytest.fixture
def carrier_app(tmp_path, sqlite_template, carrier):
    """An app on a fresh database whose external carrier 'express' is the local fake (1.5 s timeout: time enough for a loaded CI machine)."""
    from backend.extensions import db
    path = tmp_path / "waybill.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}", CARRIER_API_URL=carrier.url, CARRIER_API_KEY="test-key",
                           CARRIER_CODE="express", CARRIER_NAME="Express Parcels", CARRIER_TIMEOUT_SECONDS=1.5)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
