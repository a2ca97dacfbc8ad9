"""Configuration read from the environment; nothing here is evaluated at import time by views."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError


def _env_int(name: str, default: int) -> int:
    """Read an integer setting, failing loudly on a typo rather than silently using the default."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:  # a misconfigured deployment should not start
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def _time_zone(raw: str | None) -> str:
    """WAYBILL_TIMEZONE, checked now: a typo stops the start rather than failing a page later."""
    name = raw or "Europe/London"
    try:
        if name != name.strip() or name.startswith("/"):
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"WAYBILL_TIMEZONE must be an IANA time zone name such as Europe/London, "
                           f"got {name!r}") from exc
    return name


def _locale(raw: str | None) -> str:
    """WAYBILL_LOCALE ("en_GB"), checked now like the time zone."""
    name = (raw or "en_GB").replace("-", "_")
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise RuntimeError(f"WAYBILL_LOCALE must be a locale such as en_GB, got {name!r}") from exc
    return name


def _wall_time(name: str, raw: str | None, default: str) -> str:
    """A shop-clock time setting ("08:00", 24-hour HH:MM), checked now like the time zone."""
    value = (raw or default).strip()
    hours, _, minutes = value.partition(":")
    if not (len(hours) == 2 and len(minutes) == 2 and hours.isdigit() and minutes.isdigit()
            and int(hours) < 24 and int(minutes) < 60):
        raise RuntimeError(f"{name} must be a time like 08:00 on the shop's clock, got {value!r}")
    return value


def _tax_rates(raw: str) -> dict[str, int]:
    """Parse 'GB:2000,DE:1900' into {'GB': 2000, 'DE': 1900} (basis points)."""
    rates: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        country, _, bps = part.partition(":")
        rates[country.strip().upper()] = int(bps)
    return rates


def _colour(name: str, value: str | None, default: str) -> str:
    """A '#rrggbb' colour setting; anything else stops the start (a typo must not paint pages unreadable)."""
    raw = (value or default).strip()
    if len(raw) != 7 or raw[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in raw[1:]):
        raise RuntimeError(f"{name} must be a colour like #0f4c5c, got {raw!r}")
    return raw.lower()


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment; in development, one generated once into instance/ (never git)."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


