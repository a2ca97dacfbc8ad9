"""An uploaded file's record: queued once, started again only when it stopped part-way, failed only while running."""
from datetime import datetime, timezone

import pytest

from backend.domain.csv_import_job import CHECKED, FAILED, IMPORTED, IMPORTING, QUEUED, CsvImportJob
from backend.domain.errors import DomainError

NOW = datetime(2026, 12, 3, 13, 0, tzinfo=timezone.utc)


def job_in(status: str) -> CsvImportJob:
    job = CsvImportJob("orders", "orders.csv", "k" * 64, 100, None, NOW)
    job.status, job.rows, job.rows_done = status, 10, 4
    return job


@pytest.mark.parametrize("status", [QUEUED, IMPORTING])
def test_an_import_that_stopped_part_way_starts_again_from_the_first_row(status):
    job = job_in(status)
    job.start_again()
    assert (job.status, job.rows_done) == (QUEUED, 0)


@pytest.mark.parametrize("status", [CHECKED, IMPORTED, FAILED])
def test_only_a_stalled_import_starts_again(status):
    with pytest.raises(DomainError) as refused:
        job_in(status).start_again()
    assert refused.value.code == "csv_import.not_stalled"


def test_a_failure_is_kept_for_a_running_import_and_never_overwrites_a_finished_one():
    running = job_in(IMPORTING)
    assert running.fail(7, "unknown SKU", NOW) is True
    assert (running.status, running.failure) == (FAILED, {"line": 7, "message": "unknown SKU"})
    finished = job_in(IMPORTED)
    finished.report = {"orders_created": 3}
    assert finished.fail(None, "a second runner was refused", NOW) is False
    assert (finished.status, finished.report, finished.failure) == (IMPORTED, {"orders_created": 3}, {})
