"""The change feed behind sync pull: committed domain events after a cursor, never skipping one.

PostgreSQL hands out ids at insert, and transactions commit in another order, so "id > cursor" could
step over a row whose transaction commits later. Each event therefore carries its transaction id,
and a pull returns only events of transactions older than the oldest one still running
(pg_snapshot_xmin), ordered by (transaction id, id): anything not returned yet can only sort after
the cursor. SQLite has one writer at a time, so ids are commit order there and the id is enough.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..adapters.records import OutboxEvent

CURSOR = re.compile(r"^(\d{1,19})-(\d{1,19})$")
START = (0, 0)


@dataclass(frozen=True)
class ChangePage:
    """Events after a cursor, the cursor to ask from next, and whether more are already waiting."""

    events: list
    cursor: str
    has_more: bool


def parse_cursor(text: str | None) -> tuple[int, int] | None:
    """'txid-id' -> (txid, id); None when the text is not a cursor this server issued."""
    match = CURSOR.match(text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def format_cursor(position: tuple[int, int]) -> str:
    """(txid, id) -> the opaque cursor string phones keep."""
    return f"{position[0]}-{position[1]}"


def _ordering(session):
    """(sort key columns, visibility condition) for this database."""
    table = OutboxEvent.__table__
    if session.get_bind().dialect.name == "postgresql":
        watermark = sa.text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return (table.c.txid, table.c.id), table.c.txid < watermark
    return (sa.literal(0, sa.BigInteger), table.c.id), sa.true()


def changes_after(session, position: tuple[int, int], limit: int) -> ChangePage:
    """Up to `limit` committed events after `position`, in commit-safe order."""
    table = OutboxEvent.__table__
    (tx, row_id), visible = _ordering(session)
    rows = session.execute(
        sa.select(table, tx.label("sort_tx")).where(visible, sa.tuple_(tx, row_id) > sa.tuple_(*position))
        .order_by(tx, row_id).limit(limit + 1)).mappings().all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = (rows[-1]["sort_tx"], rows[-1]["id"]) if rows else position
    return ChangePage(list(rows), format_cursor(last), has_more)


def head(session) -> str:
    """The cursor of the newest event visible now (where a fresh snapshot's client starts)."""
    (tx, row_id), visible = _ordering(session)
    row = session.execute(sa.select(tx, row_id).where(visible).order_by(tx.desc(), row_id.desc()).limit(1)).first()
    return format_cursor(tuple(row) if row else START)
