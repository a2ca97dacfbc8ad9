"""CSV import handlers: check an uploaded file, queue it, and note a failed import.

The file is read as a stream of rows, validated in batches against the catalogue (one query per batch),
so a file of 100,000 rows is checked in constant memory. The import itself is csv_import_run.py.
"""
from __future__ import annotations

import io
from typing import Iterator

from ..domain import commands
from ..domain.access import Actor, Role, require_role
from ..domain.csv_import import (KINDS, ORDERS, CsvFileProblem, ImportedOrder, ImportedStock, RowProblem,
                                 grouped_orders, reader, stock_row)
from ..domain.csv_import_job import IMPORTING, PREVIEW_ROWS, QUEUED, CsvImportJob
from ..domain.errors import DomainError, InvalidOrder, NotFound
from ..domain.events import utcnow
from .settings import Settings
from .unit_of_work import UnitOfWork

BATCH_ROWS = 1000  # rows validated against the catalogue with one query


def open_rows(kind: str, job_file_key: str, settings: Settings) -> Iterator[tuple[int, dict]]:
    """The file's rows as (line, row), read as UTF-8 text a piece at a time."""
    binary = settings.import_files.open(job_file_key)
    with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
        yield from reader(kind, text)


def _order_batches(rows, uow: UnitOfWork) -> Iterator[list[ImportedOrder | RowProblem]]:
    """Orders and problems in batches of about BATCH_ROWS rows, unknown SKUs found with one query a batch."""
    batch, size = [], 0
    for found in grouped_orders(rows):
        batch.append(found)
        size += found.rows if isinstance(found, ImportedOrder) else 1
        if size >= BATCH_ROWS:
            yield _with_unknown_skus(batch, uow)
            batch, size = [], 0
    if batch:
        yield _with_unknown_skus(batch, uow)


def _with_unknown_skus(batch: list, uow: UnitOfWork) -> list:
    """The batch with each order that names an unknown or inactive SKU replaced by those rows' problems."""
    orders = [found for found in batch if isinstance(found, ImportedOrder)]
    known = uow.catalogue.products_by_sku({sku for order in orders for sku, _, _ in order.lines})
    checked = []
    for found in batch:
        unknown = ([RowProblem(line, "sku", f"Unknown or inactive product {sku!r}.")
                    for sku, _, line in found.lines if sku not in known]
                   if isinstance(found, ImportedOrder) else [])
        checked.extend(unknown or [found])
    return checked


def order_batches(job: CsvImportJob, uow: UnitOfWork, settings: Settings):
    """The orders file's orders and problems, batch by batch."""
    return _order_batches(open_rows(ORDERS, job.file_key, settings), uow)


def stock_batches(job: CsvImportJob, uow: UnitOfWork, settings: Settings) -> Iterator[list]:
    """The products file's rows (ImportedStock) and problems, batch by batch, warehouses and bins checked."""
    warehouses, bins = uow.imports.warehouses_by_code(), uow.imports.bins()
    batch: list = []
    for line, row in open_rows(job.kind, job.file_key, settings):
        found = stock_row(line, row)
        batch.extend(found if isinstance(found, list) else [found])
        if len(batch) >= BATCH_ROWS:
            yield _with_stock_checks(batch, warehouses, bins, uow)
            batch = []
    if batch:
        yield _with_stock_checks(batch, warehouses, bins, uow)


def _with_stock_checks(batch: list, warehouses: dict, bins: dict, uow: UnitOfWork) -> list:
    """Unknown warehouses and bins, and new products without a name or price, as problems."""
    existing = uow.imports.existing_skus({row.sku for row in batch if isinstance(row, ImportedStock)})
    checked = []
    for row in batch:
        if not isinstance(row, ImportedStock):
            checked.append(row)
            continue
        problems = []
        warehouse_id = warehouses.get(row.warehouse)
        if warehouse_id is None:
            problems.append(RowProblem(row.line, "warehouse", f"No warehouse with code {row.warehouse!r}."))
        elif row.bin and (warehouse_id, row.bin) not in bins:
            problems.append(RowProblem(row.line, "bin", f"No bin {row.bin!r} in warehouse {row.warehouse}."))
        if row.sku not in existing and (row.name is None or row.price_minor is None):
            problems.append(RowProblem(row.line, "name" if row.name is None else "price",
                                       f"{row.sku} is a new product: give its name and price."))
        checked.extend(problems or [row])
    return checked


