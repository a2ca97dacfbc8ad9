"""CSV imports' records, the lookups their check needs, and the progress of a running import.

An import runs in one long transaction, invisible to others until it commits; its progress must be seen
while it runs. On PostgreSQL the claim and the progress are written on a connection of their own (each
commits at once; the import's transaction touches the row only at its end, so they never wait on each
other). SQLite has one writer at a time and `make run` is one process: there the progress is kept in
this process's memory (live_progress) and the claim is part of the import's own transaction.

Whether an import still has a runner (an import whose server restarted part-way has none, and may be started
again): this process knows the imports it runs (`running_here`, from the thread's start to its end); on
PostgreSQL the run also holds a transaction-scoped advisory lock on the import's id, seen by every process.
"""
from __future__ import annotations

import contextlib
import threading
import time
import weakref

import sqlalchemy as sa

from ..domain.csv_import_job import IMPORTING, QUEUED, CsvImportJob
from .import_tables import csv_imports
from .tables import bins, customers, products, warehouses

_FIELDS = ("kind", "filename", "file_key", "size", "status", "rows", "rows_done", "problem_count", "problems",
           "preview", "report", "failure", "uploaded_by_id", "created_at", "finished_at")
_MEMORY: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # SQLite engine -> {import id: rows done}
_MEMORY_LOCK = threading.Lock()
_RUNNING: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # engine -> {import id: threads running it}
# engine -> {import id: when its run ended in this process}: a page that read the record just before the run
# committed must not call it stalled (its next read shows the end); after the grace, a record a run left
# unfinished (its failure could not be written either) is stalled like any other.
_ENDED_HERE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
ENDED_GRACE_SECONDS = 10.0
# The first key of the advisory locks of CSV imports (the second is the import's id): b"WBci" as an int4.
_ADVISORY_CLASS = 0x57426369


def _job(row) -> CsvImportJob:
    job = CsvImportJob.__new__(CsvImportJob)
    for name in _FIELDS:
        setattr(job, name, getattr(row, name))
    job.id = row.id
    return job


def live_progress(engine, import_id: int) -> int | None:
    """Rows done of a running import kept in memory (SQLite), or None (read the row instead)."""
    with _MEMORY_LOCK:
        return _MEMORY.get(engine, {}).get(import_id)


@contextlib.contextmanager
def running_here(engine, import_id: int):
    """While the block runs, this process counts as running the import (a thread of it is about to, or does)."""
    with _MEMORY_LOCK:
        counts = _RUNNING.setdefault(engine, {})
        counts[import_id] = counts.get(import_id, 0) + 1
    try:
        yield
    finally:
        with _MEMORY_LOCK:
            counts = _RUNNING.get(engine, {})
            counts[import_id] -= 1
            if not counts[import_id]:
                del counts[import_id]
            _ENDED_HERE.setdefault(engine, {})[import_id] = time.monotonic()


def runner_alive(session, import_id: int) -> bool:
    """Whether some process runs the import, or this one ran it to its end (read only: takes no lock)."""
    engine = session.get_bind()
    with _MEMORY_LOCK:
        ended = _ENDED_HERE.get(engine, {}).get(import_id)
        if _RUNNING.get(engine, {}).get(import_id) or (
                ended is not None and time.monotonic() - ended < ENDED_GRACE_SECONDS):
            return True
    if engine.dialect.name == "sqlite":
        return False  # SQLite is served by one process (make run): what it does not run, no one runs
    held = sa.text("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = :class AND objid = :id "
                   "AND objsubid = 2 AND granted")
    return session.execute(held, {"class": _ADVISORY_CLASS, "id": import_id}).first() is not None


