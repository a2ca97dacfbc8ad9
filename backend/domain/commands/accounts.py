"""Commands of user accounts: creating one, passwords, API tokens and sign-ins.

The person acting is the bus's actor: a password change, a token or a sign-in is always the actor's own.
`client_ip` is what the security log records of where a change came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class CreateUser:
    """The CLI or the demo loader opens an account (floor staff with their warehouses)."""

    email: str
    password: str = field(repr=False)
    role: str
    name: str = ""
    customer_id: int | None = None
    warehouse_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ChangePassword:
    """A signed-in person, who has just proved their current password, sets a new one."""

    new_password: str = field(repr=False)
    client_ip: str = ""


@dataclass(frozen=True)
class ResetPassword:
    """The owner (or a manager) sets a staff member's new password."""

    user_id: int
    new_password: str = field(repr=False)
    client_ip: str = ""


@dataclass(frozen=True)
class IssueApiToken:
    """A person who has just proved their password takes a bearer token for the API."""

    name: str = ""


@dataclass(frozen=True)
class RevokeApiToken:
    """A person revokes one of their API tokens."""

    token_id: int


@dataclass(frozen=True)
class StartSignIn:
    """A person who has just proved their password signs a browser in for `lifetime` without use."""

    remember: bool
    lifetime: timedelta
    user_agent: str = ""


@dataclass(frozen=True)
class EndSignIn:
    """A person signs one browser out (the sign-in whose key its cookies carry)."""

    token: str = field(repr=False)


@dataclass(frozen=True)
class EndAllSignIns:
    """A person signs out on every browser at once."""

    client_ip: str = ""
