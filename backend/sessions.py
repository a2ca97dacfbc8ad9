"""Server-side sign-in sessions: each sign-in is a row, and its cookies carry only a random token.

Flask-Login keeps `User.get_id()` in the session cookie and the remember cookie; here that is the
sign-in's own token (its documented "alternative tokens" pattern), looked up on every request by
`load_user` in one indexed query. Revoking the row ends every copy of those cookies at once.

Starting and ending sign-ins are commands (StartSignIn, EndSignIn, EndAllSignIns; services/accounts.py);
what is here builds the command for this browser, gives it its cookies, and reads the sign-ins.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request
from flask_login import login_user
from sqlalchemy.exc import OperationalError

from .adapters.records import User, UserSession
from .adapters.sqlite import fresh_write
from .domain import commands
from .domain.accounts import digest
from .domain.events import utcnow
from .extensions import db

# last_seen_at (and the idle expiry it moves) is written at most this often per sign-in, not per request.
TOUCH_GRANULARITY = timedelta(minutes=5)
_TOUCH_DUE = "waybill_session_touch"


def _lifetime(remember: bool) -> timedelta:
    """How long a sign-in lives without being used: a remembered one as long as its cookie."""
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else timedelta(hours=config["WAYBILL_SESSION_HOURS"])


def start_sign_in(*, remember: bool) -> commands.StartSignIn:
    """The command that signs this browser in: its user agent, and how long the sign-in lives unused."""
    return commands.StartSignIn(remember=remember, lifetime=_lifetime(remember),
                                user_agent=(request.headers.get("User-Agent") or "")[:200])


def log_in(user: User, token: str, *, remember: bool) -> None:
    """Give this browser the cookies of the sign-in whose key is `token` (StartSignIn's answer)."""
    user.session_token = token
    login_user(user, remember=remember)


# Runs on every request with a session cookie: built once, bound per call (one indexed lookup).
_LIVE_SIGN_IN = (
    sa.select(User, UserSession.id, UserSession.last_seen_at, UserSession.remember)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token_hash == sa.bindparam("token_hash"), UserSession.revoked_at.is_(None),
           UserSession.expires_at > sa.bindparam("now"), User.active.is_(True)))


def load_user(token: str) -> User | None:
    """Flask-Login's user loader: the user of a live sign-in (not revoked, not expired, user active)."""
    now = utcnow()
    row = db.session.execute(_LIVE_SIGN_IN, {"token_hash": digest(token), "now": now}).first()
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
    # Not a command through the bus, like tokens.note_token_use: bookkeeping after any signed-in request,
    # at most every few minutes, that must never fail the response it follows.
    try:
        # After the view: whatever it left uncommitted is discarded at teardown anyway.
        with fresh_write(db.session) as session:
            session.execute(sa.update(UserSession).where(UserSession.id == session_id)
                            .values(last_seen_at=now, expires_at=now + _lifetime(remember)))
            session.commit()
    except OperationalError:  # a usage note is not worth failing the request over (e.g. a busy SQLite)
        db.session.rollback()
    return response


def current_remember(token: str | None) -> bool:
    """Whether the sign-in behind `token` was a remembered one (kept across a rotation)."""
    if not token:
        return False
    return bool(db.session.execute(sa.select(UserSession.remember)
                                   .where(UserSession.token_hash == digest(token))).scalar())


def live_sessions(user_id: int) -> list[UserSession]:
    """A user's sign-ins that still work, newest first (the account page lists them)."""
    return list(db.session.execute(
        sa.select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None),
                                     UserSession.expires_at > utcnow())
        .order_by(UserSession.last_seen_at.desc())).scalars())


def is_current(row: UserSession, token: str | None) -> bool:
    """True if `row` is the sign-in of this browser."""
    return bool(token) and row.token_hash == digest(token)
