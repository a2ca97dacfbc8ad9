"""The bank statement lines, written and locked in the caller's transaction."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.bank_statements import Match, StatementLine
from ..domain.events import utcnow
from .bank_records import BankStatementLine


class BankStatementRepository:
    """Adds the lines an import read, and locks one for the person who settles it."""

    def __init__(self, session):
        self.session = session

    def known_references(self, references) -> set[str]:
        """Which of these bank references an earlier import already holds."""
        references = list(set(references))
        known: set[str] = set()
        for start in range(0, len(references), 500):  # bounded IN lists
            known.update(self.session.execute(
                sa.select(BankStatementLine.bank_reference)
                .where(BankStatementLine.bank_reference.in_(references[start:start + 500]))).scalars())
        return known

    def add(self, line: StatementLine, match: Match, *, file_name: str, actor_id: int | None) -> int:
        """Keep a line with what the import made of it; returns its id."""
        row = BankStatementLine(
            bank_reference=line.bank_reference, file_name=file_name[:200], line_number=line.line_number,
            booked_on=line.booked_on, amount_minor=line.amount_minor, currency=line.currency,
            reference=line.reference[:500], payer=line.payer[:200], outcome=match.outcome.value,
            message=match.message[:500], order_id=match.order_id if match.records_payment else None,
            status=match.status, imported_by_id=actor_id, settle_note="", version=1)
        self.session.add(row)
        self.session.flush()
        return row.id

    def lock(self, line_id: int) -> BankStatementLine | None:
        """The line, locked for update, so two people cannot both settle it."""
        return self.session.execute(
            sa.select(BankStatementLine).where(BankStatementLine.id == line_id)
            .with_for_update(of=BankStatementLine).execution_options(populate_existing=True)).scalar_one_or_none()

    def settle(self, row: BankStatementLine, *, actor_id: int | None, note: str, order_id: int | None = None,
               outcome: str | None = None, message: str | None = None) -> None:
        """Close a line with a person's note (and, for a line they matched, the order it paid)."""
        row.status = "settled"
        row.settled_at = utcnow()
        row.settled_by_id = actor_id
        row.settle_note = note
        row.version += 1
        if order_id is not None:
            row.order_id = order_id
        if outcome is not None:
            row.outcome = outcome
        if message is not None:
            row.message = message[:500]
        self.session.flush()
