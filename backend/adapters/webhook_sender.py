"""Outgoing webhooks over HTTP: one signed POST per attempt, and the worker wired for an app (a thread in
`make run`, its own process with `flask --app backend webhooks worker`).

Signature scheme (README, "Outgoing webhooks"): `Waybill-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" keyed with the subscription's secret>`; `Waybill-Delivery` is the same for every attempt
of one delivery (receivers drop a second copy by it), `Waybill-Event` names the event type.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from ..domain.webhooks import (DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, RetryPolicy, address_is_internal,
                               host_is_internal, signature_header)
from .push import retry_after_seconds


def refused_address(url: str, *, allow_private: bool) -> str | None:
    """Why the URL's host may not be called now (it resolves to an internal address), or None.

    Checked at every send, not only when the address is set: a name may be pointed at 127.0.0.1 later.
    """
    if allow_private:
        return None
    host = urlsplit(url).hostname or ""
    if host_is_internal(host):
        return f"refused: {host} is not a public address"
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        return f"cannot resolve {host}: {exc}"
    for info in infos:
        if address_is_internal(ipaddress.ip_address(info[4][0].split("%", 1)[0])):
            return f"refused: {host} resolves to an internal address"
    return None


@dataclass(frozen=True)
class SendResult:
    """What one request got back (status None: no answer at all)."""

    status_code: int | None
    retry_after_seconds: int | None = None
    error: str = ""
    permanent: bool = False  # nothing was sent and nothing ever will be (an address we refuse to call)
    duration_ms: int = 0


class HttpWebhookSender:
    """Posts one delivery, signed, without following redirects (a 3xx is the receiver's mistake to fix)."""

    def __init__(self, *, timeout: float = 10.0, allow_private: bool = False, clock=time.time):
        self.timeout = timeout
        self.allow_private = allow_private
        self.clock = clock
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # no proxy from the environment between Waybill and a receiver
        return session

    def refused_address(self, url: str) -> str | None:
        """Why the URL's host may not be called now (module-level `refused_address`), or None."""
        return refused_address(url, allow_private=self.allow_private)

    def send(self, url: str, secret: str, body: str, *, delivery_id: str, event_type: str) -> SendResult:
        """POST the body with its signature; report the answer (or why there was none)."""
        refused = self.refused_address(url)
        if refused:
            return SendResult(None, error=refused[:500], permanent=refused.startswith("refused"))
        timestamp = int(self.clock())
        headers = {"Content-Type": "application/json", "User-Agent": "Waybill-Webhooks/1",
                   SIGNATURE_HEADER: signature_header(secret, timestamp, body), DELIVERY_HEADER: delivery_id,
                   EVENT_HEADER: event_type}
        started = time.monotonic()
        try:
            response = self._session().post(url, data=body.encode(), headers=headers, timeout=self.timeout,
                                            allow_redirects=False)
        except requests.RequestException as exc:
            return SendResult(None, error=f"{type(exc).__name__}: {exc}"[:500],
                              duration_ms=int((time.monotonic() - started) * 1000))
        took = int((time.monotonic() - started) * 1000)
        error = "" if response.ok else f"{response.status_code} {response.reason} {response.text[:200]}".strip()
        return SendResult(response.status_code, retry_after_seconds(response.headers.get("Retry-After")),
                          error[:500], duration_ms=took)


# -- composition: the worker of an app, in a thread (make run) or its own process (`webhooks worker`) ---------
def retry_policy_for(config) -> RetryPolicy:
    """Backoff from WAYBILL_WEBHOOK_RETRY_BASE_SECONDS and WAYBILL_WEBHOOK_MAX_ATTEMPTS."""
    return RetryPolicy(base_seconds=float(config.get("WAYBILL_WEBHOOK_RETRY_BASE_SECONDS", 30)),
                       max_attempts=int(config.get("WAYBILL_WEBHOOK_MAX_ATTEMPTS", 8)))


def worker_for_app(app, sender: HttpWebhookSender | None = None):
    """A WebhookWorker on the app's database, sending over HTTP with the app's SSRF and retry settings."""
    from sqlalchemy.orm import Session

    from ..extensions import db
    from .webhook_worker import WebhookWorker
    sender = sender or HttpWebhookSender(timeout=float(app.config.get("WAYBILL_WEBHOOK_TIMEOUT_SECONDS", 10)),
                                         allow_private=bool(app.config.get("WAYBILL_WEBHOOKS_ALLOW_PRIVATE")))
    with app.app_context():
        engine = db.engine
    return WebhookWorker(lambda: Session(engine, expire_on_commit=False), sender,
                         policy=retry_policy_for(app.config),
                         disable_after=int(app.config.get("WAYBILL_WEBHOOK_DISABLE_AFTER", 5)))


def start_webhook_thread(app, *, idle_seconds: float = 1.0):
    """Run the webhook worker in a daemon thread; returns (dispatcher, stop).

    Give `dispatcher` to the outbox relay beside the other publishers: it wakes the worker as soon as an event
    a subscription may want is published. Set `stop` to end the thread.
    """
    from .webhook_worker import WebhookDispatcher
    worker = worker_for_app(app)
    dispatcher, stop = WebhookDispatcher(), threading.Event()

    def work():
        with app.app_context():
            worker.run_until(stop, wake=dispatcher.wake, idle_seconds=idle_seconds)

    threading.Thread(target=work, name="waybill-webhook-worker", daemon=True).start()
    return dispatcher, stop
