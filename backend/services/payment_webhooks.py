"""The payment provider's webhooks: payment succeeded, failed or disputed, each handled once by its event id."""
from __future__ import annotations

from ..domain import commands
from ..domain.access import Actor
from ..domain.money import format_money
from ..domain.payment_ledger import EntryKind, PaymentEntry
from .payments import ledger_of, record_entry
from .settings import Settings
from .unit_of_work import UnitOfWork

DISPUTED = "payment.disputed"
FAILED = "payment.failed"
UNMATCHED = "payment.unmatched"


def _reference(data: dict) -> str:
    return str(data.get("capture_id") or data.get("authorization_id") or "")[:100]


def handle_payment_webhook(cmd: commands.HandlePaymentWebhook, actor: Actor, uow: UnitOfWork,
                           settings: Settings) -> str:
    """Apply a signed provider event to its order's ledger; 'replayed' when its event id was handled before.

    Events about references Waybill never made are noted and ignored ('ignored'): the provider must stop
    re-sending them. Each outcome is the answer's `outcome`: confirmed, unmatched, failed, disputed, noted.
    """
    if uow.payments.webhook_seen(cmd.event_id):
        return "replayed"
    data = cmd.data if isinstance(cmd.data, dict) else {}
    reference = _reference(data)
    order_id = uow.payments.order_of_reference(reference) if reference else None
    if order_id is None and data.get("authorization_id"):
        order_id = uow.payments.order_of_reference(str(data["authorization_id"])[:100])
    uow.payments.note_webhook(cmd.event_id, cmd.event_type, order_id)
    if order_id is None:
        uow.commit()
        return "ignored"
    order = uow.track(uow.orders.get(order_id, for_update=True))
    ledger = ledger_of(order, uow)
    amount = data.get("amount") if isinstance(data.get("amount"), int) else 0
    key = f"webhook-{cmd.event_id}"[:120]
    outcome = "confirmed" if cmd.event_type == "payment.succeeded" else "noted"
    if cmd.event_type == "payment.succeeded":
        if any(e.reference == reference for e in ledger.entries):
            order.record("order.payment_confirmed", actor_id=None, reference=reference)
        else:
            # Money taken that the ledger does not know (a capture whose answer never reached us): shipping
            # again asks with the same key and learns it; until then a person checks. Never counted twice.
            uow.open_exception(UNMATCHED, f"The payment provider took {format_money(amount, order.currency)} for "
                               f"order {order.number} that Waybill has not recorded ({reference}); check it with "
                               "the provider.", order_id=order.id, data={"reference": reference}, conflict=False)
            outcome = "unmatched"
    elif cmd.event_type == "payment.failed":
        code = str(data.get("decline_code") or data.get("reason") or "failed")[:64]
        uow.open_exception(FAILED, f"The payment provider reports a failed payment for order {order.number} "
                           f"({code}).", order_id=order.id, data={"reference": reference, "decline_code": code},
                           conflict=False)
        order.record("order.payment_failed", actor_id=None, reference=reference, decline_code=code)
        outcome = "failed"
    elif cmd.event_type == "payment.disputed":
        reason = str(data.get("reason") or "")[:64]
        record_entry(order, PaymentEntry(EntryKind.DISPUTED, amount, order.currency, str(data.get("dispute_id") or
                                         reference)[:100], parent=reference, decline_code=reason), uow, None, key=key)
        uow.open_exception(DISPUTED, f"The buyer's bank disputes {format_money(amount, order.currency)} of order "
                           f"{order.number} ({reason or 'no reason given'}); answer it with the provider.",
                           order_id=order.id, data={"reference": reference, "reason": reason}, conflict=False)
        outcome = "disputed"
    uow.commit()
    return outcome
