"""An order's payments as people read them: the ledger's lines with who made them, and its sums."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.payment_tables import payment_entries
from ..adapters.records import OfficeException, User
from ..domain.exception_queue import OPEN
from ..domain.payment_ledger import CAPTURE_DECLINED, EntryKind, PaymentEntry, PaymentLedger


def _ledger(rows, currency: str) -> PaymentLedger:
    return PaymentLedger([PaymentEntry(EntryKind(r.kind), r.amount_minor, r.currency, r.reference, r.part, r.parent,
                                       r.decline_code, r.note, r.occurred_at) for r in rows], currency=currency)


def order_balance(session, order) -> int:
    """What the order's payer has paid, net: captured - refunded + cash on delivery collected + transfers."""
    rows = session.execute(sa.select(payment_entries).where(payment_entries.c.order_id == order.id)
                           .order_by(payment_entries.c.id)).all()
    return _ledger(rows, order.currency).balance_minor


def order_payments(session, order) -> dict:
    """Balance, sums and history (oldest first) of one order's payments."""
    rows = session.execute(
        sa.select(payment_entries, User.name.label("actor_name"))
        .outerjoin(User, User.id == payment_entries.c.actor_id)
        .where(payment_entries.c.order_id == order.id).order_by(payment_entries.c.id)).all()
    ledger = _ledger(rows, order.currency)
    return {
        "order_id": order.id, "currency": order.currency, "total_minor": order.total_minor,
        "payment_method": order.payment_method, "payment_status": order.payment_status,
        "authorized_minor": ledger.authorized_minor, "captured_minor": ledger.captured_minor,
        "refunded_minor": ledger.refunded_minor, "received_minor": ledger.received_minor,
        "balance_minor": ledger.balance_minor,
        "refundable_minor": max(ledger.captured_minor - ledger.refunded_minor, 0),
        # A declined capture holds the parcel until a person resolves its exception.
        "held": session.execute(sa.select(sa.exists().where(
            OfficeException.order_id == order.id, OfficeException.code == CAPTURE_DECLINED,
            OfficeException.status == OPEN))).scalar(),
        "entries": [{"kind": r.kind, "amount_minor": r.amount_minor, "currency": r.currency,
                     "reference": r.reference, "decline_code": r.decline_code, "note": r.note,
                     "by": r.actor_name, "occurred_at": r.occurred_at} for r in rows],
    }
