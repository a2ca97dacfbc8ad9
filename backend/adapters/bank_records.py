"""Rows of the bank statements read in: each credit, what the import made of it, and who settled it."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.events import utcnow
from ..extensions import db
from .records import User
from .tables import UTCDateTime


class BankStatementLine(db.Model):
    """One credit from a bank statement; its bank reference is unique, so a statement read twice adds nothing."""

    __tablename__ = "bank_statement_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    bank_reference: Mapped[str] = mapped_column(sa.String(100), unique=True)
    file_name: Mapped[str] = mapped_column(sa.String(200), default="")
    line_number: Mapped[int] = mapped_column()
    booked_on = mapped_column(sa.Date, nullable=False)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    reference: Mapped[str] = mapped_column(sa.String(500), default="")
    payer: Mapped[str] = mapped_column(sa.String(200), default="")
    outcome: Mapped[str] = mapped_column(sa.String(16))
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    imported_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    settled_at = mapped_column(UTCDateTime)
    settled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    settle_note: Mapped[str] = mapped_column(sa.String(500), default="")
    version: Mapped[int] = mapped_column(default=1)
    settled_by = relationship(User, foreign_keys=[settled_by_id], lazy="joined")
    __table_args__ = (sa.Index("ix_bank_statement_line_status_booked", "status", "booked_on"),)
