"""User accounts: the handlers that create one, set passwords, issue and revoke API tokens, start and end sign-ins.

Checking a password a person types (with its lockout) happens before these, in backend/sign_in.py; what
is written here is the change that follows. A new password is hashed before the first statement of the
transaction, so the slow hash never runs while a write lock is held.
"""
from __future__ import annotations

from typing import Any

from ..domain import commands
from ..domain.access import STAFF, Actor, Role, require_role
from ..domain.accounts import (AccountError, check_new_account, check_new_password, digest, long_enough, may_reset,
                               new_api_token, new_sign_in_token)
from ..domain.errors import Forbidden, NotFound
from ..domain.events import utcnow
from .settings import Settings
from .unit_of_work import UnitOfWork


def create_user(cmd: commands.CreateUser, actor: Actor, uow: UnitOfWork, settings: Settings) -> Any:
    """Open an active account; floor staff need at least one warehouse, customers a customer record."""
    require_role(actor, Role.OWNER)
    role, email = check_new_account(cmd.email, cmd.password, cmd.role, cmd.customer_id, cmd.warehouse_ids)
    password_hash = settings.passwords.hash(cmd.password)
    if uow.accounts.user_by_email(email) is not None:
        raise AccountError(f"{email} already has an account.")
    if any(uow.catalogue.warehouse(wid) is None for wid in cmd.warehouse_ids):
        raise AccountError("Unknown warehouse id.")
    user = uow.accounts.add_user(email=email, name=cmd.name or email.split("@")[0].title(),
                                 password_hash=password_hash, role=role, customer_id=cmd.customer_id,
                                 warehouse_ids=cmd.warehouse_ids)
    uow.commit()
    return user


def change_password(cmd: commands.ChangePassword, actor: Actor, uow: UnitOfWork, settings: Settings) -> None:
    """Set the actor's new password; all their sign-ins end, their API tokens stay.

    API tokens stay because they are named, listed and revoked one by one (integrations would break on
    every routine change); a reset by the owner, for a suspected break-in, revokes them too.
    """
    check_new_password(cmd.new_password)
    password_hash = settings.passwords.hash(cmd.new_password)
    user = _own_account(actor, uow)
    uow.accounts.set_password(user, password_hash, utcnow(), revoke_tokens=False)
    uow.accounts.add_security_event("password.changed", user_id=user.id, email=user.email, client_ip=cmd.client_ip)
    uow.commit()


def reset_password(cmd: commands.ResetPassword, actor: Actor, uow: UnitOfWork, settings: Settings) -> Any:
    """The owner (or a manager, for floor staff and drivers) sets a staff member's new password.

    Every sign-in and API token of that person ends. Returns the staff member (the caller lifts a lockout
    on their e-mail).
    """
    # Hashed first (before any read takes a lock), but refused in the order a person expects: who, then how.
    password_hash = settings.passwords.hash(cmd.new_password) if long_enough(cmd.new_password) else None
    target = uow.accounts.user(cmd.user_id)
    if target is None or Role(target.role) not in STAFF:
        raise NotFound("No such staff member.")
    if not may_reset(actor.user_id, actor.role, target.id, target.role):
        raise Forbidden("Change your own password under Account: it asks for your current one."
                        if target.id == actor.user_id else "Only the owner can set a manager's or an owner's password.")
    check_new_password(cmd.new_password, "password")
    uow.accounts.set_password(target, password_hash, utcnow(), revoke_tokens=True)
    uow.accounts.add_security_event("password.reset", user_id=target.id, email=target.email, actor_id=actor.user_id,
                                    client_ip=cmd.client_ip)
    uow.commit()
    return target


def issue_api_token(cmd: commands.IssueApiToken, actor: Actor, uow: UnitOfWork, settings: Settings) -> tuple[Any, str]:
    """Give the actor a new API token: (its row, its plain value, shown once and never stored)."""
    plain = new_api_token()
    token = uow.accounts.add_token(user_id=_signed_in(actor), name=cmd.name, token_hash=digest(plain), now=utcnow())
    uow.commit()
    return token, plain


def revoke_api_token(cmd: commands.RevokeApiToken, actor: Actor, uow: UnitOfWork, settings: Settings) -> bool:
    """Revoke one of the actor's tokens (it stops working at once); False if they hold no such token."""
    token = uow.accounts.token(cmd.token_id)
    if token is None or token.user_id != _signed_in(actor):
        return False
    if token.revoked_at is None:
        uow.accounts.revoke_token(token.id, utcnow())
        uow.commit()
    return True


def start_sign_in(cmd: commands.StartSignIn, actor: Actor, uow: UnitOfWork, settings: Settings) -> str:
    """Start a server-side sign-in for the actor; returns its plain key (the caller puts it in the cookies)."""
    token, now = new_sign_in_token(), utcnow()
    uow.accounts.add_sign_in(user_id=_signed_in(actor), token_hash=digest(token), remember=cmd.remember,
                             user_agent=cmd.user_agent[:200], now=now, expires_at=now + cmd.lifetime)
    uow.commit()
    return token


def end_sign_in(cmd: commands.EndSignIn, actor: Actor, uow: UnitOfWork, settings: Settings) -> None:
    """End one of the actor's sign-ins (sign-out): its cookies, wherever copied, stop working."""
    if not cmd.token:
        return
    uow.accounts.end_sign_in(_signed_in(actor), digest(cmd.token), utcnow())
    uow.commit()


def end_all_sign_ins(cmd: commands.EndAllSignIns, actor: Actor, uow: UnitOfWork, settings: Settings) -> int:
    """End every sign-in of the actor ("sign out everywhere"), noted in the security log; how many ended."""
    user = _own_account(actor, uow)
    count = uow.accounts.end_sign_ins(user.id, utcnow())
    uow.accounts.add_security_event("sessions.revoked", user_id=user.id, email=user.email, client_ip=cmd.client_ip)
    uow.commit()
    return count


def _signed_in(actor: Actor) -> int:
    if actor.user_id is None:
        raise Forbidden("Sign in first.")
    return actor.user_id


def _own_account(actor: Actor, uow: UnitOfWork) -> Any:
    user = uow.accounts.user(_signed_in(actor))
    if user is None:
        raise NotFound("No such account.")
    return user
