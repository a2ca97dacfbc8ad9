"""A bank statement CSV read into credits, every broken row named with its line number (API and page alike).

Banks name their columns differently, so the common names are understood (see COLUMNS); only a date and
an amount are required. Debits (money going out) are skipped and counted. A line without the bank's own
transaction id gets a stable one made from its date, amount, payer, reference and how many identical lines
came before it in the file, so reading the same file twice adds nothing.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, validate, validates

from ..domain.bank_statements import StatementLine
from .text import Text

MAX_LINES = 20_000  # a year of a busy shop's statement; a bigger file is split by date range
# Header names as banks write them (lower case, spaces for _ and -) -> our column.
COLUMNS = {
    "date": "date", "booking date": "date", "booked on": "date", "transaction date": "date", "value date": "date",
    "amount": "amount", "credit": "amount", "paid in": "amount", "credit amount": "amount",
    "currency": "currency", "ccy": "currency",
    "reference": "reference", "description": "reference", "details": "reference", "memo": "reference",
    "narrative": "reference", "payment reference": "reference",
    "payer": "payer", "name": "payer", "counterparty": "payer", "from": "payer", "payer name": "payer",
    "transaction id": "transaction_id", "id": "transaction_id", "bank reference": "transaction_id",
    "fitid": "transaction_id",
}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


def _amount_minor(text: str) -> int:
    cleaned = "".join(ch for ch in text.strip() if ch not in "£$€, ")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError("Not an amount: write it like 12.50 or -3.00.") from None
    if value != value.quantize(Decimal("0.01")) or not value.is_finite():
        raise ValidationError("Amounts have at most two decimal places.")
    return int(value * 100)


def _booked_on(text: str) -> date:
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    raise ValidationError("Not a date: write it as 2026-12-03 or 03/12/2026.")


class StatementRowSchema(Schema):
    """One row of the statement, after its header names were understood."""

    date = Text(required=True)
    amount = Text(required=True)
    currency = Text(load_default="", validate=validate.Regexp(r"^([A-Za-z]{3})?$", error="A three-letter code."))
    reference = Text(load_default="", validate=validate.Length(max=500))
    payer = Text(load_default="", validate=validate.Length(max=200))
    transaction_id = Text(load_default="", validate=validate.Length(max=100))

    @validates("date")
    def _date(self, value, **_):
        _booked_on(value)

    @validates("amount")
    def _amount(self, value, **_):
        _amount_minor(value)


@dataclass
class ReadStatement:
    """The credits of a file, the debits skipped, and every broken row: {line number: {column: message}}."""

    credits: list[StatementLine] = field(default_factory=list)
    debits_skipped: int = 0
    errors: dict[int, dict[str, str]] = field(default_factory=dict)

    def problem_errors(self) -> dict[str, list[str]]:
        """The row errors as problem+json field errors: 'line 4.amount' -> [message]."""
        return {f"line {n}.{column}": [message] for n, columns in sorted(self.errors.items())
                for column, message in columns.items()}


class StatementUnreadable(ValueError):
    """The file is not a CSV statement at all (not text, no header with a date and an amount)."""


def read_statement(raw: bytes, *, currency: str) -> ReadStatement:
    """Parse a statement; `currency` is the shop's, for rows that do not say theirs."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementUnreadable("This file is not a CSV text file (save it from the bank as CSV, UTF-8).") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    names = [COLUMNS.get(" ".join(h.strip().lower().replace("_", " ").replace("-", " ").split())) for h in header or []]
    if "date" not in names or "amount" not in names:
        raise StatementUnreadable("The first line must name the columns, with at least a date and an amount "
                                  "(e.g. date,amount,reference,payer).")
    read, schema, occurrences = ReadStatement(), StatementRowSchema(), {}
    for number, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets leave at the end
        if number - 1 > MAX_LINES:
            raise StatementUnreadable(f"A statement may have at most {MAX_LINES:,} lines; split it by date.")
        row = {name: cell for name, cell in zip(names, cells) if name}
        try:
            loaded = schema.load(row)
        except ValidationError as exc:
            read.errors[number] = {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in exc.messages.items()}
            continue
        amount = _amount_minor(loaded["amount"])
        if amount <= 0:
            read.debits_skipped += 1
            continue
        booked_on = _booked_on(loaded["date"])
        bank_reference = loaded["transaction_id"].strip() or _derived_id(booked_on, amount, loaded, occurrences)
        read.credits.append(StatementLine(
            line_number=number, bank_reference=bank_reference, booked_on=booked_on, amount_minor=amount,
            currency=(loaded["currency"] or currency).upper(), reference=loaded["reference"].strip(),
            payer=loaded["payer"].strip()))
    return read


def _derived_id(booked_on: date, amount: int, loaded: dict, occurrences: dict) -> str:
    key = f"{booked_on.isoformat()}|{amount}|{loaded['payer'].strip()}|{loaded['reference'].strip()}"
    occurrences[key] = occurrences.get(key, 0) + 1
    digest = hashlib.sha256(f"{key}|{occurrences[key]}".encode()).hexdigest()[:40]
    return f"line:{digest}"
