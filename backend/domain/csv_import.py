"""CSV files of orders and of products with stock: their columns, and what a row must say to be imported.

Plain Python over the csv module: rows come from a text stream one at a time, so a file of any size is
read in constant memory. Each problem names its line in the file (the header is line 1), so a person can
fix every row at once instead of one upload per mistake.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable, Iterator, TextIO

from .payments import PaymentMethod

ORDERS, PRODUCTS = "orders", "products"
KINDS = (ORDERS, PRODUCTS)

# Column -> required? One row per order line; the rows of one order share its order_ref and come together.
ORDER_COLUMNS = {
    "order_ref": True, "email": True, "name": True, "address_line1": True, "address_line2": False,
    "city": True, "postcode": True, "country": True, "phone": False, "payment_method": True,
    "sku": True, "quantity": True, "notes": False,
}
# One row per product and warehouse: the product is created or updated, its stock there set to on_hand.
PRODUCT_COLUMNS = {
    "sku": True, "name": False, "price": False, "warehouse": True, "on_hand": True, "bin": False,
}
COLUMNS = {ORDERS: ORDER_COLUMNS, PRODUCTS: PRODUCT_COLUMNS}
MAX_QUANTITY = 100_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MONEY = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with a file: its line (1 is the header), the column and a sentence."""

    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        """The problem as JSON for the API and the page."""
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportedOrder:
    """One order of an orders file: its reference, customer, address, payment method and lines."""

    reference: str
    line: int  # where its first row is
    email: str
    name: str
    phone: str
    address: dict
    payment_method: str
    notes: str
    lines: list = field(default_factory=list)  # [(sku, quantity, file line)]

    @property
    def rows(self) -> int:
        """How many rows of the file it came from."""
        return len(self.lines)


@dataclass(frozen=True)
class ImportedStock:
    """One row of a products file: the product's details (None: keep them) and its stock in one warehouse."""

    line: int
    sku: str
    name: str | None
    price_minor: int | None
    warehouse: str
    on_hand: int
    bin: str | None


class CsvFileProblem(ValueError):
    """The file as a whole cannot be read as this kind of CSV (no header, missing columns, not text)."""


def money_to_minor(text: str) -> int:
    """"12.50" -> 1250: a price in the shop's currency with at most two decimals, as integer minor units."""
    text = text.strip()
    if not _MONEY.match(text):
        raise ValueError("Write the price like 12.50 (digits, a dot, at most two decimals).")
    try:
        return int(Decimal(text) * 100)
    except InvalidOperation as exc:  # the pattern lets only digits through; kept for safety
        raise ValueError("Not a price.") from exc


def _quantity(text: str, *, allow_zero: bool) -> int:
    text = text.strip()
    if not text.isdigit():
        raise ValueError("Write a whole number (like 3).")
    number = int(text)
    if number > MAX_QUANTITY or (number == 0 and not allow_zero):
        raise ValueError(f"Must be between {0 if allow_zero else 1} and {MAX_QUANTITY}.")
    return number


def reader(kind: str, text: TextIO) -> Iterator[tuple[int, dict]]:
    """(line, row as a dict of the known columns) for each non-blank row, after checking the header."""
    rows = csv.reader(text)
    try:
        header = [name.strip().lower() for name in next(rows)]
    except StopIteration:
        raise CsvFileProblem("The file is empty: the first line must name the columns.") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise CsvFileProblem(f"The file is not readable CSV text (UTF-8): {exc}.") from None
    columns = COLUMNS[kind]
    missing = [name for name, required in columns.items() if required and name not in header]
    if missing:
        raise CsvFileProblem("The first line must name the columns; missing: " + ", ".join(missing) + ".")
    where = {name: header.index(name) for name in columns if name in header}
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvFileProblem(f"Line {rows.line_num}: not readable CSV text (UTF-8): {exc}.") from None
        if not any(value.strip() for value in values):
            continue
        yield rows.line_num, {name: (values[i].strip() if i < len(values) else "") for name, i in where.items()}


def order_row_problems(line: int, row: dict) -> list[RowProblem]:
    """What is wrong with one row of an orders file on its own (SKUs are checked against the catalogue later)."""
    problems = []
    for name, required in ORDER_COLUMNS.items():
        if required and not row.get(name):
            problems.append(RowProblem(line, name, f"{name} is missing."))
    if row.get("email") and not _EMAIL.match(row["email"]):
        problems.append(RowProblem(line, "email", "Not an e-mail address."))
    if row.get("country") and not re.fullmatch(r"[A-Za-z]{2}", row["country"]):
        problems.append(RowProblem(line, "country", "Use the two-letter country code (like GB)."))
    if row.get("payment_method") and row["payment_method"] not in {m.value for m in PaymentMethod}:
        problems.append(RowProblem(line, "payment_method", "Use one of: "
                                   + ", ".join(m.value for m in PaymentMethod) + "."))
    if row.get("quantity"):
        try:
            _quantity(row["quantity"], allow_zero=False)
        except ValueError as exc:
            problems.append(RowProblem(line, "quantity", str(exc)))
    for name, limit in (("order_ref", 100), ("name", 200), ("sku", 64), ("notes", 2000)):
        if len(row.get(name) or "") > limit:
            problems.append(RowProblem(line, name, f"At most {limit} characters."))
    return problems


def grouped_orders(rows: Iterable[tuple[int, dict]]) -> Iterator[ImportedOrder | RowProblem]:
    """Orders from valid rows (consecutive rows with one order_ref are one order), else the rows' problems.

    An order_ref met again after another order's rows is a problem: the file is read once, front to back.
    """
    done: set[str] = set()
    current: ImportedOrder | None = None
    for line, row in rows:
        problems = order_row_problems(line, row)
        reference = row.get("order_ref", "")
        if reference and reference in done and (current is None or current.reference != reference):
            problems.append(RowProblem(line, "order_ref", f"Order {reference} appeared earlier with other rows "
                                       "between; keep the rows of one order together."))
        if problems:
            yield from problems
            continue
        if current is not None and current.reference != reference:
            yield current
            current = None
        if current is None:
            done.add(reference)
            current = ImportedOrder(
                reference, line, row["email"].lower(), row["name"], row.get("phone", ""),
                {"name": row["name"], "line1": row["address_line1"], "line2": row.get("address_line2", ""),
                 "city": row["city"], "postcode": row["postcode"], "country": row["country"].upper()},
                row["payment_method"], row.get("notes", ""))
        current.lines.append((row["sku"], int(row["quantity"]), line))
    if current is not None:
        yield current


def stock_row(line: int, row: dict) -> ImportedStock | list[RowProblem]:
    """One row of a products file, or what is wrong with it (warehouse and bin are checked later)."""
    problems = []
    for name, required in PRODUCT_COLUMNS.items():
        if required and not row.get(name):
            problems.append(RowProblem(line, name, f"{name} is missing."))
    price = on_hand = None
    if row.get("price"):
        try:
            price = money_to_minor(row["price"])
        except ValueError as exc:
            problems.append(RowProblem(line, "price", str(exc)))
    if row.get("on_hand"):
        try:
            on_hand = _quantity(row["on_hand"], allow_zero=True)
        except ValueError as exc:
            problems.append(RowProblem(line, "on_hand", str(exc)))
    for name, limit in (("sku", 64), ("name", 200), ("bin", 32), ("warehouse", 32)):
        if len(row.get(name) or "") > limit:
            problems.append(RowProblem(line, name, f"At most {limit} characters."))
    if problems:
        return problems
    return ImportedStock(line, row["sku"], row.get("name") or None, price, row["warehouse"], on_hand,
                         row.get("bin") or None)
