"""Reads of CSV imports: one import with its live progress, and the latest ones."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.import_repository import live_progress, runner_alive
from ..adapters.import_tables import csv_imports


def _as_dict(session, row) -> dict:
    found = dict(row._mapping)
    running = live_progress(session.get_bind(), found["id"])
    if running is not None and found["status"] in ("queued", "importing"):
        found["status"], found["rows_done"] = "importing", running
    # Waiting or importing with no one running it: its server stopped part-way (nothing of it was written).
    found["stalled"] = found["status"] in ("queued", "importing") and not runner_alive(session, found["id"])
    return found


def csv_import(session, import_id: int) -> dict | None:
    """One import: its status, rows, problems, preview, progress and report."""
    row = session.execute(sa.select(csv_imports).where(csv_imports.c.id == import_id)).first()
    return _as_dict(session, row) if row is not None else None


def recent_csv_imports(session, limit: int = 10) -> list[dict]:
    """The latest imports, newest first (without their problem lists)."""
    rows = session.execute(sa.select(csv_imports).order_by(csv_imports.c.id.desc()).limit(limit))
    return [_as_dict(session, row) for row in rows]
