"""Payment methods and the risk rules that put an order on payment hold."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .errors import DomainError
from .money import format_money


class PaymentMethod(str, Enum):
    """How the customer pays."""

    CARD = "card"
    PAYPAL = "paypal"
    BANK_TRANSFER = "bank_transfer"
    CASH_ON_DELIVERY = "cash_on_delivery"
    CASH = "cash"  # taken at the counter (point of sale); never a method of an order that is sent


class PaymentStatus(str, Enum):
    """Where the money is."""

    UNPAID = "unpaid"                # card/PayPal the buyer chose, not yet confirmed by the gateway or staff
    AUTHORIZED = "authorized"        # card/PayPal: the gateway holds the funds
    AWAITING_FUNDS = "awaiting_funds"  # bank transfer: nothing received yet
    PARTLY_PAID = "partly_paid"      # part of the money taken or arrived (a split order's first part, a part transfer)
    PAID = "paid"
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"
    COLLECT_ON_DELIVERY = "collect_on_delivery"
    VOIDED = "voided"                # order rejected or cancelled before capture


class AddressCheck(str, Enum):
    """What the address verification service said (AVS result from the gateway)."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class RiskPolicy:
    """Thresholds for the payment verification rules."""

    max_order_minor: int
    velocity_limit: int
    velocity_window_minutes: int


@dataclass(frozen=True)
class RiskFacts:
    """What is known about an order when it arrives."""

    total_minor: int
    billing_country: str
    shipping_country: str
    customer_recent_orders: int      # orders by this customer inside the window, this one excluded
    card_recent_orders: int          # orders with this card fingerprint inside the window
    address_check: AddressCheck = AddressCheck.NOT_CHECKED
    currency: str = "GBP"            # of total_minor, to say the amounts as money
    # False when only the buyer says a card or PayPal payment was made: a person must check it.
    payment_confirmed: bool = True


@dataclass(frozen=True)
class HoldReason:
    """Why an order waits for a person: a stable code and a sentence."""

    code: str
    message: str

    def as_dict(self) -> dict:
        """JSON-safe form stored on the order."""
        return {"code": self.code, "message": self.message}


def assess_risk(policy: RiskPolicy, facts: RiskFacts) -> list[HoldReason]:
    """Every rule that fires, so the manager sees all the reasons at once."""
    reasons = []
    if facts.total_minor > policy.max_order_minor:
        reasons.append(HoldReason("risk.order_value",
                                  f"The order comes to {format_money(facts.total_minor, facts.currency)}, above "
                                  f"the {format_money(policy.max_order_minor, facts.currency)} the shop checks "
                                  "by hand."))
    if facts.billing_country.upper() != facts.shipping_country.upper():
        reasons.append(HoldReason("risk.country_mismatch",
                                  f"Billing country {facts.billing_country} differs from shipping "
                                  f"country {facts.shipping_country}."))
    if facts.customer_recent_orders >= policy.velocity_limit:
        reasons.append(HoldReason("risk.customer_velocity",
                                  f"Customer placed {facts.customer_recent_orders} orders in the last "
                                  f"{policy.velocity_window_minutes} minutes."))
    if facts.card_recent_orders >= policy.velocity_limit:
        reasons.append(HoldReason("risk.card_velocity",
                                  f"This card was used for {facts.card_recent_orders} orders in the last "
                                  f"{policy.velocity_window_minutes} minutes."))
    if facts.address_check == AddressCheck.FAILED:
        reasons.append(HoldReason("risk.address_check_failed",
                                  "The card issuer's address check failed."))
    if not facts.payment_confirmed:
        reasons.append(HoldReason("risk.payment_unconfirmed",
                                  "No payment gateway or staff member has confirmed this payment yet; "
                                  "check that it was taken before releasing the order."))
    return reasons


PAID_UPFRONT = frozenset({PaymentMethod.CARD, PaymentMethod.PAYPAL})


def initial_payment_status(method: PaymentMethod, *, confirmed: bool = True) -> PaymentStatus:
    """Card and PayPal are authorized when the gateway or staff vouch for them, else unpaid; bank transfer
    waits for funds; COD is collected at the door."""
    method = PaymentMethod(method)
    if method in PAID_UPFRONT:
        return PaymentStatus.AUTHORIZED if confirmed else PaymentStatus.UNPAID
    return {
        PaymentMethod.BANK_TRANSFER: PaymentStatus.AWAITING_FUNDS,
        PaymentMethod.CASH_ON_DELIVERY: PaymentStatus.COLLECT_ON_DELIVERY,
        PaymentMethod.CASH: PaymentStatus.PAID,
    }[method]


def needs_buyer_payment_confirmation(method: PaymentMethod) -> bool:
    """A buyer's own card or PayPal order: only the gateway or staff can say the money was taken."""
    return PaymentMethod(method) in PAID_UPFRONT


class PaymentNotRecordable(DomainError):
    """A payment fact offered by someone who may not vouch for money received."""

    code = "payment.not_recordable"
    status = 403


@dataclass(frozen=True)
class CashReceipt:
    """What an order holds once staff record cash taken for it: all received so far, and the payment status."""

    received_minor: int
    status: PaymentStatus

    @property
    def paid_in_full(self) -> bool:
        """True when the cash received covers the order."""
        return self.status == PaymentStatus.PAID


def cash_on_delivery_received(*, method: str, status: str, total_minor: int, received_before_minor: int | None,
                              collected_minor: int, recorded_by_staff: bool) -> CashReceipt | None:
    """The order's payment once a settled run has handed in the cash a stop collected; None when unchanged.

    Only staff vouch for cash (a buyer's word is no payment fact, as at intake). Nothing collected (a
    failed attempt, or nothing paid at the door) changes nothing. Cash short of the total is recorded as
    received but leaves the rest to collect: a part delivered and paid for is not a paid order. An order
    already paid, or voided by a cancel, keeps its status: that cash is the office's to sort out.
    """
    if not recorded_by_staff:
        raise PaymentNotRecordable("Only the shop's staff can record cash received.")
    if PaymentMethod(method) != PaymentMethod.CASH_ON_DELIVERY or collected_minor <= 0:
        return None
    if PaymentStatus(status) != PaymentStatus.COLLECT_ON_DELIVERY:
        return None
    received = (received_before_minor or 0) + collected_minor
    return CashReceipt(received, PaymentStatus.PAID if received >= total_minor
                       else PaymentStatus.COLLECT_ON_DELIVERY)
