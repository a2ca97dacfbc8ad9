"""Rate limits and sign-in lockouts, counted in Redis when REDIS_URL is set (shared by every process).

Built on `limits` (the library under Flask-Limiter) rather than on Flask-Limiter's decorators: the
lockout needs to count only failures, answer in the shape of each entry point (a re-rendered form,
a problem+json) and write an audit row when it starts, which decorators that answer before the view
cannot do; and Flask-Limiter keeps its storage on its module-level extension object, which would be
shared by every app a process (or a test run) creates. Without REDIS_URL the counters live in the
process's memory: right for `make run`, one process.
"""
from __future__ import annotations

import functools
import logging
import math
import time
from functools import lru_cache

from flask import current_app, request
from limits import RateLimitItem, parse, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

_EXTENSION = "waybill.throttle"
NAMESPACE = "waybill"
log = logging.getLogger(__name__)


def _fail_open(function):
    """If the counters cannot be reached (Redis down), let the request through and say so in the log.

    Signing in must not become impossible for everyone because the counters are: the limits are a
    brake on guessing, and the passwords (argon2) still have to be guessed.
    """
    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except StorageError as error:
            log.error("rate limit counters unreachable, request not limited: %s", error.storage_error)
            return None
    return guarded


@lru_cache(maxsize=64)
def _limits(spec: str) -> tuple[RateLimitItem, ...]:
    """'20 per minute; 100 per hour' -> its limits (parsed once per spelling)."""
    return tuple(parse_many(spec))


@lru_cache(maxsize=64)
def _lock_limit(minutes: int) -> RateLimitItem:
    return parse(f"1 per {minutes} minutes")


def _failure_limit() -> RateLimitItem:
    config = current_app.config
    return _parse_failures(config["WAYBILL_SIGN_IN_MAX_FAILURES"], config["WAYBILL_SIGN_IN_FAILURE_WINDOW_MINUTES"])


@lru_cache(maxsize=64)
def _parse_failures(count: int, minutes: int) -> RateLimitItem:
    return parse(f"{count} per {minutes} minutes")


def _strategy() -> FixedWindowRateLimiter:
    """This app's counter strategy; its storage is made on first use (memory:// starts a timer thread)."""
    app = current_app._get_current_object()
    strategy = app.extensions.get(_EXTENSION)
    if strategy is None:
        uri = app.config["WAYBILL_RATE_LIMIT_STORAGE"] or app.config["REDIS_URL"] or "memory://"
        strategy = app.extensions.setdefault(
            _EXTENSION, FixedWindowRateLimiter(storage_from_string(uri, wrap_exceptions=True)))
    return strategy


def client_address() -> str:
    """The caller's IP address (set ProxyFix's hop count, WAYBILL_PROXY_HOPS, behind a reverse proxy)."""
    return request.remote_addr or ""


def _seconds_until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


@_fail_open
def client_wait(scope: str, limit_key: str) -> int | None:
    """Seconds this client must wait before `scope` accepts it again, or None if it may go on."""
    strategy = _strategy()
    for item in _limits(current_app.config[limit_key]):
        if not strategy.test(item, NAMESPACE, scope, client_address()):
            return _seconds_until(strategy.get_window_stats(item, NAMESPACE, scope, client_address()).reset_time)
    return None


@_fail_open
def take(scope: str, limit_key: str) -> int | None:
    """Count one request of this client against `scope`; the seconds to wait if that was one too many."""
    strategy = _strategy()
    for item in _limits(current_app.config[limit_key]):
        if not strategy.hit(item, NAMESPACE, scope, client_address()):
            return _seconds_until(strategy.get_window_stats(item, NAMESPACE, scope, client_address()).reset_time)
    return None


@_fail_open
def count_client(scope: str, limit_key: str) -> None:
    """Count one request (or one failure) of this client against `scope`'s limits."""
    strategy = _strategy()
    for item in _limits(current_app.config[limit_key]):
        strategy.hit(item, NAMESPACE, scope, client_address())


@_fail_open
def account_locked_for(email: str) -> int | None:
    """Seconds until a locked account accepts sign-ins again, or None if it is not locked."""
    lock = _lock_limit(current_app.config["WAYBILL_SIGN_IN_LOCKOUT_MINUTES"])
    strategy = _strategy()
    if strategy.test(lock, NAMESPACE, "locked", email):
        return None
    return _seconds_until(strategy.get_window_stats(lock, NAMESPACE, "locked", email).reset_time)


@_fail_open
def count_account_failure(email: str) -> int | None:
    """Count a wrong password for `email`; if that reaches the limit, lock it and return the lock's seconds."""
    config = current_app.config
    failures = _failure_limit()
    strategy = _strategy()
    strategy.hit(failures, NAMESPACE, "failures", email)
    if strategy.test(failures, NAMESPACE, "failures", email):
        return None
    # The lock is its own window, starting now: a lockout lasts its full length however the
    # failures that caused it were spread.
    strategy.clear(failures, NAMESPACE, "failures", email)
    lock = _lock_limit(config["WAYBILL_SIGN_IN_LOCKOUT_MINUTES"])
    strategy.hit(lock, NAMESPACE, "locked", email)
    return _seconds_until(strategy.get_window_stats(lock, NAMESPACE, "locked", email).reset_time)


@_fail_open
def forget_account_failures(email: str) -> None:
    """A right password (or an admin's reset) wipes the account's failure count and lock."""
    strategy = _strategy()
    strategy.clear(_failure_limit(), NAMESPACE, "failures", email)
    strategy.clear(_lock_limit(current_app.config["WAYBILL_SIGN_IN_LOCKOUT_MINUTES"]), NAMESPACE, "locked", email)
