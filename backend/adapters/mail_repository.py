"""Order e-mail rows, and the facts a message tells, read and written for the mail worker and its handlers."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain.events import utcnow
from .fulfilment_tables import delivery_proofs, delivery_runs, run_stops, shipments
from .mail_records import MailCursor, MailMessage
from .mappings import ORDER
from .records import OutboxEvent
from .tables import customers, order_lines, orders


class MailRepository:
    """The sent-mail log, the intake's cursor, and what an order's message needs to say."""

    def __init__(self, session):
        self.session = session

    # -- intake: published events -> messages ------------------------------------------------------------
    def cursor(self, *, for_update: bool = False) -> MailCursor:
        """The intake's single cursor row (made on first use); locked so two intakes run one at a time."""
        query = sa.select(MailCursor).where(MailCursor.id == 1)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:  # first use: two intakes may get here at once; one insert wins, the other waits on it
            insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
            self.session.execute(insert(MailCursor).values(id=1, last_sequence=0, updated_at=utcnow())
                                 .on_conflict_do_nothing(index_elements=["id"]))
            row = self.session.execute(query.execution_options(populate_existing=True)).scalar_one()
        return row

    def anything_new(self) -> bool:
        """A cheap read: is there a published event after the cursor? (Idle rounds then take no write lock.)"""
        last = self.session.execute(sa.select(MailCursor.last_sequence).where(MailCursor.id == 1)).scalar() or 0
        return self.session.execute(sa.select(OutboxEvent.id).where(OutboxEvent.publish_seq > last).limit(1)
                                    ).first() is not None

    def published_after(self, sequence: int, limit: int) -> list[OutboxEvent]:
        """Published events after `sequence`, in publish order."""
        return list(self.session.execute(sa.select(OutboxEvent).where(OutboxEvent.publish_seq > sequence)
                                         .order_by(OutboxEvent.publish_seq).limit(limit)).scalars())

    def message_exists(self, event_id: str, recipient: str) -> bool:
        return self.session.execute(sa.select(MailMessage.id).where(
            MailMessage.event_id == event_id, MailMessage.recipient == recipient)).first() is not None

    def add(self, row: MailMessage) -> None:
        self.session.add(row)

    # -- what a message tells ----------------------------------------------------------------------------
    def order(self, order_id: int):
        """An order's own columns (number, token, total) as a read-only copy, without its lines."""
        row = self.session.execute(sa.select(orders).where(orders.c.id == order_id)).one_or_none()
        return None if row is None else ORDER.build(row._asdict())

    def lines(self, order_id: int) -> list[dict]:
        """The order's lines as the customer bought them: name, quantity, line price with tax."""
        rows = self.session.execute(sa.select(order_lines.c.name, order_lines.c.sku, order_lines.c.quantity,
                                              order_lines.c.net_minor, order_lines.c.tax_minor)
                                    .where(order_lines.c.order_id == order_id).order_by(order_lines.c.id))
        return [{"name": r.name, "sku": r.sku, "quantity": r.quantity, "total_minor": r.net_minor + r.tax_minor}
                for r in rows]

    def customer(self, customer_id: int):
        """(email, name, order_emails, mail_token) of a customer, or None."""
        return self.session.execute(sa.select(customers.c.email, customers.c.name, customers.c.order_emails,
                                              customers.c.mail_token)
                                    .where(customers.c.id == customer_id)).first()

    def latest_shipment(self, order_id: int):
        """(carrier, tracking_number) of the order's newest shipment, or None."""
        return self.session.execute(sa.select(shipments.c.carrier, shipments.c.tracking_number)
                                    .where(shipments.c.order_id == order_id).order_by(shipments.c.id.desc())).first()

    def next_visit(self, order_id: int):
        """(eta, run_date) of the order's stop still to be visited, or None (no van planned yet)."""
        return self.session.execute(sa.select(run_stops.c.eta, delivery_runs.c.run_date)
                                    .join(delivery_runs, delivery_runs.c.id == run_stops.c.run_id)
                                    .where(run_stops.c.order_id == order_id, run_stops.c.status == "pending")
                                    .order_by(run_stops.c.id.desc())).first()

    def proof(self, order_id: int, stop_id: int | None = None):
        """(recipient_name, occurred_at, photo_blob_ids) of the delivery's proof (that stop's, if named)."""
        query = sa.select(delivery_proofs.c.recipient_name, delivery_proofs.c.occurred_at,
                          delivery_proofs.c.photo_blob_ids).where(delivery_proofs.c.order_id == order_id,
                                                                  delivery_proofs.c.extra_evidence.is_(False))
        if stop_id is not None:
            query = query.where(delivery_proofs.c.stop_id == stop_id)
        return self.session.execute(query.order_by(delivery_proofs.c.id)).first()

    # -- delivery ----------------------------------------------------------------------------------------
    def anything_due(self, now) -> bool:
        return self.session.execute(sa.select(MailMessage.id).where(
            MailMessage.status == "pending", MailMessage.next_attempt_at <= now).limit(1)).first() is not None

    def claim_due(self, now, lease_until, limit: int) -> list[MailMessage]:
        """Due messages in publish order, leased until `lease_until` so no other worker sends them meanwhile.

        A worker that dies mid-send leaves the lease to run out, and the message goes again (see the
        mail worker's docstring for why that, and not losing it, is the side to err on).
        """
        query = (sa.select(MailMessage).where(MailMessage.status == "pending", MailMessage.next_attempt_at <= now)
                 .order_by(MailMessage.sequence, MailMessage.id).limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        messages = list(self.session.execute(query).scalars())
        for message in messages:
            message.next_attempt_at = lease_until
        return messages

    def message(self, message_id: int, *, for_update: bool = False) -> MailMessage | None:
        query = sa.select(MailMessage).where(MailMessage.id == message_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).scalar_one_or_none()

    def wants_order_emails(self, customer_id: int) -> bool:
        """Whether the customer still has order e-mails on (checked again just before each send)."""
        return bool(self.session.execute(sa.select(customers.c.order_emails)
                                         .where(customers.c.id == customer_id)).scalar())