class ImportRepository:
    """Records of uploaded CSV files (plain Core rows)."""

    def __init__(self, session):
        self.session = session

    def _engine(self):
        return self.session.get_bind()

    def add(self, job: CsvImportJob) -> None:
        """Store a new record; it takes its id now."""
        job.id = self.session.execute(sa.insert(csv_imports).values(
            {name: getattr(job, name) for name in _FIELDS}).returning(csv_imports.c.id)).scalar_one()

    def get(self, import_id: int, *, for_update: bool = False) -> CsvImportJob | None:
        """One record, locked if asked."""
        query = sa.select(csv_imports).where(csv_imports.c.id == import_id)
        row = self.session.execute(query.with_for_update() if for_update else query).first()
        return _job(row) if row is not None else None

    def save(self, job: CsvImportJob) -> None:
        """Write the record's fields."""
        self.session.execute(sa.update(csv_imports).where(csv_imports.c.id == job.id).values(
            {name: getattr(job, name) for name in _FIELDS}))
        with _MEMORY_LOCK:
            _MEMORY.get(self._engine(), {}).pop(job.id, None)

    def take_run(self, import_id: int) -> bool:
        """Become the import's one runner until this transaction ends; False if a live one runs it elsewhere.

        On SQLite the import's write transaction is itself exclusive, and a crash ends it: there is nothing
        more to hold.
        """
        if self._engine().dialect.name == "sqlite":
            return True
        taken = sa.text("SELECT pg_try_advisory_xact_lock(CAST(:class AS int4), CAST(:id AS int4))")
        return bool(self.session.execute(taken, {"class": _ADVISORY_CLASS, "id": import_id}).scalar())

    def run_elsewhere(self, import_id: int) -> bool:
        """Whether another thread or process runs the import now (on PostgreSQL, this transaction then holds the
        run's lock, so none can start until it ends)."""
        with _MEMORY_LOCK:
            if _RUNNING.get(self._engine(), {}).get(import_id):
                return True
        return not self.take_run(import_id)

    def claim(self, import_id: int) -> bool:
        """Mark a queued import as importing, visible at once; False if another run claimed it first."""
        claim = sa.update(csv_imports).where(csv_imports.c.id == import_id, csv_imports.c.status == QUEUED) \
            .values(status=IMPORTING)
        engine = self._engine()
        if engine.dialect.name == "sqlite":
            with _MEMORY_LOCK:
                _MEMORY.setdefault(engine, {})[import_id] = 0
            return self.session.execute(claim).rowcount == 1
        with engine.begin() as connection:
            return connection.execute(claim).rowcount == 1

    def report_progress(self, import_id: int, rows_done: int) -> None:
        """How far the running import is, for the page that polls it."""
        engine = self._engine()
        if engine.dialect.name == "sqlite":
            with _MEMORY_LOCK:
                _MEMORY.setdefault(engine, {})[import_id] = rows_done
            return
        with engine.begin() as connection:
            connection.execute(sa.update(csv_imports).where(csv_imports.c.id == import_id)
                               .values(rows_done=rows_done))

    def warehouses_by_code(self) -> dict[str, int]:
        """Active warehouses' ids by code."""
        rows = self.session.execute(sa.select(warehouses.c.code, warehouses.c.id)
                                    .where(warehouses.c.active.is_(True)))
        return {code: warehouse_id for code, warehouse_id in rows}

    def bins(self) -> dict[tuple[int, str], int]:
        """Every bin's id by (warehouse id, code)."""
        rows = self.session.execute(sa.select(bins.c.warehouse_id, bins.c.code, bins.c.id))
        return {(warehouse_id, code): bin_id for warehouse_id, code, bin_id in rows}

    def customer_ids(self, emails) -> dict[str, int]:
        """Customers' ids by e-mail (stored lower-case), for those of these e-mails that are known."""
        emails = list({email.lower() for email in emails})
        if not emails:
            return {}
        rows = self.session.execute(sa.select(customers.c.email, customers.c.id).where(customers.c.email.in_(emails)))
        return {email: customer_id for email, customer_id in rows}

    def existing_skus(self, skus) -> set[str]:
        """Which of these SKUs are in the catalogue (active or not)."""
        skus = list(set(skus))
        if not skus:
            return set()
        return set(self.session.execute(sa.select(products.c.sku).where(products.c.sku.in_(skus))).scalars())
