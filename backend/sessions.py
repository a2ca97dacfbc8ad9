"""Server-side sign-in sessions: each sign-in is a row, and its cookies carry only a random token.

Flask-Login keeps `User.get_id()` in the session cookie and the remember cookie; here that is the
sign-in's own token (its documented "alternative tokens" pattern), looked up on every request by
`load_user` in one indexed query. Revoking the row ends every copy of those cookies at once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request
from flask_login import login_user
from sqlalchemy.exc import OperationalError

from .adapters.records import User, UserSession
from .adapters.sqlite import fresh_write
from .domain.events import utcnow
from .extensions import db
from .security_log import add_event

# last_seen_at (and the idle expiry it moves) is written at most this often per sign-in, not per request.
TOUCH_GRANULARITY = timedelta(minutes=5)
_TOUCH_DUE = "waybill_session_touch"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime(remember: bool) -> timedelta:
    """How long a sign-in lives without being used: a remembered one as long as its cookie."""
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else timedelta(hours=config["WAYBILL_SESSION_HOURS"])


def sign_in_user(user: User, *, remember: bool) -> str:
    """Start a new server session for `user` and give this browser its cookies; returns the plain token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    user_agent = (request.headers.get("User-Agent") or "")[:200]
    with fresh_write(db.session) as session:
        session.add(UserSession(user_id=user.id, token_hash=_hash(token), remember=remember,
                                user_agent=user_agent, created_at=now, last_seen_at=now,
                                expires_at=now + _lifetime(remember)))
        session.commit()
    user.session_token = token
    login_user(user, remember=remember)
    return token


# Runs on every request with a session cookie: built once, bound per call (one indexed lookup).
_LIVE_SIGN_IN = (
    sa.select(User, UserSession.id, UserSession.last_seen_at, UserSession.remember)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token_hash == sa.bindparam("token_hash"), UserSession.revoked_at.is_(None),
           UserSession.expires_at > sa.bindparam("now"), User.active.is_(True)))


def load_user(token: str) -> User | None:
    """Flask-Login's user loader: the user of a live sign-in (not revoked, not expired, user active)."""
    now = utcnow()
    row = db.session.execute(_LIVE_SIGN_IN, {"token_hash": _hash(token), "now": now}).first()
    if row is None:
        return None
    user, session_id, last_seen_at, remember = row
    user.session_token = token
    if now - last_seen_at > TOUCH_GRANULARITY:
        g.setdefault(_TOUCH_DUE, (session_id, remember))
    return user


def touch_if_due(response):
    """After the request: note the sign-in was used and push its idle expiry on (every few minutes)."""
    due = g.pop(_TOUCH_DUE, None)
    if due is None:
        return response
    session_id, remember = due
    now = utcnow()
    try:
        # After the view: whatever it left uncommitted is discarded at teardown anyway.
        with fresh_write(db.session) as session:
            session.execute(sa.update(UserSession).where(UserSession.id == session_id)
                            .values(last_seen_at=now, expires_at=now + _lifetime(remember)))
            session.commit()
    except OperationalError:  # a usage note is not worth failing the request over (e.g. a busy SQLite)
        db.session.rollback()
    return response


def end_session(token: str | None) -> None:
    """Revoke one sign-in (sign-out): its cookies, wherever copied, stop working."""
    if not token:
        return
    with fresh_write(db.session) as session:
        session.execute(sa.update(UserSession).where(UserSession.token_hash == _hash(token),
                                                     UserSession.revoked_at.is_(None)).values(revoked_at=utcnow()))
        session.commit()


def end_all_sessions(user: User) -> int:
    """Revoke every sign-in of a user ("sign out everywhere"), noted in the security log."""
    user_id, email = user.id, user.email
    with fresh_write(db.session) as session:
        count = session.execute(sa.update(UserSession).where(UserSession.user_id == user_id,
                                                             UserSession.revoked_at.is_(None))
                                .values(revoked_at=utcnow())).rowcount
        add_event(session, "sessions.revoked", user_id=user_id, email=email)
        session.commit()
    return count


def current_remember(token: str | None) -> bool:
    """Whether the sign-in behind `token` was a remembered one (kept across a rotation)."""
    if not token:
        return False
    return bool(db.session.execute(sa.select(UserSession.remember)
                                   .where(UserSession.token_hash == _hash(token))).scalar())


def live_sessions(user_id: int) -> list[UserSession]:
    """A user's sign-ins that still work, newest first (the account page lists them)."""
    return list(db.session.execute(
        sa.select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None),
                                     UserSession.expires_at > utcnow())
        .order_by(UserSession.last_seen_at.desc())).scalars())


def is_current(row: UserSession, token: str | None) -> bool:
    """True if `row` is the sign-in of this browser."""
    return bool(token) and row.token_hash == _hash(token)
