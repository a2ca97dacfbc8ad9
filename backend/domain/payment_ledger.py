"""An order's payments ledger: what the gateway authorized, captured, voided and refunded, and cash or
transfers received; the balance and the payment status follow from it, never set by hand."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from .errors import DomainError
from .events import utcnow
from .money import format_money
from .payments import PAID_UPFRONT, PaymentMethod, PaymentStatus


# The office exception a declined capture opens: its parcel is held until a person resolves it.
CAPTURE_DECLINED = "payment.capture_declined"


class EntryKind(str, Enum):
    """What one ledger line says happened to the money."""

    AUTHORIZED = "authorized"              # the gateway holds the funds
    AUTHORIZATION_DECLINED = "authorization_declined"
    CAPTURED = "captured"                  # money taken (for one shipped part)
    CAPTURE_DECLINED = "capture_declined"  # the gateway refused to take it: the part is held
    VOIDED = "voided"                      # the rest of the authorization released
    REFUNDED = "refunded"                  # money given back against one capture
    COD_COLLECTED = "cod_collected"        # cash the driver handed in
    TRANSFER_RECEIVED = "transfer_received"
    DISPUTED = "disputed"                  # the buyer's bank opened a chargeback (no money moved yet)


@dataclass(frozen=True)
class PaymentEntry:
    """One line of the ledger: an amount, what happened, and the gateway's reference for it."""

    kind: EntryKind
    amount_minor: int
    currency: str
    reference: str = ""          # the gateway's id (auth_..., cap_..., ref_...) or a bank reference
    part: str = ""               # which shipped part a capture pays for ("w<warehouse id>")
    parent: str = ""             # the authorization a capture/void belongs to, the capture a refund does
    decline_code: str = ""
    note: str = ""
    occurred_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class GatewayAnswer:
    """What the payment provider said to one call: approved with its reference, or declined with a reason."""

    approved: bool
    reference: str = ""
    amount_minor: int = 0
    decline_code: str = ""
    message: str = ""


class RefundTooLarge(DomainError):
    """A refund larger than what was captured and not yet refunded."""

    code = "payment.refund_exceeds_captured"
    status = 422


class NothingToCapture(DomainError):
    """No authorization is left to take the money from."""

    code = "payment.nothing_to_capture"
    status = 409


class PaymentDeclined(DomainError):
    """The gateway said no; `decline_code` is the provider's reason."""

    code = "payment.declined"
    status = 402


class PaymentGatewayUnavailable(DomainError):
    """The gateway could not be reached or failed; nothing was charged or recorded."""

    code = "payment.gateway_unavailable"
    status = 503


