"""The office's read of bank statement lines: what waits for a person first, then what was settled."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..adapters.bank_records import BankStatementLine
from ..adapters.records import User
from ..adapters.tables import orders


def _with_settler():
    settler = aliased(User)
    return (sa.select(BankStatementLine, settler.name.label("settled_by_name"))
            .outerjoin(settler, settler.id == BankStatementLine.settled_by_id))


def statement_line(session, line_id: int) -> dict | None:
    """One line as the list shows it, or None."""
    row = session.execute(_with_settler().where(BankStatementLine.id == line_id)).first()
    return _line(*row) if row else None


def list_statement_lines(session, *, status: str = "open", limit: int = 100, offset: int = 0) -> dict:
    """Lines with the status asked for ('open', 'settled' or 'all'), newest booking first, and how many open.

    {"lines": [{id, booked_on, amount_minor, currency, reference, payer, outcome, message, order_id, order_number,
    status, settle_note, settled_by, settled_at, line_number, file_name}], "open": n, "total": n}
    """
    statement = _with_settler()
    counted = sa.select(sa.func.count(BankStatementLine.id))
    if status != "all":
        statement = statement.where(BankStatementLine.status == status)
        counted = counted.where(BankStatementLine.status == status)
    rows = session.execute(statement.order_by(BankStatementLine.booked_on.desc(), BankStatementLine.id.desc())
                           .limit(limit).offset(offset)).all()
    open_count = session.execute(sa.select(sa.func.count(BankStatementLine.id))
                                 .where(BankStatementLine.status == "open")).scalar_one()
    return {"lines": [_line(row, settled_by) for row, settled_by in rows], "open": open_count,
            "total": session.execute(counted).scalar_one()}


def _line(row: BankStatementLine, settled_by: str | None) -> dict:
    return {"id": row.id, "booked_on": row.booked_on, "amount_minor": row.amount_minor, "currency": row.currency,
            "reference": row.reference, "payer": row.payer, "outcome": row.outcome, "message": row.message,
            "order_id": row.order_id, "order_number": f"WB-{row.order_id:06d}" if row.order_id else None,
            "status": row.status, "settle_note": row.settle_note, "settled_by": settled_by,
            "settled_at": row.settled_at, "line_number": row.line_number, "file_name": row.file_name}


def order_id_for_number(session, number: str) -> int | None:
    """The id of an order named as a person types it ('WB-000123', 'wb123', '123'), if it exists."""
    # isdecimal, not isdigit: a superscript '³' is a digit that int() cannot read (it would be a 500).
    digits = "".join(ch for ch in (number or "") if ch.isdecimal())
    if not digits or len(digits) > 9:
        return None
    return session.execute(sa.select(orders.c.id).where(orders.c.id == int(digits))).scalar_one_or_none()
