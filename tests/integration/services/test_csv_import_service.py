"""CSV imports through the bus on SQLite and PostgreSQL: one transaction per file, through place_order."""
from __future__ import annotations

import io
from dataclasses import replace

import pytest
import sqlalchemy as sa

from backend.adapters import import_repository
from backend.adapters.import_repository import running_here
from backend.adapters.storage import LocalBlobStorage
from backend.bootstrap import blob_storage
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.csv_import_job import FAILED, IMPORTED, QUEUED
from backend.extensions import db
from backend.queries.csv_imports import csv_import
from backend.services.csv_import import CsvImportStopped
from tests.csv_files import order_row, orders_csv, products_csv
from tests.factories import refused, run, standard_shop
from tests.ledger import assert_ledger_balanced

MANAGER = Actor(user_id=None, role=Role.MANAGER)


@pytest.fixture
def shop(app, tmp_path):
    """The standard shop; uploaded files go to this test's folder (the PostgreSQL app is shared)."""
    the_bus, kept = app.extensions["waybill.bus"], app.extensions["waybill.blobs"]
    files = LocalBlobStorage(tmp_path / "blobs")
    settings = the_bus.settings
    the_bus.settings, app.extensions["waybill.blobs"] = replace(settings, import_files=files), files
    yield standard_shop(app)
    the_bus.settings, app.extensions["waybill.blobs"] = settings, kept


def _checked(app, kind: str, body: bytes):
    """The file stored and checked; its record."""
    with app.app_context():
        key, size, _ = blob_storage().save(io.BytesIO(body), max_bytes=10 ** 8)
    return run(app, commands.CheckCsvImport(kind, f"{kind}.csv", key, size), MANAGER)


def _imported(app, kind: str, body: bytes):
    """Check, queue and run the import in this thread; its final record."""
    job = _checked(app, kind, body)
    run(app, commands.QueueCsvImport(job.id), MANAGER)
    return run(app, commands.RunCsvImport(job.id), MANAGER)


def _scalar(app, sql: str, **params):
    with app.app_context():
        return db.session.execute(sa.text(sql), params).scalar_one()


def _table_counts(app) -> dict:
    tables = ("orders", "order_line", "stock_movement", "outbox_event", "customer", "product")
    return {t: _scalar(app, f"SELECT count(*) FROM {t}") for t in tables}


def test_orders_over_several_checkpoints_are_placed_with_their_stock_reserved(app, shop):
    # 300 orders of 2 lines: 600 rows, past the 500-row checkpoint; MUG has 40 + 10 units, so most wait.
    body = orders_csv(*[order_row(f"R-{n}", sku, "1", email=f"b{n % 7}@example.com", method="bank_transfer")
                        for n in range(300) for sku in ("MUG", "TEE")])
    job = _imported(app, "orders", body)
    assert job.status == IMPORTED
    assert job.report["orders_created"] == 300 and job.report["customers_created"] == 7
    assert _scalar(app, "SELECT count(*) FROM order_line") == 600
    assert _scalar(app, "SELECT sum(reserved) FROM stock_level") == 50 + 5  # every MUG and TEE unit, no more
    assert job.report["orders_short"] == 300 - 5
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_an_import_retried_with_the_same_file_creates_nothing(app, shop):
    body = orders_csv(order_row("R-1", "MUG", "2"), order_row("R-2", "LAMP", "1"))
    _imported(app, "orders", body)
    before = _table_counts(app)
    again = _imported(app, "orders", body)
    assert (again.report["orders_created"], again.report["orders_already_imported"]) == (0, 2)
    assert _table_counts(app) == before


def test_a_row_that_fails_at_import_time_leaves_nothing_written(app, shop):
    shop.place(MANAGER, [("MUG", 30)])  # 30 of London's 40 mugs are promised
    body = products_csv("LAMP,Desk lamp,55.00,LON,3,\n", "NEW-1,New thing,1.00,LON,4,\n", "MUG,,,LON,10,\n")
    job = _checked(app, "products", body)
    assert job.problem_count == 0  # the check reads the file; what stock is promised is known only at import time
    run(app, commands.QueueCsvImport(job.id), MANAGER)
    before = _table_counts(app)
    stopped = refused(app, commands.RunCsvImport(job.id), MANAGER, CsvImportStopped)
    assert stopped.line == 4 and "available" in stopped.message
    assert _table_counts(app) == before
    assert _scalar(app, "SELECT price_minor FROM product WHERE sku = 'LAMP'") == 4900
    failed = run(app, commands.RecordCsvImportFailure(job.id, stopped.line, stopped.details["reason"]), MANAGER)
    assert failed.status == FAILED and failed.failure["line"] == 4


