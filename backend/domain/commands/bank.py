"""Commands about bank transfers read from the bank's statement."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportBankStatement:
    """Record the statement's credits on the orders they pay, and keep the rest for a person; all or nothing."""

    file_name: str
    lines: tuple  # domain.bank_statements.StatementLine, credits only
    preview: bool = False  # say what would happen, write nothing


@dataclass(frozen=True)
class MatchStatementLine:
    """A person says which order an unmatched credit pays: it is recorded on that order."""

    line_id: int
    order_id: int
    note: str = ""


@dataclass(frozen=True)
class SettleStatementLine:
    """A person has dealt with a listed line (the rest asked for, the excess sent back, not ours): it closes."""

    line_id: int
    note: str
