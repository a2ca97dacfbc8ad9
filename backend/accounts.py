"""User accounts: creating them (CLI and demo data), changing and resetting passwords (argon2 hashes)."""
from __future__ import annotations

import sqlalchemy as sa

from . import throttle
from .adapters.records import ApiToken, User, UserSession, UserWarehouse
from .adapters.tables import warehouses
from .adapters.sqlite import fresh_write
from .domain.access import STAFF, Role
from .domain.errors import DomainError, Forbidden, NotFound
from .domain.events import utcnow
from .extensions import db
from .passwords import hash_password
from .security_log import add_event
from .sign_in import check_password_of

MIN_PASSWORD_LENGTH = 10
TOO_SHORT = f"Passwords need at least {MIN_PASSWORD_LENGTH} characters."


class AccountError(ValueError):
    """An account cannot be created as asked."""


class PasswordRefused(DomainError):
    """A new password cannot be set as asked (the current one is wrong, or the new one too short)."""

    code = "password.invalid"
    status = 422


def create_user(email: str, password: str, role: str, *, name: str = "", customer_id: int | None = None,
                warehouse_ids=()) -> User:
    """Create an active user; floor staff need at least one warehouse, customers a customer record."""
    role = Role(role).value
    email = email.strip().lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(TOO_SHORT)
    if role == Role.CUSTOMER.value and customer_id is None:
        raise AccountError("A customer account must be linked to a customer record.")
    if role == Role.FLOOR.value and not warehouse_ids:
        raise AccountError("Floor staff must be assigned to at least one warehouse.")
    password_hash = hash_password(password)  # slow on purpose: done before the write lock is taken
    with fresh_write(db.session) as session:
        if session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none():
            raise AccountError(f"{email} already has an account.")
        user = User(email=email, name=name or email.split("@")[0].title(), password_hash=password_hash,
                    role=role, customer_id=customer_id, active=True)
        known = set(session.execute(sa.select(warehouses.c.id).where(warehouses.c.id.in_(list(warehouse_ids))))
                    .scalars())
        if known != set(warehouse_ids):
            raise AccountError("Unknown warehouse id.")
        user.warehouse_links = [UserWarehouse(warehouse_id=wid) for wid in sorted(known)]
        session.add(user)
        session.commit()
    return user


def _check_new(password: str, field: str = "new_password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRefused(TOO_SHORT, field=field)


def _set_password(session, user_id: int, password_hash: str, *, revoke_tokens: bool) -> None:
    """Store a new hash and end every sign-in of the user (and, on a reset, every API token)."""
    now = utcnow()
    session.execute(sa.update(User).where(User.id == user_id).values(password_hash=password_hash))
    session.execute(sa.update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
                    .values(revoked_at=now))
    if revoke_tokens:
        session.execute(sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                        .values(revoked_at=now))


def change_password(user: User, current: str, new: str) -> None:
    """A signed-in person sets a new password; all their sign-ins end, their API tokens stay.

    The caller signs this browser in again (a new session token). API tokens stay because they are
    named, listed and revoked one by one (integrations would break on every routine change); a
    reset by the owner, for a suspected break-in, revokes them too.
    """
    if not check_password_of(user, user.email, current):  # a miss counts like a wrong sign-in
        raise PasswordRefused("That is not your current password.", field="current_password")
    _check_new(new)
    password_hash = hash_password(new)
    with fresh_write(db.session) as session:
        _set_password(session, user.id, password_hash, revoke_tokens=False)
        add_event(session, "password.changed", user_id=user.id, email=user.email)
        session.commit()
    user.password_hash = password_hash


def can_reset(actor: User, target: User) -> bool:
    """Who may set whose password: the owner any other staff member; a manager floor staff and drivers."""
    if target.id == actor.id or Role(target.role) not in STAFF:
        return False
    if actor.role == Role.OWNER.value:
        return True
    return actor.role == Role.MANAGER.value and target.role in (Role.FLOOR.value, Role.DRIVER.value)


def user_by_id(user_id: int) -> User | None:
    """The account with this id, or None."""
    return db.session.get(User, user_id)


def staff_members() -> list[User]:
    """Everyone who works for the shop (not customers), by role then e-mail."""
    roles = [r.value for r in (Role.OWNER, Role.MANAGER, Role.FLOOR, Role.DRIVER)]
    return list(db.session.execute(sa.select(User).where(User.role.in_(roles))
                                   .order_by(sa.case({r: i for i, r in enumerate(roles)}, value=User.role),
                                             User.email)).scalars())


def resettable_member(actor: User, user_id: int) -> User | None:
    """The staff member `actor` may set a new password for, or None (no such person, or not theirs to reset)."""
    member = db.session.get(User, user_id)
    return member if member is not None and can_reset(actor, member) else None


def reset_password(actor: User, target_id: int, new: str) -> User:
    """The owner (or a manager, for floor staff and drivers) sets a staff member's new password.

    Every sign-in and API token of that person ends, and a lockout on the account is lifted.
    """
    target = db.session.get(User, target_id)
    if target is None or Role(target.role) not in STAFF:
        raise NotFound("No such staff member.")
    if not can_reset(actor, target):
        raise Forbidden("Change your own password under Account: it asks for your current one."
                        if target.id == actor.id else "Only the owner can set a manager's or an owner's password.")
    _check_new(new, "password")
    password_hash = hash_password(new)
    email, actor_id = target.email, actor.id
    with fresh_write(db.session) as session:
        _set_password(session, target_id, password_hash, revoke_tokens=True)
        add_event(session, "password.reset", user_id=target_id, email=email, actor_id=actor_id)
        session.commit()
    throttle.forget_account_failures(email)
    return target
