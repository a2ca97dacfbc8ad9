"""A small REAL Web Push service on 127.0.0.1 (http.server in a thread): the outside edge of push.

It plays the browser vendor's push service and the browser at once: each subscription it hands out
has a P-256 key pair and an auth secret made here, so every message it receives is decrypted with
`http_ece` exactly as the browser would, and the VAPID JWT is checked against the key it names
(signature, audience = this service's origin, expiry, subject). Answers can be scripted per
subscription (e.g. 503 with Retry-After once, or 410 for good).
"""
from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One subscription: its endpoint and the keys only the 'browser' (this service) holds."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    script: list = field(default_factory=list)  # (status, headers) answers to give before 201s
    always: tuple | None = None  # (status, headers) answered to every request (e.g. 410 gone for good)

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription(self) -> dict:
        """What PushSubscription.toJSON() gives the page."""
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass
class Received:
    """One request as the push service saw it, decrypted and checked."""

    path: str
    status: int  # what we answered
    at: float
    headers: dict
    payload: dict | None  # decrypted JSON (None if it did not decrypt)
    claims: dict | None  # the verified VAPID claims (None if the JWT did not verify)
    vapid_key: str | None


def verify_vapid(authorization: str | None) -> tuple[dict | None, str | None]:
    """Check `vapid t=<JWT>,k=<public key>` (RFC 8292): ES256 signature by k; returns (claims, k)."""
    if not authorization or not authorization.startswith("vapid "):
        return None, None
    params = dict(part.strip().split("=", 1) for part in authorization[len("vapid "):].split(","))
    token, key = params.get("t"), params.get("k")
    try:
        header_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        signature = unb64url(sig_b64)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        public.verify(encode_dss_signature(r, s), f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except (ValueError, AttributeError, InvalidSignature, TypeError):
        return None, key
    if header.get("alg") != "ES256" or len(signature) != 64:
        return None, key
    return json.loads(unb64url(claims_b64)), key


class LocalPushService:
    """Start with `start()`; `subscribe()` makes a browser; `received` lists every request in arrival order."""

    def __init__(self):
        self.browsers: dict[str, Browser] = {}
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.decrypt = True  # the bench turns decryption off to time the sender alone
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real push services do

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, extra = service._handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        # A short poll: shutdown() waits for the loop to notice, half a second per test with the default.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       name="local-push-service", daemon=True)

    def start(self) -> "LocalPushService":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def subscribe(self) -> Browser:
        path = f"/push/{b64url(os.urandom(12))}"
        browser = Browser(self.origin + path, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        self.browsers[path] = browser
        return browser

    def _handle(self, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
        browser = self.browsers.get(path)
        if browser is None:
            status, extra = 404, {}
        elif browser.always is not None:
            status, extra = browser.always
        elif browser.script:
            status, extra = browser.script.pop(0)
        else:
            status, extra = 201, {}
        payload = claims = key = None
        if browser is not None and self.decrypt:
            try:
                payload = json.loads(http_ece.decrypt(body, private_key=browser.private_key,
                                                      auth_secret=browser.auth_secret, version="aes128gcm"))
            except Exception:  # noqa: BLE001 - an undecryptable body is recorded as such, not raised in a server thread
                payload = None
            claims, key = verify_vapid(headers.get("authorization"))
        with self.arrived:
            self.received.append(Received(path, status, time.monotonic(), headers, payload, claims, key))
            self.arrived.notify_all()
        return status, extra

    def for_browser(self, browser: Browser) -> list[Received]:
        path = browser.endpoint[len(self.origin):]
        with self.lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, predicate, timeout: float = 15.0) -> list[Received]:
        """Wait until predicate(received) is true; returns a copy of everything received."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not predicate(self.received):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    got = [(r.path, r.status, (r.payload or {}).get("kind")) for r in self.received]
                    raise AssertionError(f"push service: condition not met in {timeout}s; got {got}")
                self.arrived.wait(remaining)
            return list(self.received)
