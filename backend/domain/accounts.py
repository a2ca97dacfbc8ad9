"""Account rules: who may have an account, how long a password must be, who may set whose password.

The random keys of sign-ins and API tokens are kept only as their SHA-256 digest; making and digesting
them is plain Python, shared by the handlers that write them and the lookups that read them.
"""
from __future__ import annotations

import hashlib
import secrets

from .access import STAFF, Role
from .errors import DomainError

MIN_PASSWORD_LENGTH = 10
TOO_SHORT = f"Passwords need at least {MIN_PASSWORD_LENGTH} characters."
TOKEN_PREFIX = "wb_"


class AccountError(ValueError):
    """An account cannot be created as asked."""


class PasswordRefused(DomainError):
    """A new password cannot be set as asked (the current one is wrong, or the new one too short)."""

    code = "password.invalid"
    status = 422


def check_new_account(email: str, password: str, role: str, customer_id: int | None, warehouse_ids) -> tuple[str, str]:
    """(role, e-mail) as stored; AccountError unless floor staff have a warehouse and customers a customer record."""
    role = Role(role).value
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(TOO_SHORT)
    if role == Role.CUSTOMER.value and customer_id is None:
        raise AccountError("A customer account must be linked to a customer record.")
    if role == Role.FLOOR.value and not warehouse_ids:
        raise AccountError("Floor staff must be assigned to at least one warehouse.")
    return role, email.strip().lower()


def long_enough(password: str) -> bool:
    """True if `password` is as long as a new password must be."""
    return len(password) >= MIN_PASSWORD_LENGTH


def check_new_password(password: str, field: str = "new_password") -> None:
    """PasswordRefused (on `field`) if a new password is too short."""
    if not long_enough(password):
        raise PasswordRefused(TOO_SHORT, field=field)


def may_reset(actor_id: int | None, actor_role: str, target_id: int, target_role: str) -> bool:
    """Who may set whose password: the owner any other staff member; a manager floor staff and drivers."""
    if target_id == actor_id or Role(target_role) not in STAFF:
        return False
    if Role(actor_role) == Role.OWNER:
        return True
    return Role(actor_role) == Role.MANAGER and Role(target_role) in (Role.FLOOR, Role.DRIVER)


def digest(token: str) -> str:
    """SHA-256 of a sign-in's or an API token's key: enough for 256 random bits, and cheap on every request."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_token() -> str:
    """A fresh API token's plain value (shown once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_sign_in_token() -> str:
    """A fresh sign-in's key, carried by its cookies."""
    return secrets.token_urlsafe(32)
