"""User accounts as the pages read them: who works here, who may set whose password, and the proof of a
current password that a password change asks for.

Creating accounts and setting passwords are commands (CreateUser, ChangePassword, ResetPassword;
services/accounts.py), hashed with argon2 through the wiring's password hasher (backend/passwords.py).
"""
from __future__ import annotations

import sqlalchemy as sa

from .adapters.records import User
from .domain.access import Role
from .domain.accounts import PasswordRefused, may_reset
from .extensions import db
from .sign_in import check_password_of


def confirm_current_password(user: User, current: str) -> None:
    """PasswordRefused unless `current` is the user's password; a miss counts like a wrong sign-in.

    SignInRefused while the account or this client is paused after too many wrong passwords.
    """
    if not check_password_of(user, user.email, current):
        raise PasswordRefused("That is not your current password.", field="current_password")


def can_reset(actor: User, target: User) -> bool:
    """Who may set whose password: the owner any other staff member; a manager floor staff and drivers."""
    return may_reset(actor.id, actor.role, target.id, target.role)


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
