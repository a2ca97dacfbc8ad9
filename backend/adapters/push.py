"""Web push to browsers' push services: VAPID keys, and a pywebpush sender that reports what happened.

Keys come from the environment, read into the app config by backend/config.py (`VAPID_PRIVATE_KEY`,
optionally `VAPID_PUBLIC_KEY` to check it), or from `instance/vapid_private_key.pem`, written once by
`flask --app backend push vapid-keys` (instance/ is outside git). The VAPID subject is `VAPID_SUBJECT` (a
real mailto: or https: address), else the shop's e-mail address.
"""
from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from ..domain.push_subscriptions import PushNotConfigured, vapid_subject_problem

log = logging.getLogger(__name__)

KEY_FILE = "vapid_private_key.pem"


def _setting(config, name: str, default=None):
    """A push setting from the app config (backend/config.py reads it from the environment), else `default`."""
    value = config.get(name)
    return default if value is None or value == "" else value


def application_server_key(vapid: Vapid) -> str:
    """The public key browsers pass to pushManager.subscribe(): the uncompressed point, base64url."""
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class VapidKeys:
    """The server's VAPID key pair and the subject its JWTs name."""

    vapid: Vapid
    public_key: str  # base64url uncompressed point
    subject: str


def key_file(instance_path: str) -> Path:
    return Path(instance_path) / KEY_FILE


def generate_key_file(instance_path: str, *, force: bool = False) -> tuple[Path, str, bool]:
    """Make the instance's VAPID key once (mode 0600); returns (path, public key, created)."""
    path = key_file(instance_path)
    if path.exists() and not force:
        return path, application_server_key(Vapid.from_file(str(path))), False
    path.parent.mkdir(parents=True, exist_ok=True)
    vapid = Vapid()
    vapid.generate_keys()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(vapid.private_pem())
    tmp.chmod(0o600)
    tmp.replace(path)
    return path, application_server_key(vapid), True


def load_keys(config, instance_path: str) -> VapidKeys:
    """The VAPID keys from the environment or the instance file; PushNotConfigured if there are none."""
    private = _setting(config, "VAPID_PRIVATE_KEY")
    if private:
        private = private.replace("\\n", "\n").strip()
        # PEM (as `push vapid-keys` writes it), or base64url raw 32 bytes / DER as other tools print it.
        vapid = (Vapid.from_pem(private.encode()) if "-----BEGIN" in private
                 else Vapid.from_string(private_key=private))
    elif key_file(instance_path).exists():
        vapid = Vapid.from_file(str(key_file(instance_path)))
    else:
        raise PushNotConfigured("Push notifications are not set up: set VAPID_PRIVATE_KEY or run "
                                "'flask --app backend push vapid-keys'.")
    public = application_server_key(vapid)
    expected = _setting(config, "VAPID_PUBLIC_KEY")
    if expected and expected.rstrip("=") != public:
        raise PushNotConfigured("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY.")
    subject = _setting(config, "VAPID_SUBJECT") or f"mailto:{config.get('WAYBILL_SHOP_EMAIL', '')}"
    problem = vapid_subject_problem(subject)
    if problem and not (subject.startswith(("mailto:", "https://")) and "placeholder" in problem):
        raise PushNotConfigured(problem)
    if problem:  # a placeholder works with a local push service, not with Apple's
        log.warning("%s", problem)
    return VapidKeys(vapid, public, subject)


def push_settings(config) -> dict:
    """Endpoint rules for the API: loopback http allowed when testing or asked for; extra push hosts."""
    insecure = str(_setting(config, "PUSH_ALLOW_INSECURE_ENDPOINTS", "0")).lower() in ("1", "true", "yes")
    extra = tuple(h.strip() for h in str(_setting(config, "PUSH_SERVICE_HOSTS", "")).split(",") if h.strip())
    return {"allow_loopback_http": bool(config.get("TESTING")) or insecure, "extra_hosts": extra}


def retry_after_seconds(value: str | None, now: datetime | None = None) -> int | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0, int((when - (now or datetime.now(timezone.utc))).total_seconds()))


@dataclass(frozen=True)
class SendResult:
    """What one request to a push service got back (status None: no answer at all)."""

    status_code: int | None
    retry_after_seconds: int | None = None
    error: str = ""
    permanent: bool = False  # nothing was sent and nothing ever will be (e.g. keys that cannot be encrypted to)


