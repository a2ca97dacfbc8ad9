"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile by default)."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


@lru_cache(maxsize=2)
def _hasher_for(fast: bool) -> PasswordHasher:
    # The fast profile exists for test suites only: it keeps argon2 but makes each hash ~1 ms.
    return PasswordHasher.from_parameters(profiles.CHEAPEST) if fast else PasswordHasher()


def _fast() -> bool:
    return bool(has_app_context() and current_app.config.get("WAYBILL_FAST_PASSWORD_HASH", False))


def _hasher() -> PasswordHasher:
    return _hasher_for(_fast())


def hash_password(plain: str) -> str:
    """An argon2id hash of `plain`, salted."""
    return _hasher().hash(plain)


@lru_cache(maxsize=2)
def _dummy_hash(fast: bool) -> str:
    return _hasher_for(fast).hash("no user has this password")


def verify_password(user, plain: str) -> bool:
    """True if `plain` matches; rehashes transparently when parameters were strengthened."""
    hasher = _hasher()
    if user is None:
        # Spend the same time as a real check so response times do not reveal which e-mails exist.
        try:
            hasher.verify(_dummy_hash(_fast()), plain)
        except VerificationError:
            pass
        return False
    try:
        hasher.verify(user.password_hash, plain)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(plain)
    return True


class Argon2Passwords:
    """The handlers' password hasher (services/ports.PasswordHasher): argon2id, as configured for the app."""

    def hash(self, plain: str) -> str:
        """An argon2id hash of `plain`, salted."""
        return hash_password(plain)
