"""API tokens in the database: issuing one, finding the holder of one, noting its use, listing, revoking.

The plain value of a token is shown once and never stored; the database keeps its SHA-256. The lookup and
the usage note run on every API call (`edge.authentication.authenticate`), so they are kept narrow.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from .adapters.precompiled import Precompiled
from .adapters.records import ApiToken, User, user_warehouses
from .adapters.sqlite import begin_write, fresh_write
from .domain.events import utcnow
from .extensions import db

TOKEN_PREFIX = "wb_"
TOKEN_USE_GRANULARITY = timedelta(minutes=5)


def hash_token(token: str) -> str:
    """SHA-256 of a token: enough for 256 random bits, and cheap on every request."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user`; the plain value is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user_id = user.id
    with fresh_write(db.session) as session:
        token = ApiToken(user_id=user_id, name=name, token_hash=hash_token(plain))
        session.add(token)
        session.commit()
    return token, plain


# Runs on every API call: compiled once, executed in the session's transaction (adapters/precompiled.py).
_TOKEN_LOOKUP = Precompiled(
    sa.select(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, User.id.label("user_id"), User.role,
              User.customer_id, User.active)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash", type_=sa.String)))


def token_holder(plain: str, *, for_write: bool):
    """The token's row joined to its user (id, revoked_at, last_used_at, user_id, role, customer_id, active).

    None for a token never issued. One narrow query that selects columns, not ORM objects. For a write
    request the write transaction begins first, so the lookup and the change share one transaction.
    """
    if for_write:
        begin_write(db.session)
    rows = _TOKEN_LOOKUP.run(db.session, {"token_hash": hash_token(plain)})
    return rows[0] if rows else None


def warehouses_of(user_id: int) -> frozenset[int]:
    """The warehouses a floor staff member works in (what scopes their API calls)."""
    return frozenset(db.session.execute(
        sa.select(user_warehouses.c.warehouse_id).where(user_warehouses.c.user_id == user_id)).scalars())


def note_token_use(token_id: int, last_used_at: datetime | None) -> None:
    """Record when a token was last used, at most every few minutes (not a write per request)."""
    now = utcnow()
    if last_used_at is None or now - last_used_at > TOKEN_USE_GRANULARITY:
        try:
            with fresh_write(db.session) as session:
                session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
                session.commit()
        except OperationalError:  # a usage note is not worth failing the request over (e.g. a busy SQLite)
            db.session.rollback()


def tokens_of(user_id: int) -> list[ApiToken]:
    """A user's tokens, oldest first (their hashes are never shown)."""
    return list(db.session.execute(sa.select(ApiToken).where(ApiToken.user_id == user_id)
                                   .order_by(ApiToken.id)).scalars())


def revoke_token(user_id: int, token_id: int) -> bool:
    """Revoke one of the user's tokens (it stops working at once); False if they hold no such token."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        return False
    if token.revoked_at is None:
        with fresh_write(db.session) as session:
            session.execute(sa.update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                            .values(revoked_at=utcnow()))
            session.commit()
    return True
