"""Bank transfers read from the bank's statement: which order each credit pays, and what a person must look at.

A customer who pays by bank transfer is asked to put the order number (WB-000123) in the reference. A
statement line whose reference names exactly one order that waits for that money, in its currency, is
recorded on the order. Anything else is kept and listed for a person, never dropped: a part payment
(recorded, the rest still owed), an overpayment (recorded, the excess to send back), and a credit that
matches no order (nothing recorded until a person says which order it pays, or that it is not for us).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum

from .errors import DomainError
from .money import format_money
from .payments import PaymentMethod, PaymentStatus

OPEN, SETTLED = "open", "settled"  # a line waits for a person, or nothing more is to be done
MAX_NOTE = 500
# "WB-000123", "wb 123", "WB000123": the number as customers type it into a bank's reference field.
_ORDER_NUMBER = re.compile(r"\bWB[\s\-]?0*(\d{1,9})\b", re.IGNORECASE)


class Outcome(str, Enum):
    """What the import made of a statement line."""

    MATCHED = "matched"        # the order's outstanding amount exactly: recorded, nothing to do
    PARTIAL = "partial"        # less than owed: recorded, the rest is still owed
    OVERPAID = "overpaid"      # more than owed: recorded, the excess is to be sent back
    UNMATCHED = "unmatched"    # no order could take it: nothing recorded, a person decides


@dataclass(frozen=True)
class StatementLine:
    """One credit on the bank statement, as the import read it."""

    line_number: int           # in the file, header counted as line 1, for a person checking the file
    bank_reference: str        # the bank's own id of the transaction: importing a statement twice adds nothing
    booked_on: date
    amount_minor: int
    currency: str
    reference: str             # what the payer wrote
    payer: str = ""


@dataclass(frozen=True)
class OrderDue:
    """What an order still waits for, as the matcher needs to know it."""

    order_id: int
    number: str
    payment_method: str
    payment_status: str
    currency: str
    total_minor: int
    received_minor: int        # recorded so far (earlier transfers)

    @property
    def outstanding_minor(self) -> int:
        """What is still owed."""
        return max(self.total_minor - self.received_minor, 0)


@dataclass(frozen=True)
class Match:
    """The decision for one line: its outcome, the order it pays (if any) and the words for a person."""

    outcome: Outcome
    order_id: int | None
    message: str

    @property
    def records_payment(self) -> bool:
        """True when the money goes onto the order now."""
        return self.outcome is not Outcome.UNMATCHED

    @property
    def status(self) -> str:
        """Open (a person must look) unless the line paid its order exactly."""
        return SETTLED if self.outcome is Outcome.MATCHED else OPEN


class StatementLineClosed(DomainError):
    """Someone settled this statement line first."""

    code = "bank.line_settled"
    status = 409


class InvalidStatementAction(DomainError):
    """A person's action on a statement line cannot be taken as given."""

    code = "bank.invalid_action"
    status = 422


def order_ids_named(reference: str) -> list[int]:
    """The order ids a payer's reference names, in order, each once."""
    seen: list[int] = []
    for match in _ORDER_NUMBER.finditer(reference or ""):
        order_id = int(match.group(1))
        if order_id and order_id not in seen:
            seen.append(order_id)
    return seen


# Orders a transfer can be recorded on: a bank transfer order that waits for its money or has part of it.
_TAKES_TRANSFER = frozenset({PaymentStatus.AWAITING_FUNDS.value, PaymentStatus.PARTLY_PAID.value})


def match_line(line: StatementLine, named: list[OrderDue], *, named_count: int) -> Match:
    """Which order a credit pays and how well it fits; `named` are the orders found for its reference.

    `named_count` is how many order numbers the reference named (some may not exist): a reference that
    names two orders is for a person, who can see whether it pays both.
    """
    amount = format_money(line.amount_minor, line.currency)
    if named_count == 0:
        return Match(Outcome.UNMATCHED, None, f"{amount}: the reference names no order number.")
    if named_count > 1:
        return Match(Outcome.UNMATCHED, None, f"{amount}: the reference names {named_count} orders; "
                                              f"say which one it pays.")
    if not named:
        return Match(Outcome.UNMATCHED, None, f"{amount}: the reference names an order that does not exist.")
    return fit(line.amount_minor, line.currency, named[0])


def fit(amount_minor: int, currency: str, order: OrderDue) -> Match:
    """How an amount fits an order: exact, short, over, or not for this order at all (with why)."""
    amount = format_money(amount_minor, currency)
    if order.payment_method != PaymentMethod.BANK_TRANSFER.value:
        return Match(Outcome.UNMATCHED, order.order_id, f"{amount} names {order.number}, which is not paid by "
                                                        f"bank transfer.")
    if currency != order.currency:
        return Match(Outcome.UNMATCHED, order.order_id, f"{amount} names {order.number}, which is in "
                                                        f"{order.currency}.")
    if order.payment_status not in _TAKES_TRANSFER:
        return Match(Outcome.UNMATCHED, order.order_id, f"{amount} names {order.number}, which is not waiting "
                                                        f"for money (it is {order.payment_status.replace('_', ' ')}).")
    owed = order.outstanding_minor
    if amount_minor == owed:
        return Match(Outcome.MATCHED, order.order_id, f"{amount} pays {order.number} in full.")
    if amount_minor < owed:
        return Match(Outcome.PARTIAL, order.order_id,
                     f"{amount} paid towards {order.number}; {format_money(owed - amount_minor, currency)} "
                     f"is still owed.")
    return Match(Outcome.OVERPAID, order.order_id,
                 f"{amount} paid for {order.number}, {format_money(amount_minor - owed, currency)} more than "
                 f"it owed: send the difference back.")


@dataclass(frozen=True)
class TransferReceipt:
    """An order's payment once a transfer is recorded on it: all received so far, and its status."""

    received_minor: int
    status: PaymentStatus

    @property
    def paid_in_full(self) -> bool:
        """True when what arrived covers the order."""
        return self.status == PaymentStatus.PAID


def transfer_received(order: OrderDue, amount_minor: int) -> TransferReceipt:
    """What the order holds after this transfer: paid once the money covers it, else partly paid."""
    received = order.received_minor + amount_minor
    return TransferReceipt(received, PaymentStatus.PAID if received >= order.total_minor
                           else PaymentStatus.PARTLY_PAID)


def settle_note(note: str) -> str:
    """The note a person leaves when they settle a line: required, so the next person knows what was done."""
    note = (note or "").strip()
    if not note:
        raise InvalidStatementAction("Say what you did about it, so the next person knows.", field="note")
    if len(note) > MAX_NOTE:
        raise InvalidStatementAction(f"Keep the note under {MAX_NOTE} characters.", field="note")
    return note
