"""Import a checked CSV file in ONE transaction: all its orders or stock levels, or nothing.

Each order goes through place_order itself (pricing, risk, reservation without overselling, idempotency on
channel "csv" + the file's order reference), as a step of one batch: what the steps keep is written every
CHECKPOINT_ROWS rows in grouped statements and forgotten, so memory stays flat however long the file.
The transaction commits once at the end; a row that fails rolls back the whole file.
"""
from __future__ import annotations

import time

from ..domain import commands
from ..domain.access import Actor, Role, require_role
from ..domain.catalogue import Channel, Customer, Product
from ..domain.csv_import import ORDERS, ImportedOrder, ImportedStock, RowProblem
from ..domain.csv_import_job import QUEUED, CsvImportJob
from ..domain.errors import DomainError, NotFound
from ..domain.events import utcnow
from ..domain.stock import MovementReason, StockLevel
from .csv_import import CsvImportStopped, order_batches, stock_batches
from .orders import place_order
from .reservations import stock_event
from .settings import Settings
from .unit_of_work import UnitOfWork

# Rows whose writes are grouped before memory is cleared: the identity map is walked before every SELECT,
# so a longer stretch costs more per row than its grouped statements save.
CHECKPOINT_ROWS = 100
PROGRESS_ROWS = 1000  # how often the page's progress bar moves


def run_csv_import(cmd: commands.RunCsvImport, actor: Actor, uow: UnitOfWork, settings: Settings) -> CsvImportJob:
    """Import a queued file; the report says how many rows, orders, products and stock levels, and how long."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    job = uow.imports.get(cmd.import_id)
    if job is None:
        raise NotFound("No such import.")
    if not uow.imports.take_run(job.id) or job.status != QUEUED or not uow.imports.claim(job.id):
        raise DomainError(f"This file is {job.status}, not waiting for its import.", code="csv_import.not_queued")
    started = time.monotonic()
    uow.begin_batch()
    if job.kind == ORDERS:
        report = _import_orders(job, actor, uow, settings)
    else:
        report = _import_stock(job, actor, uow, settings)
    uow.checkpoint()
    report["rows"] = job.rows
    report["seconds"] = round(time.monotonic() - started, 3)
    job.finish(report, utcnow())
    uow.imports.save(job)
    uow.commit()
    return job


def _stop_at_problem(batch: list) -> None:
    """A file that changed since its check (a product made inactive, a warehouse closed): nothing is written."""
    for found in batch:
        if isinstance(found, RowProblem):
            raise CsvImportStopped(found.line, f"{found.column}: {found.message}")


def _import_orders(job: CsvImportJob, actor: Actor, uow: UnitOfWork, settings: Settings) -> dict:
    """Every order of the file through place_order, in one transaction."""
    report = {"orders_created": 0, "orders_already_imported": 0, "customers_created": 0, "orders_short": 0}
    rows_done = since_checkpoint = since_progress = 0
    for batch in order_batches(job, uow, settings):
        _stop_at_problem(batch)
        customers = _customer_ids(batch, report, uow)
        for order in batch:
            _place(order, customers[order.email], report, actor, uow, settings)
            rows_done += order.rows
            since_checkpoint += order.rows
            since_progress += order.rows
            if since_checkpoint >= CHECKPOINT_ROWS:
                uow.checkpoint()
                since_checkpoint = 0
            if since_progress >= PROGRESS_ROWS:
                uow.imports.report_progress(job.id, rows_done)
                since_progress = 0
    return report


def _customer_ids(batch: list[ImportedOrder], report: dict, uow: UnitOfWork) -> dict[str, int]:
    """The batch's customers by e-mail (one query); those not known yet are registered with name and address."""
    known = uow.imports.customer_ids({order.email for order in batch})
    for order in batch:
        if order.email not in known:
            customer = Customer(order.email, order.name, order.phone, [dict(order.address)])
            uow.catalogue.add(customer)
            uow.flush()
            known[order.email] = customer.id
            report["customers_created"] += 1
    return known


def _place(order: ImportedOrder, customer_id: int, report: dict, actor: Actor, uow: UnitOfWork,
           settings: Settings) -> None:
    """One order of the file as a step of the batch, through the same handler as the API's orders."""
    command = commands.PlaceOrder(
        customer_id=customer_id, channel=Channel.CSV.value,
        lines=tuple((sku, quantity) for sku, quantity, _ in order.lines), shipping_address=order.address,
        payment_method=order.payment_method, channel_order_id=order.reference, notes=order.notes)
    uow.begin_step()
    try:
        placed, created = place_order(command, actor, uow, settings)
    except DomainError as refused:
        raise CsvImportStopped(order.line, f"order {order.reference}: {refused.message}") from refused
    finally:
        uow.end_step()
    if created:
        report["orders_created"] += 1
        report["orders_short"] += bool(placed.shortages)
    else:
        report["orders_already_imported"] += 1


def _import_stock(job: CsvImportJob, actor: Actor, uow: UnitOfWork, settings: Settings) -> dict:
    """Create or update each product and set its stock (a count movement in the ledger), in one transaction."""
    report = {"products_created": 0, "products_updated": 0, "stock_levels_set": 0}
    warehouses, bins = uow.imports.warehouses_by_code(), uow.imports.bins()
    rows_done = 0
    for batch in stock_batches(job, uow, settings):
        _stop_at_problem(batch)
        for row in batch:
            try:
                _set_stock(row, warehouses[row.warehouse], bins, report, actor, uow, settings)
            except DomainError as refused:
                raise CsvImportStopped(row.line, refused.message) from refused
            rows_done += 1
            if rows_done % CHECKPOINT_ROWS == 0:
                uow.checkpoint()
            if rows_done % PROGRESS_ROWS == 0:
                uow.imports.report_progress(job.id, rows_done)
    return report


def _set_stock(row: ImportedStock, warehouse_id: int, bins: dict, report: dict, actor: Actor, uow: UnitOfWork,
               settings: Settings) -> None:
    """One row: the product as the file says, its on-hand units in the warehouse, its bin."""
    product = uow.catalogue.product_by_sku(row.sku)
    if product is None:
        product = Product(row.sku, row.name, row.price_minor, settings.currency)
        uow.catalogue.add(product)
        uow.flush()
        report["products_created"] += 1
    elif (row.name or product.name, row.price_minor if row.price_minor is not None else product.price_minor) != (
            product.name, product.price_minor):
        product.name = row.name or product.name
        if row.price_minor is not None:
            product.price_minor = row.price_minor
        report["products_updated"] += 1
    level = uow.stock.lock_level(warehouse_id, product.id)
    if level is None:
        level = StockLevel(warehouse_id, product.id)
        uow.stock.add_level(level)
    if row.on_hand != level.on_hand:
        # Reserved units stay promised: a count below them is refused by the level (stock.insufficient).
        movement = level.apply(MovementReason.COUNT, on_hand_delta=row.on_hand - level.on_hand,
                               note="CSV import", actor_id=actor.user_id)
        uow.stock.add_movement(movement)
        uow.publish(stock_event("stock.adjusted", level, movement, None))
        report["stock_levels_set"] += 1
    if row.bin:
        level.bin_id = bins[(warehouse_id, row.bin)]
