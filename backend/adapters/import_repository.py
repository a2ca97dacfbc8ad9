"""CSV imports' records, the lookups their check needs, and the progress of a running import.

An import runs in one long transaction, invisible to others until it commits; its progress must be seen
while it runs. On PostgreSQL the claim and the progress are written on a connection of their own (each
commits at once; the import's transaction touches the row only at its end, so they never wait on each
other). SQLite has one writer at a time and `make run` is one process: there the progress is kept in
this process's memory (live_progress) and the claim is part of the import's own transaction.
"""
from __future__ import annotations

import threading
import weakref

import sqlalchemy as sa

from ..domain.csv_import_job import IMPORTING, QUEUED, CsvImportJob
from .import_tables import csv_imports
from .tables import bins, customers, products, warehouses

_FIELDS = ("kind", "filename", "file_key", "size", "status", "rows", "rows_done", "problem_count", "problems",
           "preview", "report", "failure", "uploaded_by_id", "created_at", "finished_at")
_MEMORY: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # SQLite engine -> {import id: rows done}
_MEMORY_LOCK = threading.Lock()


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
