"""Commands about CSV imports: check an uploaded file, import it all or nothing, or note why it failed."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckCsvImport:
    """Read an uploaded CSV file of orders or products once: its preview, row count and every problem."""

    kind: str  # "orders" or "products"
    filename: str
    file_key: str  # where the bytes are kept (content-addressed)
    size: int


@dataclass(frozen=True)
class QueueCsvImport:
    """A manager asks to import a checked file without problems."""

    import_id: int


@dataclass(frozen=True)
class RunCsvImport:
    """Import a queued file in one transaction: every order or stock level, or nothing."""

    import_id: int


@dataclass(frozen=True)
class RestartCsvImport:
    """A manager starts again an import that stopped part-way (its server restarted; nothing was written)."""

    import_id: int


@dataclass(frozen=True)
class RecordCsvImportFailure:
    """The import stopped at a row and wrote nothing: keep the line and the reason for the person."""

    import_id: int
    line: int | None
    message: str
