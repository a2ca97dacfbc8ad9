"""Bank statement handlers: record each credit on the order it pays, and let a person settle the rest."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..domain import commands
from ..domain.access import OFFICE, Actor, require_role
from ..domain.bank_statements import (OPEN, InvalidStatementAction, Match, OrderDue, Outcome, StatementLineClosed, fit,
                                      match_line, order_ids_named, settle_note, transfer_received)
from ..domain.errors import NotFound
from ..domain.events import DomainEvent
from ..domain.orders import Order, OrderStatus
from .settings import Settings
from .unit_of_work import UnitOfWork


@dataclass
class ImportReport:
    """What one statement did: counts by outcome, the lines skipped as already read, and each line's result."""

    file_name: str
    credits: int = 0
    duplicates: int = 0
    counts: dict = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    results: list = field(default_factory=list)  # per credit: line number, outcome, order id, message, line id

    def add(self, line_id: int | None, line, match: Match) -> None:
        """Count one credit's result."""
        self.credits += 1
        self.counts[match.outcome.value] += 1
        self.results.append({"line_id": line_id, "line_number": line.line_number, "outcome": match.outcome.value,
                             "order_id": match.order_id if match.records_payment else None,
                             "message": match.message})

    @property
    def to_check(self) -> int:
        """Lines a person must look at."""
        return self.counts["partial"] + self.counts["overpaid"] + self.counts["unmatched"]


def _due(order: Order) -> OrderDue:
    return OrderDue(order_id=order.id, number=order.number, payment_method=order.payment_method,
                    payment_status=order.payment_status, currency=order.currency, total_minor=order.total_minor,
                    received_minor=order.paid_minor or 0)


def _record_transfer(order: Order, amount_minor: int, match: Match, *, actor: Actor, bank_reference: str) -> None:
    """Put the money on the order; a bank transfer order waiting for it goes on once it is paid in full."""
    receipt = transfer_received(_due(order), amount_minor)
    previous = order.payment_status
    order.payment_status, order.paid_minor = receipt.status.value, receipt.received_minor
    facts = dict(amount_minor=amount_minor, received_minor=receipt.received_minor, currency=order.currency,
                 from_payment_status=previous, payment_status=receipt.status.value, outcome=match.outcome.value,
                 bank_reference=bank_reference, paid_in_full=receipt.paid_in_full)
    if receipt.paid_in_full and order.state == OrderStatus.AWAITING_PAYMENT:
        order.transition(OrderStatus.PLACED, actor_id=actor.user_id, reason="funds received",
                         reference=bank_reference, **facts)
    else:
        order.record("order.transfer_received", actor_id=actor.user_id, changed=True, **facts)


def import_bank_statement(cmd: commands.ImportBankStatement, actor: Actor, uow: UnitOfWork,
                          settings: Settings) -> ImportReport:
    """Read a statement's credits: each is recorded on the order it pays or kept for a person; all in one go."""
    require_role(actor, *OFFICE)
    report = ImportReport(file_name=cmd.file_name)
    known = uow.bank.known_references(line.bank_reference for line in cmd.lines)
    fresh, seen = [], set()
    for line in cmd.lines:
        if line.bank_reference in known or line.bank_reference in seen:
            report.duplicates += 1  # read before (this file again, or an overlapping statement)
            continue
        seen.add(line.bank_reference)
        fresh.append(line)
    named = {line.bank_reference: order_ids_named(line.reference) for line in fresh}
    wanted = sorted({ids[0] for ids in named.values() if len(ids) == 1})
    orders = uow.orders.many(wanted, for_update=not cmd.preview)  # locked in id order, as everywhere else
    for line in fresh:
        ids = named[line.bank_reference]
        order = orders.get(ids[0]) if len(ids) == 1 else None
        match = match_line(line, [_due(order)] if order is not None else [], named_count=len(ids))
        if cmd.preview:
            report.add(None, line, match)
            continue
        if match.records_payment:
            uow.track(order)
            _record_transfer(order, line.amount_minor, match, actor=actor, bank_reference=line.bank_reference)
        report.add(uow.bank.add(line, match, file_name=cmd.file_name, actor_id=actor.user_id), line, match)
    if cmd.preview:
        uow.rollback()  # locks taken to read the orders are let go; nothing was written
        return report
    uow.publish(DomainEvent(name="bank.statement_imported", aggregate_type="bank_statement", aggregate_id=None,
                            aggregate_version=1, data={"actor_id": actor.user_id, "file_name": cmd.file_name,
                                                       "credits": report.credits, "to_check": report.to_check,
                                                       "duplicates": report.duplicates}))
    uow.commit()
    return report


def _open_line(line_id: int, uow: UnitOfWork):
    row = uow.bank.lock(line_id)
    if row is None:
        raise NotFound("No such statement line.")
    if row.status != OPEN:
        raise StatementLineClosed("Someone has already dealt with this statement line.")
    return row


def match_statement_line(cmd: commands.MatchStatementLine, actor: Actor, uow: UnitOfWork, settings: Settings):
    """A person says which order an unmatched credit pays: recorded on it, the line closed with their note."""
    require_role(actor, *OFFICE)
    row = _open_line(cmd.line_id, uow)
    if row.outcome != Outcome.UNMATCHED.value:
        raise StatementLineClosed("This credit is already recorded on its order; settle it with a note instead.",
                                  code="bank.already_recorded")
    order = uow.orders.get(cmd.order_id, for_update=True)
    if order is None:
        raise NotFound(f"No order WB-{cmd.order_id:06d}.", field="order")
    match = fit(row.amount_minor, row.currency, _due(order))
    if not match.records_payment:
        raise InvalidStatementAction(match.message, field="order")
    note = (cmd.note or "").strip() or f"Matched by hand to {order.number}."
    uow.track(order)
    _record_transfer(order, row.amount_minor, match, actor=actor, bank_reference=row.bank_reference)
    uow.bank.settle(row, actor_id=actor.user_id, note=settle_note(note), order_id=order.id,
                    outcome=match.outcome.value, message=match.message)
    _line_event(uow, row, actor, "bank.line_matched", order_id=order.id)
    uow.commit()
    return row


def settle_statement_line(cmd: commands.SettleStatementLine, actor: Actor, uow: UnitOfWork, settings: Settings):
    """A person has dealt with a listed line (asked for the rest, sent the excess back, not ours): it closes."""
    require_role(actor, *OFFICE)
    row = _open_line(cmd.line_id, uow)
    uow.bank.settle(row, actor_id=actor.user_id, note=settle_note(cmd.note))
    _line_event(uow, row, actor, "bank.line_settled", order_id=row.order_id)
    uow.commit()
    return row


def _line_event(uow: UnitOfWork, row, actor: Actor, name: str, **data) -> None:
    uow.publish(DomainEvent(name=name, aggregate_type="bank_statement_line", aggregate_id=row.id,
                            aggregate_version=row.version, data={"actor_id": actor.user_id, **data}))
