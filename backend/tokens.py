"""API tokens in the database: finding the holder of one, noting its use, listing them.

Issuing and revoking one are commands (IssueApiToken, RevokeApiToken; services/accounts.py). The plain
value of a token is shown once and never stored; the database keeps its SHA-256. The lookup and the
usage note run on every API call (`edge.authentication.authenticate`), so they are kept narrow.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from .adapters.precompiled import Precompiled
from .adapters.records import ApiToken, User, user_warehouses
from .adapters.sqlite import begin_write, fresh_write
from .domain.accounts import digest
from .domain.events import utcnow
from .extensions import db

TOKEN_USE_GRANULARITY = timedelta(minutes=5)


# Runs on every API call: compiled once, executed in the session's transaction (adapters/precompiled.py).
_TOKEN_LOOKUP = Precompiled(
    sa.select(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, User.id.label("user_id"), User.role,
              User.customer_id, User.active)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash", type_=sa.String)))


def token_holder(plain: str, *, for_write: bool):
    """The token's row joined to its user (id, revoked_at, last_used_at, user_id, role, customer_id, active).

    None for a token never issued. One narrow query that selects columns, not ORM objects. For a write
    request the write is prepared first, so the lookup and the change share one connection (and, where
    the write begins before the lookup, one transaction): see adapters/sqlite.py begin_write.
    """
    if for_write:
        begin_write(db.session)
    rows = _TOKEN_LOOKUP.run(db.session, {"token_hash": digest(plain)}, read_ahead=for_write)
    return rows[0] if rows else None


def warehouses_of(user_id: int) -> frozenset[int]:
    """The warehouses a floor staff member works in (what scopes their API calls)."""
    return frozenset(db.session.execute(
        sa.select(user_warehouses.c.warehouse_id).where(user_warehouses.c.user_id == user_id)).scalars())


def note_token_use(token_id: int, last_used_at: datetime | None) -> None:
    """Record when a token was last used, at most every few minutes (not a write per request).

    Not a command through the bus, on purpose: it runs inside the authentication of every API request
    (bench/intake.py measures them), in the shared edge, which takes no bus; a unit of work there would add
    its setup and commit steps to requests that only read; and a usage note must never fail the request
    (a busy SQLite is shrugged off below), where a handler's errors reach the caller. It is bookkeeping
    about the key, like a sign-in's last-seen time (sessions.touch_if_due), not a change a person asked for.
    """
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
