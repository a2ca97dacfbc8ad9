"""Money through the card and wallet provider: authorize at intake, capture a part as it ships, void on
cancel, refund on a manager's word. Each call to the provider is made outside any database transaction
(the read before it is rolled back, the answer written in a fresh one), with an idempotency key derived
from the order, so a retry gets the provider's first answer and never charges twice."""
from __future__ import annotations

import hashlib

from ..domain import commands
from ..domain.access import Actor, Role, ensure_visible, require_role
from ..domain.errors import DomainError
from ..domain.money import format_money
from ..domain.orders import Order
from ..domain.payment_ledger import (CAPTURE_DECLINED, EntryKind, GatewayAnswer, NothingToCapture, PaymentDeclined,
                                     PaymentEntry, PaymentGatewayUnavailable, PaymentLedger, part_share)
from ..domain.payments import PAID_UPFRONT, PaymentMethod
from .settings import Settings
from .unit_of_work import UnitOfWork

VOID_FAILED = "payment.void_failed"


class GatewayNotConfigured(DomainError):
    """No payment provider is configured: money goes back by hand, outside Waybill."""

    code = "payment.gateway_not_configured"
    status = 409


def ledger_of(order: Order, uow: UnitOfWork) -> PaymentLedger:
    """The order's payments ledger."""
    return PaymentLedger(uow.payments.entries(order.id), currency=order.currency)


def record_entry(order: Order, entry: PaymentEntry, uow: UnitOfWork, actor_id: int | None, *,
                 key: str | None) -> PaymentLedger:
    """Add a line to the order's ledger, let the payment status follow, and tell live pages (outbox)."""
    uow.payments.add(order.id, entry, idempotency_key=key, actor_id=actor_id)
    ledger = ledger_of(order, uow)
    previous = order.payment_status
    order.payment_status = ledger.status(method=order.payment_method, total_minor=order.total_minor,
                                         current=previous)
    order.record(f"order.payment_{entry.kind.value}", actor_id=actor_id, changed=True,
                 amount_minor=entry.amount_minor, currency=entry.currency, reference=entry.reference,
                 decline_code=entry.decline_code, from_payment_status=previous,
                 payment_status=order.payment_status, balance_minor=ledger.balance_minor)
    return ledger


def authorization_key(token: str) -> str:
    """A provider token is used once: the same checkout retried is the same authorization."""
    return "authorize-" + hashlib.sha256(token.encode()).hexdigest()[:40]


def authorize_at_intake(cmd: commands.PlaceOrder, method: PaymentMethod, total_minor: int, uow: UnitOfWork,
                        settings: Settings) -> GatewayAnswer | None:
    """Ask the provider to hold a card or wallet order's total before anything is written.

    None when there is nothing to ask (no token, not card or wallet, or no provider configured: then the
    order waits for a person as before). A decline is refused with the provider's reason; nothing is kept.
    """
    if not cmd.payment_token or method not in PAID_UPFRONT or settings.payment_gateway is None:
        return None
    uow.rollback()  # what was read so far is not held across the provider's answer
    answer = settings.payment_gateway.authorize(
        amount_minor=total_minor, currency=settings.currency, method=method.value, token=cmd.payment_token,
        reference=cmd.channel_order_id or cmd.idempotency_key or "",
        idempotency_key=authorization_key(cmd.payment_token))
    if not answer.approved:
        raise PaymentDeclined(f"The card or wallet was declined ({answer.decline_code}): {answer.message}",
                              field="payment_token", details={"decline_code": answer.decline_code})
    return answer


def note_authorization(order: Order, answer: GatewayAnswer, cmd: commands.PlaceOrder, uow: UnitOfWork,
                       actor: Actor) -> None:
    """Write the provider's authorization into the new order's ledger."""
    record_entry(order, PaymentEntry(EntryKind.AUTHORIZED, answer.amount_minor or order.total_minor, order.currency,
                                     answer.reference), uow, actor.user_id, key=authorization_key(cmd.payment_token))


