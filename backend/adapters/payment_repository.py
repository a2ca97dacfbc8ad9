"""Each order's payments ledger and the provider webhook events already handled, read and written with Core."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.events import utcnow
from ..domain.payment_ledger import EntryKind, PaymentEntry
from .payment_tables import payment_entries, payment_webhook_events


def _entry(row) -> PaymentEntry:
    return PaymentEntry(EntryKind(row.kind), row.amount_minor, row.currency, row.reference, row.part, row.parent,
                        row.decline_code, row.note, row.occurred_at)


class PaymentRepository:
    """Ledger lines are only ever added: a payment fact is never changed afterwards."""

    def __init__(self, session):
        self.session = session

    def entries(self, order_id: int) -> list[PaymentEntry]:
        """The order's ledger, oldest first."""
        rows = self.session.execute(sa.select(payment_entries).where(payment_entries.c.order_id == order_id)
                                    .order_by(payment_entries.c.id)).all()
        return [_entry(row) for row in rows]

    def by_key(self, idempotency_key: str) -> PaymentEntry | None:
        """The line a gateway call with this key already wrote, if any."""
        row = self.session.execute(sa.select(payment_entries)
                                   .where(payment_entries.c.idempotency_key == idempotency_key)).first()
        return _entry(row) if row else None

    def order_of_reference(self, reference: str) -> int | None:
        """The order a gateway reference (authorization or capture id) belongs to."""
        return self.session.execute(sa.select(payment_entries.c.order_id)
                                    .where(payment_entries.c.reference == reference).limit(1)).scalar()

    def add(self, order_id: int, entry: PaymentEntry, *, idempotency_key: str | None, actor_id: int | None) -> None:
        """Append one line to the order's ledger."""
        self.session.execute(payment_entries.insert().values(
            order_id=order_id, kind=entry.kind.value, amount_minor=entry.amount_minor, currency=entry.currency,
            reference=entry.reference, part=entry.part, parent=entry.parent, decline_code=entry.decline_code,
            note=entry.note[:500], idempotency_key=idempotency_key, actor_id=actor_id, occurred_at=entry.occurred_at))

    def webhook_seen(self, event_id: str) -> bool:
        """True when the provider's event was handled before (a replay changes nothing)."""
        return self.session.execute(sa.select(payment_webhook_events.c.event_id)
                                    .where(payment_webhook_events.c.event_id == event_id)).first() is not None

    def note_webhook(self, event_id: str, event_type: str, order_id: int | None) -> None:
        """Remember a handled provider event (its primary key refuses a concurrent second one)."""
        self.session.execute(payment_webhook_events.insert().values(
            event_id=event_id, type=event_type, order_id=order_id, received_at=utcnow()))