class WebPushSender:
    """Encrypts (aes128gcm) and posts one notification with pywebpush, VAPID-signed.

    The claims dict is made fresh for every send: pywebpush writes `aud` and `exp` into the dict it is
    given, so a shared one would carry the first push service's audience to every other. The parsed key
    and an HTTP session per thread (kept-alive connections to the push service) are reused.
    """

    def __init__(self, keys: VapidKeys, *, timeout: float = 10.0):
        self.keys = keys
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None

    def send(self, subscription_info: dict, payload: bytes, *, ttl: int, topic: str, urgency: str) -> SendResult:
        claims = {"sub": self.keys.subject}  # fresh every time (see the class docstring)
        try:
            response = webpush(subscription_info, data=payload, vapid_private_key=self.keys.vapid,
                               vapid_claims=claims, content_encoding="aes128gcm", ttl=ttl,
                               headers={"Topic": topic, "Urgency": urgency}, timeout=self.timeout,
                               requests_session=self._session())
        except WebPushException as exc:
            if exc.response is None:
                return SendResult(None, error=str(exc.message)[:500])
            body = (getattr(exc.response, "text", "") or "")[:200]
            return SendResult(exc.status_code, retry_after_seconds(exc.retry_after),
                              f"{exc.status_code} {getattr(exc.response, 'reason', '')} {body}".strip()[:500])
        except requests.RequestException as exc:
            return SendResult(None, error=f"{type(exc).__name__}: {exc}"[:500])
        except (ValueError, TypeError) as exc:  # keys that are no P-256 point: encryption itself fails
            return SendResult(None, error=f"cannot encrypt to this subscription: {exc}"[:500], permanent=True)
        return SendResult(response.status_code)


def sender_for_app(app) -> WebPushSender:
    """The sender of an app's VAPID keys (PushNotConfigured if it has none)."""
    return WebPushSender(load_keys(app.config, app.instance_path),
                         timeout=float(_setting(app.config, "PUSH_TIMEOUT_SECONDS", 10)))


# -- composition: the worker of an app, in a thread (make run) or its own process (`push worker`) ---------
def retry_policy_for(config):
    """Backoff settings: PUSH_RETRY_BASE_SECONDS (30), PUSH_RETRY_MAX_SECONDS (3600), PUSH_MAX_ATTEMPTS (6)."""
    from ..domain.push_delivery import RetryPolicy
    return RetryPolicy(base_seconds=int(_setting(config, "PUSH_RETRY_BASE_SECONDS", 30)),
                       cap_seconds=int(_setting(config, "PUSH_RETRY_MAX_SECONDS", 3600)),
                       max_attempts=int(_setting(config, "PUSH_MAX_ATTEMPTS", 6)))


def worker_for_app(app, sender: WebPushSender | None = None):
    """A PushWorker on the app's database with its VAPID keys (PushNotConfigured if there are none)."""
    from sqlalchemy.orm import Session

    from ..extensions import db
    from .push_worker import PushWorker
    sender = sender or sender_for_app(app)
    with app.app_context():
        engine = db.engine
    from ..domain.timefmt import ShopClock
    clock = ShopClock(app.config.get("WAYBILL_TIMEZONE", "Europe/London"), app.config.get("WAYBILL_LOCALE", "en_GB"))
    return PushWorker(lambda: Session(engine, expire_on_commit=False), sender, policy=retry_policy_for(app.config),
                      shop_clock=clock)


def start_push_thread(app, *, idle_seconds: float = 1.0, sender: WebPushSender | None = None):
    """Run the push worker in a daemon thread; returns (dispatcher, stop).

    Give `dispatcher` to the outbox relay beside the Socket.IO publisher (call both with each batch): it
    wakes the worker as soon as customer news is published. Set `stop` to end the thread.
    """
    from .push_worker import PushDispatcher
    worker = worker_for_app(app, sender)
    dispatcher, stop = PushDispatcher(), threading.Event()

    def work():
        with app.app_context():
            worker.run_until(stop, wake=dispatcher.wake, idle_seconds=idle_seconds)

    threading.Thread(target=work, name="waybill-push-worker", daemon=True).start()
    return dispatcher, stop