# -- capture as a part ships -----------------------------------------------------------------------------
def capture_for_part(order: Order, parts, part, uow: UnitOfWork, settings: Settings, actor: Actor) -> bool:
    """Take the shipped part's share before it is booked with the carrier; True when the provider was called
    (the caller then reads the order again: the read before the call was rolled back).

    Nothing to take: no provider, an order a person vouched for (no ledger), or the part already captured.
    A decline opens an exception for the office, commits it, and refuses the shipment: the parcel is held
    until someone resolves it (then shipping again asks the provider again, with a fresh key).
    """
    gateway = settings.payment_gateway
    if gateway is None or order.payment_method not in {m.value for m in PAID_UPFRONT}:
        return False
    ledger = ledger_of(order, uow)
    part_key = f"w{part.warehouse_id}"
    if not ledger.entries or ledger.captured_for(part_key):
        return False
    if CAPTURE_DECLINED in uow.exception_queue.open_codes(order.id):
        raise DomainError(f"The payment for order {order.number} was declined; the parcel is held until the "
                          "office sorts it out (see the exception queue).", code="shipment.payment_held",
                          details={"held": True})
    last = sum(1 for p in parts if not p.shipped) == 1
    amount = min(part_share(order.lines, part.units_by_line, total_minor=order.total_minor,
                            captured_minor=ledger.captured_minor, last_part=last), ledger.capturable_minor)
    authorization = ledger.open_authorization
    if amount <= 0 or authorization is None:
        if ledger.balance_minor >= order.total_minor:
            return False
        raise NothingToCapture(f"No authorized payment is left to take for order {order.number}; take the "
                               "payment before it ships.", details={"held": True})
    key = f"capture-{order.id}-{part_key}-{ledger.declines_for(part_key) + 1}"
    order_id, currency, number = order.id, order.currency, order.number
    uow.rollback()  # no lock or write transaction held while the provider answers
    answer = gateway.capture(authorization.reference, amount_minor=amount, currency=currency, idempotency_key=key)
    order = uow.track(uow.orders.get(order_id, for_update=True))
    if uow.payments.by_key(key) is None:  # a concurrent retry may have written the same answer first
        kind = EntryKind.CAPTURED if answer.approved else EntryKind.CAPTURE_DECLINED
        record_entry(order, PaymentEntry(kind, answer.amount_minor or amount if answer.approved else amount, currency,
                                         answer.reference, part_key, authorization.reference, answer.decline_code,
                                         answer.message), uow, actor.user_id, key=key)
        if not answer.approved:
            uow.open_exception(CAPTURE_DECLINED,
                               f"The provider declined taking {format_money(amount, currency)} for order {number} "
                               f"({answer.decline_code}). The parcel is held: take payment another way or cancel, "
                               "then resolve this.", order_id=order_id,
                               data={"decline_code": answer.decline_code, "warehouse_id": part.warehouse_id})
    uow.commit()
    if not answer.approved:
        raise PaymentDeclined(f"The provider declined the payment for order {number} ({answer.decline_code}); "
                              "the parcel is held and the office has an exception to resolve.",
                              details={"decline_code": answer.decline_code, "held": True})
    return True


# -- void on cancel or reject ------------------------------------------------------------------------------
def void_after_ending(order_id: int, uow: UnitOfWork, settings: Settings, actor: Actor) -> Order | None:
    """Release what the provider still holds for an ended order (called after its ending committed).

    A void the provider refuses or cannot take opens an exception: the order stays ended, a person voids
    it in the provider's dashboard (an authorization also lapses by itself after some days).
    """
    gateway = settings.payment_gateway
    if gateway is None:
        return None
    order = uow.orders.get(order_id)
    ledger = ledger_of(order, uow)
    authorization = ledger.open_authorization
    if authorization is None:
        return None
    key = f"void-{order.id}-{authorization.reference}"
    uow.rollback()
    try:
        answer = gateway.void(authorization.reference, idempotency_key=key)
    except PaymentGatewayUnavailable:
        answer = GatewayAnswer(False, decline_code="provider_unavailable", message="The provider did not answer.")
    order = uow.track(uow.orders.get(order_id, for_update=True))
    if uow.payments.by_key(key) is not None:
        return order
    if answer.approved:
        record_entry(order, PaymentEntry(EntryKind.VOIDED, ledger.capturable_minor, order.currency, answer.reference,
                                         parent=authorization.reference), uow, actor.user_id, key=key)
    else:
        uow.open_exception(VOID_FAILED, f"The hold on the buyer's card for order {order.number} could not be "
                           f"released ({answer.decline_code}); release it with the payment provider.",
                           order_id=order.id, data={"authorization": authorization.reference}, conflict=False)
    uow.commit()
    return order


# -- refund -------------------------------------------------------------------------------------------------
def refund_payment(cmd: commands.RefundPayment, actor: Actor, uow: UnitOfWork, settings: Settings) -> PaymentLedger:
    """Give money back through the provider (owner or manager); never more than was captured and not refunded."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    order = uow.orders.get(cmd.order_id)
    ensure_visible(actor, order)
    ledger = ledger_of(order, uow)
    plan = ledger.refund_plan(cmd.amount_minor)  # RefundTooLarge before anything is asked or written
    if settings.payment_gateway is None:
        raise GatewayNotConfigured("No payment provider is configured; give the money back by hand.")
    done = sum(1 for e in ledger.entries if e.kind == EntryKind.REFUNDED)
    calls = [(capture, amount, f"refund-{order.id}-{done + i}-{capture}-{amount}")
             for i, (capture, amount) in enumerate(plan)]
    uow.rollback()
    answers = []
    for capture, amount, key in calls:
        answer = settings.payment_gateway.refund(capture, amount_minor=amount, currency=order.currency,
                                                 idempotency_key=key)
        answers.append((capture, amount, key, answer))
        if not answer.approved:
            break
    order = uow.track(uow.orders.get(cmd.order_id, for_update=True))
    for capture, amount, key, answer in answers:
        if answer.approved and uow.payments.by_key(key) is None:
            record_entry(order, PaymentEntry(EntryKind.REFUNDED, answer.amount_minor or amount, order.currency,
                                             answer.reference, parent=capture, note=cmd.reason), uow,
                         actor.user_id, key=key)
    uow.commit()
    declined = [a for *_, a in answers if not a.approved]
    if declined:
        raise PaymentDeclined(f"The provider refused the refund ({declined[0].decline_code}): {declined[0].message}",
                              field="amount_minor", details={"decline_code": declined[0].decline_code})
    return ledger_of(order, uow)