def _preview_row(found) -> dict:
    """A row of the preview table."""
    if isinstance(found, ImportedOrder):
        return {"line": found.line, "order_ref": found.reference, "email": found.email,
                "city": found.address["city"], "country": found.address["country"],
                "lines": [{"sku": sku, "quantity": qty} for sku, qty, _ in found.lines]}
    return {"line": found.line, "sku": found.sku, "name": found.name, "price_minor": found.price_minor,
            "warehouse": found.warehouse, "on_hand": found.on_hand, "bin": found.bin}


def check_csv_import(cmd: commands.CheckCsvImport, actor: Actor, uow: UnitOfWork,
                     settings: Settings) -> CsvImportJob:
    """Read the uploaded file once: a preview of its first rows, its row count and every problem by line."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    if cmd.kind not in KINDS:
        raise InvalidOrder("Import orders or products.", field="kind")
    job = CsvImportJob(cmd.kind, cmd.filename, cmd.file_key, cmd.size, actor.user_id, utcnow())
    batches = order_batches(job, uow, settings) if cmd.kind == ORDERS else stock_batches(job, uow, settings)
    try:
        for batch in batches:
            for found in batch:
                if isinstance(found, RowProblem):
                    job.note_problem(found.as_dict())
                    continue
                if len(job.preview) < PREVIEW_ROWS:
                    job.preview.append(_preview_row(found))
                job.rows += found.rows if isinstance(found, ImportedOrder) else 1
    except CsvFileProblem as problem:
        job.note_problem({"line": 1, "column": "", "message": str(problem)})
    job.problems.sort(key=lambda problem: problem["line"])  # SKUs are checked a batch later than the rest
    if job.rows == 0 and not job.problem_count:
        job.note_problem({"line": 2, "column": "", "message": "The file has no rows below its header."})
    uow.imports.add(job)
    uow.commit()
    return job


def queue_csv_import(cmd: commands.QueueCsvImport, actor: Actor, uow: UnitOfWork, settings: Settings) -> CsvImportJob:
    """The person confirms the preview: the file waits for its import (checked files only, once)."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    job = uow.imports.get(cmd.import_id, for_update=True)
    if job is None:
        raise NotFound("No such import.")
    job.queue()
    uow.imports.save(job)
    uow.commit()
    return job


def record_csv_import_failure(cmd: commands.RecordCsvImportFailure, actor: Actor, uow: UnitOfWork,
                              settings: Settings) -> CsvImportJob:
    """Keep why an import stopped (its own transaction wrote nothing)."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    job = uow.imports.get(cmd.import_id, for_update=True)
    if job is None:
        raise NotFound("No such import.")
    if job.fail(cmd.line, cmd.message, utcnow()):
        uow.imports.save(job)
    uow.commit()
    return job


def restart_csv_import(cmd: commands.RestartCsvImport, actor: Actor, uow: UnitOfWork,
                       settings: Settings) -> CsvImportJob:
    """Queue again an import that stopped part-way; refused while something still runs it."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    job = uow.imports.get(cmd.import_id, for_update=True)
    if job is None:
        raise NotFound("No such import.")
    if job.status in (QUEUED, IMPORTING) and uow.imports.run_elsewhere(job.id):
        raise DomainError("This file is being imported right now; its page shows how far it is.",
                          code="csv_import.running")
    job.start_again()
    uow.imports.save(job)
    uow.commit()
    return job


class CsvImportStopped(DomainError):
    """A row could not be imported; the whole file was rolled back."""

    code = "csv_import.stopped"
    status = 422

    def __init__(self, line: int | None, message: str):
        super().__init__(f"Line {line}: {message}" if line else message, details={"line": line, "reason": message})
        self.line = line
