"""A small REAL payment provider HTTP API for tests (http.server in a thread), with its own ledger.

It speaks the API adapters/payment_gateway.py documents: authorizations, captures, voids, refunds, each
with an Idempotency-Key whose first answer it repeats. It checks what a provider checks (a capture
within what is held, a refund within what was captured) and can be told to decline.
"""
from __future__ import annotations

import json
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import make_app

SECRET_KEY = "sk_test_waybill"
WEBHOOK_SECRET = "whsec_test_waybill"


class FakePaymentProvider:
    """The provider's ledger and its switches: `decline[op] = code` declines that operation (authorize,
    capture, void, refund) until cleared; a token starting 'tok_decline_' is declined at authorization."""

    def __init__(self):
        self.authorizations: dict[str, dict] = {}
        self.captures: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.decline: dict[str, str] = {}
        self.answers: dict[str, tuple] = {}  # Idempotency-Key -> (status, body): a retry gets the first answer
        self.requests: list[tuple[str, dict, dict]] = []  # (path, headers, body)
        self._lock = threading.Lock()
        self._count = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {k.lower(): v for k, v in self.headers.items()}
                provider.requests.append((self.path, headers, body))
                if headers.get("authorization") != f"Bearer {SECRET_KEY}":
                    return self._send(401, {"message": "bad key"})
                key = headers.get("idempotency-key")
                if not key:
                    return self._send(400, {"message": "Idempotency-Key required"})
                with provider._lock:
                    if key not in provider.answers:
                        provider.answers[key] = provider.answer(self.path, body)
                    status, payload = provider.answers[key]
                self._send(status, payload)

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       daemon=True)

    def _id(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count:06d}"

    def _declined(self, code: str):
        return 402, {"id": self._id("dec"), "status": "declined", "decline_code": code,
                     "message": f"Declined by the issuer: {code.replace('_', ' ')}."}

    def answer(self, path: str, body: dict) -> tuple[int, dict]:
        """The provider's rules for one new call."""
        if path == "/v1/authorizations":
            token = str(body.get("token", ""))
            if token.startswith("tok_decline_") or "authorize" in self.decline:
                return self._declined(token.removeprefix("tok_decline_") if token.startswith("tok_decline_")
                                      else self.decline["authorize"])
            auth = self._id("auth")
            self.authorizations[auth] = {"amount": body["amount"], "currency": body["currency"], "captured": 0,
                                         "voided": False, "method": body.get("payment_method"), "token": token}
            return 201, {"id": auth, "status": "authorized", "amount": body["amount"]}
        match = re.fullmatch(r"/v1/authorizations/([\w-]+)/(capture|void)", path)
        if match:
            auth = self.authorizations.get(match.group(1))
            if auth is None:
                return 404, {"message": "no such authorization"}
            if match.group(2) == "void":
                if "void" in self.decline:
                    return self._declined(self.decline["void"])
                auth["voided"] = True
                return 200, {"id": match.group(1), "status": "voided", "amount": 0}
            if "capture" in self.decline:
                return self._declined(self.decline["capture"])
            if auth["voided"] or body["amount"] > auth["amount"] - auth["captured"]:
                return self._declined("amount_exceeds_authorization")
            auth["captured"] += body["amount"]
            capture = self._id("cap")
            self.captures[capture] = {"authorization": match.group(1), "amount": body["amount"], "refunded": 0}
            return 201, {"id": capture, "status": "captured", "amount": body["amount"]}
        match = re.fullmatch(r"/v1/captures/([\w-]+)/refund", path)
        if match:
            capture = self.captures.get(match.group(1))
            if capture is None:
                return 404, {"message": "no such capture"}
            if "refund" in self.decline:
                return self._declined(self.decline["refund"])
            if body["amount"] > capture["amount"] - capture["refunded"]:
                return self._declined("amount_exceeds_capture")
            capture["refunded"] += body["amount"]
            refund = self._id("ref")
            self.refunds[refund] = {"capture": match.group(1), "amount": body["amount"]}
            return 201, {"id": refund, "status": "refunded", "amount": body["amount"]}
        return 404, {"message": "no such endpoint"}

    def captured_total(self) -> int:
        """Money the provider actually took."""
        return sum(c["amount"] for c in self.captures.values())

    def refunded_total(self) -> int:
        """Money the provider actually gave back."""
        return sum(r["amount"] for r in self.refunds.values())

    def calls_to(self, suffix: str) -> int:
        """How many requests were made to paths ending in `suffix`."""
        return sum(1 for path, _, _ in self.requests if path.endswith(suffix))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    """A running payment provider API."""
    with FakePaymentProvider() as fake:
        yield fake


def provider_config(provider) -> dict:
    """The app settings that point Waybill at `provider`."""
    return {"PAYMENT_GATEWAY_URL": provider.url, "PAYMENT_GATEWAY_SECRET_KEY": SECRET_KEY,
            "PAYMENT_WEBHOOK_SECRET": WEBHOOK_SECRET, "PAYMENT_GATEWAY_TIMEOUT_SECONDS": 2}


@pytest.fixture
def payments_app(tmp_path, sqlite_template, provider):
    """An app on a fresh SQLite database whose payment provider is the local fake."""
    from backend.extensions import db
    path = tmp_path / "waybill.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}", BLOB_DIR=str(tmp_path / "blobs"), **provider_config(provider))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
