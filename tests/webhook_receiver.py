"""A small REAL webhook receiver on 127.0.0.1 (http.server in a thread): the outside edge of outgoing webhooks.

It records every POST as it arrived (path, headers, raw body) and answers what a test scripted for the path
(e.g. 500 once, then 200; or 410 for good); 200 otherwise. `verify()` checks a Waybill-Signature the way a
receiver's own code would: HMAC-SHA256 of "<t>.<raw body>" with the secret, compared in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    """One delivery as the receiver saw it."""

    path: str
    headers: dict
    body: bytes
    status: int  # what we answered

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def verify(secret: str, header: str, body: bytes, *, tolerance_seconds: int = 300) -> bool:
    """True if `header` (t=<unix>,v1=<hex>) signs `body` with `secret` and is recent."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        return False
    if abs(time.time() - int(parts["t"])) > tolerance_seconds:
        return False
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@dataclass
class WebhookReceiver:
    """Start with `start()`; `url(path)` is an address on it; `received` lists every request in arrival order."""

    scripts: dict = field(default_factory=dict)  # path -> list of statuses to answer before 200s
    always: dict = field(default_factory=dict)  # path -> status answered to every request

    def __post_init__(self):
        self.received: list[Request] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._answer(self.path)
                with receiver.arrived:
                    receiver.received.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                     body, status))
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       name="webhook-receiver", daemon=True)

    def _answer(self, path: str) -> int:
        if path in self.always:
            return self.always[path]
        script = self.scripts.get(path)
        return script.pop(0) if script else 200

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def start(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def at(self, path: str) -> list[Request]:
        with self.arrived:
            return [r for r in self.received if r.path == path]

    def wait_for(self, predicate, timeout: float = 10.0) -> list[Request]:
        """Wait until predicate(received) is true; returns a copy of everything received."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not predicate(self.received):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"receiver: condition not met in {timeout}s; got "
                                         f"{[(r.path, r.status) for r in self.received]}")
                self.arrived.wait(remaining)
            return list(self.received)
