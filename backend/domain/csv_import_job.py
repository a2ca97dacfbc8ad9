"""An uploaded CSV file on its way in: checked, then imported all or nothing, with what came of it."""
from __future__ import annotations

from datetime import datetime

from .errors import DomainError

CHECKED, INVALID, QUEUED, IMPORTING, IMPORTED, FAILED = (
    "checked", "invalid", "queued", "importing", "imported", "failed")
PREVIEW_ROWS = 10
LISTED_PROBLEMS = 500  # all are counted; the first ones are listed (a broken export can break every row)


class CsvImportJob:
    """One uploaded file: its kind, where its bytes are, the check's findings, and the import's report."""

    id = None  # given when stored

    def __init__(self, kind: str, filename: str, file_key: str, size: int, uploaded_by_id: int | None,
                 created_at: datetime):
        self.kind, self.filename, self.file_key, self.size = kind, filename, file_key, size
        self.uploaded_by_id, self.created_at = uploaded_by_id, created_at
        self.status = CHECKED
        self.rows = 0
        self.rows_done = 0
        self.problem_count = 0
        self.problems: list[dict] = []
        self.preview: list[dict] = []
        self.report: dict = {}
        self.failure: dict = {}
        self.finished_at: datetime | None = None

    def note_problem(self, problem: dict) -> None:
        """Count a problem of the file; list it if the list is not full."""
        self.problem_count += 1
        if len(self.problems) < LISTED_PROBLEMS:
            self.problems.append(problem)
        self.status = INVALID

    def queue(self) -> None:
        """The person asked to import it: only a checked file without problems, and only once."""
        if self.status == INVALID:
            raise DomainError(f"Fix the {self.problem_count} problems and upload the file again.",
                              code="csv_import.has_problems")
        if self.status != CHECKED:
            raise DomainError(f"This file is already {self.status}.", code="csv_import.already_started")
        self.status = QUEUED

    def finish(self, report: dict, now: datetime) -> None:
        """Everything was written in one transaction: the report says what."""
        self.status, self.report, self.finished_at, self.rows_done = IMPORTED, report, now, self.rows

    def fail(self, line: int | None, message: str, now: datetime) -> bool:
        """Nothing was written: the row that stopped it and why. False (and the record kept as it is) for a
        file that is not being imported: a second runner refused at the start must not undo the first's report."""
        if self.status not in (QUEUED, IMPORTING):
            return False
        self.status, self.failure, self.finished_at = FAILED, {"line": line, "message": message}, now
        return True

    def start_again(self) -> None:
        """An import that stopped part-way (its server restarted): queued again, from the first row.

        Its transaction never committed, so nothing of it was written; a file already imported is not
        imported twice (orders are keyed by channel and reference), but only a stalled one may be restarted.
        """
        if self.status not in (QUEUED, IMPORTING):
            raise DomainError(f"This file is {self.status}; only an import that stopped part-way can start again.",
                              code="csv_import.not_stalled")
        self.status, self.rows_done = QUEUED, 0
