"""Password hashing with argon2 (argon2-cffi's recommended parameters)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(plain: str) -> str:
    """An argon2id hash of `plain`, salted."""
    return _hasher.hash(plain)


_DUMMY_HASH = _hasher.hash("no user has this password")


def verify_password(user, plain: str) -> bool:
    """True if `plain` matches; rehashes transparently when parameters were strengthened."""
    if user is None:
        # Spend the same time as a real check so response times do not reveal which e-mails exist.
        try:
            _hasher.verify(_DUMMY_HASH, plain)
        except VerificationError:
            pass
        return False
    try:
        _hasher.verify(user.password_hash, plain)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(plain)
    return True
