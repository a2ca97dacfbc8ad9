"""Checking a password where a person proves who they are: sign-in (page and API) and password change.

Every wrong password counts against the account (whatever client sends it) and against the client
(whatever account it tries); too many lock the account for a while, with a row in the security log.
While locked, even the right password is refused, so guessing on cannot find it.
"""
from __future__ import annotations

import math

import sqlalchemy as sa

from . import throttle
from .adapters.records import User
from .adapters.sqlite import fresh_write
from .extensions import db
from .passwords import verify_password
from .security_log import record_event

WRONG_CREDENTIALS = "Wrong e-mail or password."
_CLIENT_LIMIT = "WAYBILL_SIGN_IN_CLIENT_LIMIT"


class SignInRefused(Exception):
    """The password was not checked or did not match; `retry_after` is set when it is a pause, not a miss."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def locked_message(seconds: int) -> str:
    """What a person reads when their account is paused after too many wrong passwords."""
    return (f"Too many wrong passwords for this account, so signing in is paused for {_minutes(seconds)}. "
            "Try again then, or ask the shop's owner to set you a new password.")


def busy_client_message(seconds: int) -> str:
    """What a person reads when this device has tried too many wrong passwords."""
    return f"Too many wrong passwords from this device. Please wait {_minutes(seconds)} and try again."


def check_password_of(user: User | None, email: str, password: str) -> bool:
    """True if `password` is right for `user`; counts a miss; raises SignInRefused while paused or on the lock."""
    email = email.strip().lower()
    wait = throttle.client_wait("sign_in", _CLIENT_LIMIT)
    if wait:
        raise SignInRefused(busy_client_message(wait), wait)
    wait = throttle.account_locked_for(email)
    if wait:  # the password is not even checked: the right one must not get through a lock
        raise SignInRefused(locked_message(wait), wait)
    if verify_password(user, password):
        throttle.forget_account_failures(email)
        return True
    throttle.count_client("sign_in", _CLIENT_LIMIT)
    locked = throttle.count_account_failure(email)
    user_id = user.id if user is not None else None
    record_event("sign_in.failed", user_id=user_id, email=email)
    if locked:
        record_event("sign_in.locked", user_id=user_id, email=email)
        raise SignInRefused(locked_message(locked), locked)
    return False


def authenticate(email: str, password: str) -> User:
    """The active user with this e-mail and password; SignInRefused otherwise (same words for any miss)."""
    email = email.strip().lower()
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    if not check_password_of(user, email, password) or not user.active:
        raise SignInRefused(WRONG_CREDENTIALS)
    _keep_rehash(user)
    return user


def _keep_rehash(user: User) -> None:
    """Store the hash a right password was rehashed to (stronger parameters), in a write transaction of its own.

    The user was read in a read transaction, and the rehash takes a while: committing the change there would
    upgrade that transaction to a write, which SQLite refuses at once ("database is locked") if any other
    writer committed meanwhile. A write transaction begun for it queues for its turn instead.
    """
    user_id, new_hash = user.id, user.password_hash
    if not sa.inspect(user).attrs.password_hash.history.has_changes():
        db.session.commit()  # ends the read transaction; nothing to write
        return
    with fresh_write(db.session) as session:  # ends the read transaction (the object is read again after)
        session.execute(sa.update(User).where(User.id == user_id).values(password_hash=new_hash))
        session.commit()