PUSH_SETTINGS = ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT", "PUSH_ALLOW_INSECURE_ENDPOINTS",
                 "PUSH_SERVICE_HOSTS", "PUSH_TIMEOUT_SECONDS", "PUSH_RETRY_BASE_SECONDS", "PUSH_RETRY_MAX_SECONDS",
                 "PUSH_MAX_ATTEMPTS")


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from environment variables."""
    instance = Path(instance_path)
    default_db = f"sqlite:///{instance / 'waybill.db'}"
    database_url = os.environ.get("DATABASE_URL", default_db)
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    secure_cookies = os.environ.get("WAYBILL_SECURE_COOKIES", "0") == "1"
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Enough connections for a gunicorn worker's threads; connections are recycled instead of
        # pinged (a ping is one more round trip on every checkout).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": _env_int("WAYBILL_DB_POOL_SIZE", 20), "max_overflow": 20,
                                      "pool_recycle": 1800},
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "MAX_CONTENT_LENGTH": _env_int("WAYBILL_MAX_BODY_BYTES", 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Sign-ins (backend/sessions.py): a remembered one (drivers, floor) lives as long as its cookie,
        # another ends after this many hours unused; either ends at once on sign-out.
        "REMEMBER_COOKIE_DURATION": timedelta(days=_env_int("WAYBILL_REMEMBER_DAYS", 30)),
        "WAYBILL_SESSION_HOURS": _env_int("WAYBILL_SESSION_HOURS", 12),
        # Rate limits and lockouts (backend/throttle.py): counted in REDIS_URL when set, else in memory.
        "WAYBILL_RATE_LIMIT_STORAGE": os.environ.get("WAYBILL_RATE_LIMIT_STORAGE") or None,
        "WAYBILL_SIGN_IN_MAX_FAILURES": _env_int("WAYBILL_SIGN_IN_MAX_FAILURES", 10),
        "WAYBILL_SIGN_IN_FAILURE_WINDOW_MINUTES": _env_int("WAYBILL_SIGN_IN_FAILURE_WINDOW_MINUTES", 15),
        "WAYBILL_SIGN_IN_LOCKOUT_MINUTES": _env_int("WAYBILL_SIGN_IN_LOCKOUT_MINUTES", 15),
        "WAYBILL_SIGN_IN_CLIENT_LIMIT": os.environ.get("WAYBILL_SIGN_IN_CLIENT_LIMIT", "30 per 15 minutes"),
        "WAYBILL_TRACKING_CLIENT_LIMIT": os.environ.get("WAYBILL_TRACKING_CLIENT_LIMIT", "60 per minute"),
        # Reverse proxies in front that set X-Forwarded-For: the client address the limits key on.
        "WAYBILL_PROXY_HOPS": _env_int("WAYBILL_PROXY_HOPS", 0),
        # Off when a proxy in front already compresses answers (static files and pages alike).
        "WAYBILL_COMPRESS": os.environ.get("WAYBILL_COMPRESS", "1") == "1",
        "WTF_CSRF_TIME_LIMIT": None,  # a phone left on a form overnight must still submit it
        # Times are stored and sent as UTC; people read them on the shop's clock, in its locale (domain/timefmt.py).
        "WAYBILL_TIMEZONE": _time_zone(os.environ.get("WAYBILL_TIMEZONE")),
        "WAYBILL_LOCALE": _locale(os.environ.get("WAYBILL_LOCALE")),
        "WAYBILL_CURRENCY": os.environ.get("WAYBILL_CURRENCY", "GBP").upper(),
        "WAYBILL_TAX_RATES": _tax_rates(os.environ.get("WAYBILL_TAX_RATES", "GB:2000,DE:1900,FR:2000,US:0")),
        "WAYBILL_DEFAULT_TAX_BPS": _env_int("WAYBILL_DEFAULT_TAX_BPS", 2000),
        "WAYBILL_SHIPPING_BASE_MINOR": _env_int("WAYBILL_SHIPPING_BASE_MINOR", 495),
        "WAYBILL_SHIPPING_PER_KG_MINOR": _env_int("WAYBILL_SHIPPING_PER_KG_MINOR", 100),
        "WAYBILL_FREE_SHIPPING_OVER_MINOR": _env_int("WAYBILL_FREE_SHIPPING_OVER_MINOR", 10000),
        "WAYBILL_SPLIT_MIN_LINE_MINOR": _env_int("WAYBILL_SPLIT_MIN_LINE_MINOR", 2000),
        "WAYBILL_ALLOCATION_STRATEGY": os.environ.get("WAYBILL_ALLOCATION_STRATEGY", "nearest_first"),
        # Seconds in which a cancel or reject can still be undone from the order page.
        "WAYBILL_UNDO_SECONDS": _env_int("WAYBILL_UNDO_SECONDS", 30),
        "WAYBILL_RISK_MAX_ORDER_MINOR": _env_int("WAYBILL_RISK_MAX_ORDER_MINOR", 100000),
        "WAYBILL_RISK_VELOCITY_LIMIT": _env_int("WAYBILL_RISK_VELOCITY_LIMIT", 5),
        "WAYBILL_RISK_VELOCITY_WINDOW_MINUTES": _env_int("WAYBILL_RISK_VELOCITY_WINDOW_MINUTES", 60),
        "WAYBILL_DEMO_PASSWORD": os.environ.get("WAYBILL_DEMO_PASSWORD", "demo-pass-2026"),
        "WAYBILL_RELAY_IDLE_SECONDS": float(os.environ.get("WAYBILL_RELAY_IDLE_SECONDS", "0.25")),
        # The point of sale sells from this warehouse's shelf (its code, e.g. LON); empty: no counter sales.
        "WAYBILL_STORE_WAREHOUSE": os.environ.get("WAYBILL_STORE_WAREHOUSE", "").strip().upper(),
        # The customer a counter sale without a named customer is recorded under (made on the first sale).
        "WAYBILL_WALK_IN_EMAIL": os.environ.get("WAYBILL_WALK_IN_EMAIL", "walk-in@counter.invalid"),
        # How customers reach the shop, shown on every tracking page.
        "WAYBILL_SHOP_NAME": os.environ.get("WAYBILL_SHOP_NAME", "Waybill Demo Shop"),
        "WAYBILL_SHOP_EMAIL": os.environ.get("WAYBILL_SHOP_EMAIL", "help@example.com"),
        "WAYBILL_SHOP_PHONE": os.environ.get("WAYBILL_SHOP_PHONE", "+44 20 7946 0000"),
        # The shop's own colour on the pages its customers see (tracking, their orders).
        "WAYBILL_SHOP_COLOUR": _colour("WAYBILL_SHOP_COLOUR", os.environ.get("WAYBILL_SHOP_COLOUR"), "#0f4c5c"),
        # Delivery photos and signatures (adapters/storage.py): where their files live, and one image's size cap.
        "BLOB_DIR": os.environ.get("WAYBILL_BLOB_DIR") or str(instance / "blobs"),
        "BLOB_MAX_BYTES": _env_int("WAYBILL_BLOB_MAX_BYTES", 5 * 1024 * 1024),
        # CSV imports of orders and of products with stock: one file's size cap (kept beside the blobs).
        "WAYBILL_CSV_MAX_BYTES": _env_int("WAYBILL_CSV_MAX_BYTES", 50 * 1024 * 1024),
        # Shipping & dispatch: the external carrier's JSON API (none if unset) and run timing.
        "CARRIER_API_URL": os.environ.get("CARRIER_API_URL") or None,
        "CARRIER_API_KEY": os.environ.get("CARRIER_API_KEY", ""),
        "CARRIER_CODE": os.environ.get("CARRIER_CODE", "express"),
        "CARRIER_NAME": os.environ.get("CARRIER_NAME", ""),
        "CARRIER_TIMEOUT_SECONDS": _env_int("CARRIER_TIMEOUT_SECONDS", 10),
        # Payments: the card and wallet provider's JSON API (none if unset: card and PayPal orders then wait
        # for a person to confirm the money), its secret key and the secret its webhooks are signed with.
        "PAYMENT_GATEWAY_URL": os.environ.get("PAYMENT_GATEWAY_URL") or None,
        "PAYMENT_GATEWAY_SECRET_KEY": os.environ.get("PAYMENT_GATEWAY_SECRET_KEY", ""),
        "PAYMENT_WEBHOOK_SECRET": os.environ.get("PAYMENT_WEBHOOK_SECRET", ""),
        "PAYMENT_GATEWAY_TIMEOUT_SECONDS": _env_int("PAYMENT_GATEWAY_TIMEOUT_SECONDS", 10),
        "WAYBILL_DISPATCH_SPEED_KMH": _env_int("WAYBILL_DISPATCH_SPEED_KMH", 30),
        "WAYBILL_DISPATCH_SERVICE_MINUTES": _env_int("WAYBILL_DISPATCH_SERVICE_MINUTES", 5),
        # When a planned run leaves, on the shop's clock (WAYBILL_TIMEZONE), unless the run has its own start:
        # 08:00 in winter and in summer alike, whatever the UTC offset that day.
        "WAYBILL_DISPATCH_START_TIME": _wall_time("WAYBILL_DISPATCH_START_TIME",
                                                  os.environ.get("WAYBILL_DISPATCH_START_TIME"), "08:00"),
        # The older setting, a UTC hour: still honoured when it is set and the shop-clock one is not.
        "WAYBILL_DISPATCH_START_HOUR_UTC": (_env_int("WAYBILL_DISPATCH_START_HOUR_UTC", 8)
                                            if os.environ.get("WAYBILL_DISPATCH_START_HOUR_UTC")
                                            and not os.environ.get("WAYBILL_DISPATCH_START_TIME") else None),
        # After this many failed delivery attempts a parcel goes back to the sender by itself.
        "WAYBILL_MAX_DELIVERY_ATTEMPTS": _env_int("WAYBILL_MAX_DELIVERY_ATTEMPTS", 3),
        # Web push (backend/adapters/push.py): the VAPID key pair and subject, the push services allowed and
        # the worker's timeout and retries; left empty, the adapter uses its defaults (or the instance's key file).
        **{name: os.environ.get(name, "") for name in PUSH_SETTINGS},
        # Outgoing webhooks (adapters/webhook_sender.py): whether loopback/private addresses may be called, the
        # request timeout, the backoff's base, the attempts per delivery, failed deliveries before a stop.
        "WAYBILL_WEBHOOKS_ALLOW_PRIVATE": os.environ.get("WAYBILL_WEBHOOKS_ALLOW_PRIVATE", "0").lower()
        in ("1", "true", "yes"),
        "WAYBILL_WEBHOOK_TIMEOUT_SECONDS": _env_int("WAYBILL_WEBHOOK_TIMEOUT_SECONDS", 10),
        "WAYBILL_WEBHOOK_RETRY_BASE_SECONDS": _env_int("WAYBILL_WEBHOOK_RETRY_BASE_SECONDS", 30),
        "WAYBILL_WEBHOOK_MAX_ATTEMPTS": _env_int("WAYBILL_WEBHOOK_MAX_ATTEMPTS", 8),
        "WAYBILL_WEBHOOK_DISABLE_AFTER": _env_int("WAYBILL_WEBHOOK_DISABLE_AFTER", 5),
        # Channels out (adapters/channel_push_worker.py): each shop's API token, WAYBILL_CHANNEL_TOKEN_<SLUG>
        # (WooCommerce: "consumer_key:consumer_secret"), and whether shops on private addresses may be called.
        "WAYBILL_CHANNEL_TOKENS": {name: value for name, value in os.environ.items()
                                   if name.startswith("WAYBILL_CHANNEL_TOKEN_") and value},
        "WAYBILL_CHANNELS_ALLOW_PRIVATE": os.environ.get("WAYBILL_CHANNELS_ALLOW_PRIVATE", "0").lower()
        in ("1", "true", "yes"),
        # Order e-mails to customers (backend/adapters/mail.py describes each): the SMTP server (none: messages
        # are written to MAIL_OUTBOX_DIR, not sent), the From address, and the shop's address for links.
        "MAIL_SMTP_HOST": os.environ.get("MAIL_SMTP_HOST", ""),
        "MAIL_SMTP_PORT": os.environ.get("MAIL_SMTP_PORT", ""),
        "MAIL_SMTP_USER": os.environ.get("MAIL_SMTP_USER", ""),
        "MAIL_SMTP_PASSWORD": os.environ.get("MAIL_SMTP_PASSWORD", ""),
        "MAIL_SMTP_STARTTLS": os.environ.get("MAIL_SMTP_STARTTLS", ""),
        "MAIL_SMTP_SSL": os.environ.get("MAIL_SMTP_SSL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", ""),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", ""),
        "MAIL_TIMEOUT_SECONDS": os.environ.get("MAIL_TIMEOUT_SECONDS", ""),
        "WAYBILL_PUBLIC_URL": os.environ.get("WAYBILL_PUBLIC_URL", ""),
        "CARRIER_TRACKING_URL": os.environ.get("CARRIER_TRACKING_URL", ""),
        # Packing: the carrier's dimensional weight divisor (cm3 per kg).
        "WAYBILL_DIM_WEIGHT_DIVISOR": _env_int("WAYBILL_DIM_WEIGHT_DIVISOR", 5000),
        # flask-smorest: the OpenAPI document is generated from the marshmallow schemas.
        "API_TITLE": "Waybill API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