class PaymentLedger:
    """The entries of one order, oldest first, and the sums a person asks about."""

    def __init__(self, entries, *, currency: str):
        self.entries = list(entries)
        self.currency = currency

    def _sum(self, *kinds: EntryKind) -> int:
        return sum(e.amount_minor for e in self.entries if e.kind in kinds)

    @property
    def authorized_minor(self) -> int:
        """Funds the gateway agreed to hold."""
        return self._sum(EntryKind.AUTHORIZED)

    @property
    def captured_minor(self) -> int:
        """Money taken through the gateway."""
        return self._sum(EntryKind.CAPTURED)

    @property
    def refunded_minor(self) -> int:
        """Money given back."""
        return self._sum(EntryKind.REFUNDED)

    @property
    def received_minor(self) -> int:
        """Cash on delivery handed in plus bank transfers received."""
        return self._sum(EntryKind.COD_COLLECTED, EntryKind.TRANSFER_RECEIVED)

    @property
    def balance_minor(self) -> int:
        """What the shop holds for the order: captured - refunded + cash and transfers received."""
        return self.captured_minor - self.refunded_minor + self.received_minor

    @property
    def voided(self) -> bool:
        """The authorization's rest was released."""
        return any(e.kind == EntryKind.VOIDED for e in self.entries)

    @property
    def open_authorization(self) -> PaymentEntry | None:
        """The authorization still holding funds (not voided, not captured in full), if any."""
        if self.voided:
            return None
        authorizations = [e for e in self.entries if e.kind == EntryKind.AUTHORIZED]
        if not authorizations or self.capturable_minor <= 0:
            return None
        return authorizations[-1]

    @property
    def capturable_minor(self) -> int:
        """What is still held and may be captured."""
        return 0 if self.voided else max(self.authorized_minor - self.captured_minor, 0)

    def captured_for(self, part: str) -> PaymentEntry | None:
        """The capture already taken for a shipped part (a retry must not take it twice)."""
        return next((e for e in self.entries if e.kind == EntryKind.CAPTURED and e.part == part), None)

    def declines_for(self, part: str) -> int:
        """How many captures for a part the gateway refused (each retry needs a fresh idempotency key)."""
        return sum(1 for e in self.entries if e.kind == EntryKind.CAPTURE_DECLINED and e.part == part)

    def refund_plan(self, amount_minor: int) -> list[tuple[str, int]]:
        """(capture reference, amount) pairs that give back `amount_minor`, newest capture first.

        A refund can never exceed what was captured and not yet refunded: RefundTooLarge otherwise.
        """
        if amount_minor <= 0:
            raise RefundTooLarge("Give an amount above zero.", field="amount_minor")
        refundable = self.captured_minor - self.refunded_minor
        if amount_minor > refundable:
            raise RefundTooLarge(
                f"Only {format_money(max(refundable, 0), self.currency)} was captured and not yet refunded; "
                f"{format_money(amount_minor, self.currency)} cannot be given back.", field="amount_minor",
                details={"refundable_minor": max(refundable, 0)})
        plan, left = [], amount_minor
        for capture in reversed([e for e in self.entries if e.kind == EntryKind.CAPTURED]):
            already = sum(e.amount_minor for e in self.entries
                          if e.kind == EntryKind.REFUNDED and e.parent == capture.reference)
            take = min(capture.amount_minor - already, left)
            if take > 0:
                plan.append((capture.reference, take))
                left -= take
            if not left:
                break
        return plan

    def status(self, *, method: str, total_minor: int, current: str) -> str:
        """The payment status the ledger shows; `current` stands while the ledger has no say yet (an
        order a person vouched for, or one placed before the gateway existed)."""
        paid_in = self.captured_minor + self.received_minor
        if self.refunded_minor:
            return (PaymentStatus.REFUNDED if self.balance_minor <= 0 else PaymentStatus.PARTLY_REFUNDED).value
        if paid_in >= total_minor and paid_in:
            return PaymentStatus.PAID.value
        if paid_in:
            if PaymentMethod(method) == PaymentMethod.CASH_ON_DELIVERY:
                return PaymentStatus.COLLECT_ON_DELIVERY.value  # the rest is still collected at the door
            return PaymentStatus.PARTLY_PAID.value
        if self.voided:
            return PaymentStatus.VOIDED.value
        if self.capturable_minor:
            return PaymentStatus.AUTHORIZED.value
        if PaymentMethod(method) in PAID_UPFRONT and any(
                e.kind == EntryKind.AUTHORIZATION_DECLINED for e in self.entries):
            return PaymentStatus.UNPAID.value
        return current


def part_share(lines, units_by_line: dict, *, total_minor: int, captured_minor: int, last_part: bool) -> int:
    """What a shipped part costs: its lines' gross value for the units in it; the last part takes the rest
    of the total (shipping and rounding land there, so the captures add up to the order's total)."""
    if last_part:
        return max(total_minor - captured_minor, 0)
    share = 0
    for line in lines:
        units = units_by_line.get(line.id, 0)
        if units and line.quantity:
            share += (line.net_minor + line.tax_minor) * units // line.quantity  # round down: never overcharge
    return min(share, max(total_minor - captured_minor, 0))