def test_a_products_file_sets_stock_through_the_ledger(app, shop):
    job = _imported(app, "products", products_csv("MUG,,,LON,55,\n", "MUG,,,MAN,0,\n", "NEW-1,New,2.50,MAN,7,\n"))
    assert job.report["stock_levels_set"] == 3 and job.report["products_created"] == 1
    assert _scalar(app, "SELECT count(*) FROM stock_movement WHERE reason = 'count'") == 3
    assert _scalar(app, "SELECT sum(on_hand) FROM stock_level s JOIN product p ON p.id = s.product_id "
                        "WHERE p.sku = 'MUG'") == 55
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_a_file_cannot_be_imported_twice(app, shop):
    job = _imported(app, "orders", orders_csv(order_row("R-1")))
    assert refused(app, commands.QueueCsvImport(job.id), MANAGER).code == "csv_import.already_started"
    assert refused(app, commands.RunCsvImport(job.id), MANAGER).code == "csv_import.not_queued"


@pytest.fixture(autouse=True)
def no_grace_after_a_run(monkeypatch):
    """A run that ended in this process counts as alive for a few seconds (import_repository); ids come back in
    every test on the shared PostgreSQL app, so here an ended run is over at once unless a test says otherwise."""
    monkeypatch.setattr(import_repository, "ENDED_GRACE_SECONDS", 0.0)


def _left_importing(app, job_id: int) -> None:
    """What a server that stopped part-way leaves: the record says importing, and nothing runs it."""
    with app.app_context():
        db.session.execute(sa.text("UPDATE csv_import SET status = 'importing', rows_done = 1000 WHERE id = :id"),
                           {"id": job_id})
        db.session.commit()


def _status(app, job_id: int) -> dict:
    with app.app_context():
        return csv_import(db.session, job_id)


def test_an_import_whose_server_stopped_part_way_is_stalled_and_starts_again_from_the_first_row(app, shop):
    body = orders_csv(order_row("R-1", "MUG", "2"), order_row("R-2", "LAMP", "1"))
    job = _checked(app, "orders", body)
    run(app, commands.QueueCsvImport(job.id), MANAGER)
    _left_importing(app, job.id)
    assert _status(app, job.id)["stalled"] is True
    again = run(app, commands.RestartCsvImport(job.id), MANAGER)
    assert (again.status, again.rows_done) == (QUEUED, 0)
    done = run(app, commands.RunCsvImport(job.id), MANAGER)
    assert done.status == IMPORTED and done.report["orders_created"] == 2
    assert _status(app, job.id)["stalled"] is False


def test_an_import_this_process_still_runs_is_not_stalled_and_is_not_started_twice(app, shop, monkeypatch):
    job = _checked(app, "orders", orders_csv(order_row("R-1", "MUG", "2")))
    run(app, commands.QueueCsvImport(job.id), MANAGER)
    with app.app_context():
        engine = db.engine
    monkeypatch.setattr(import_repository, "ENDED_GRACE_SECONDS", 10.0)
    with running_here(engine, job.id):
        assert _status(app, job.id)["stalled"] is False
        error = refused(app, commands.RestartCsvImport(job.id), MANAGER)
        assert error.code == "csv_import.running"
    # Its thread ended without running it: not stalled for a moment (a read taken just before a run's commit
    # must not say so), then stalled.
    assert _status(app, job.id)["stalled"] is False
    monkeypatch.setattr(import_repository, "ENDED_GRACE_SECONDS", 0.0)
    assert _status(app, job.id)["stalled"] is True


def test_an_import_another_process_runs_on_postgresql_is_not_started_again(app, shop):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite is served by one process")
    job = _checked(app, "orders", orders_csv(order_row("R-1", "MUG", "2")))
    run(app, commands.QueueCsvImport(job.id), MANAGER)
    _left_importing(app, job.id)
    with app.app_context(), db.engine.connect() as other:  # another server's import transaction
        with other.begin():
            assert other.execute(sa.text("SELECT pg_try_advisory_xact_lock(CAST(:c AS int4), CAST(:i AS int4))"),
                                 {"c": 0x57426369, "i": job.id}).scalar()
            assert _status(app, job.id)["stalled"] is False
            assert refused(app, commands.RestartCsvImport(job.id), MANAGER).code == "csv_import.running"
            # Nor does a second runner start beside it.
            assert refused(app, commands.RunCsvImport(job.id), MANAGER).code == "csv_import.not_queued"
    assert _status(app, job.id)["stalled"] is True


def test_a_finished_import_is_not_started_again_and_a_late_failure_does_not_undo_its_report(app, shop):
    done = _imported(app, "orders", orders_csv(order_row("R-1", "MUG", "2")))
    assert refused(app, commands.RestartCsvImport(done.id), MANAGER).code == "csv_import.not_stalled"
    after = run(app, commands.RecordCsvImportFailure(done.id, None, "a second runner was refused"), MANAGER)
    assert (after.status, after.report["orders_created"]) == (IMPORTED, 1)
    assert _status(app, done.id)["status"] == IMPORTED
