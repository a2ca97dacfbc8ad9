"""An uploaded CSV file, checked at the edge before anything reads it: its type and its size.

Shared by the API (the raw body) and the page (a form's file field). The bytes are copied a piece at a
time to storage, never held whole; a file past the cap stops the copy as soon as it is too big.
"""
from __future__ import annotations

from dataclasses import dataclass

CSV_TYPES = {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel", "application/octet-stream"}


@dataclass
class CsvUploadRefused(Exception):
    """Not a CSV file, or too big: the status, a stable code and a sentence for the person."""

    status: int
    code: str
    message: str


def _refuse_binary(_key: str, size: int, head: bytes) -> None:
    """CSV is text: an empty file, NUL bytes or a head that is not UTF-8 mean another kind of file."""
    if size == 0:
        raise CsvUploadRefused(422, "csv.empty", "The file is empty.")
    if b"\x00" in head:
        raise CsvUploadRefused(415, "csv.not_text", "This is not a CSV text file (it holds binary data).")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # a character cut at the end of the head is fine
            raise CsvUploadRefused(415, "csv.not_utf8", "Save the CSV file as UTF-8 text.") from None


def size_words(size: int) -> str:
    """A size cap as a person reads it: "50 MB", "512 KB"."""
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


def stage_csv(storage, stream, *, filename: str, content_type: str, max_bytes: int, too_large) -> object:
    """Copy an upload into storage under a temporary name; CsvUploadRefused if it is not a CSV file or too big.

    `too_large` is the storage's exception for a copy past `max_bytes`.
    """
    mime = (content_type or "").split(";")[0].strip().lower()
    if not filename.lower().endswith(".csv") and mime not in ("text/csv", "application/csv"):
        raise CsvUploadRefused(415, "csv.wrong_type", "Choose a .csv file (comma-separated values).")
    if mime and mime not in CSV_TYPES:
        raise CsvUploadRefused(415, "csv.wrong_type", f"A {mime} file is not CSV; choose a .csv file.")
    try:
        return storage.stage(stream, max_bytes=max_bytes, accept=_refuse_binary)
    except too_large:
        raise CsvUploadRefused(413, "csv.too_large", f"A CSV file may be at most {size_words(max_bytes)}; "
                               "split it into smaller files.") from None
