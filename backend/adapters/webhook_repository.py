"""Outgoing webhook rows, read and written for the subscription handlers and the webhook worker."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain.events import utcnow
from .fulfilment_tables import shipments
from .records import OutboxEvent, User
from .webhook_records import WebhookAttempt, WebhookCursor, WebhookDelivery, WebhookSubscription

# Only these roles' subscriptions are served: a demoted or deactivated person's URL stops hearing at once.
SUBSCRIBER_ROLES = ("owner", "manager")


class WebhookRepository:
    """Subscriptions, the deliveries owed to them, their attempts, and the intake's cursor."""

    def __init__(self, session):
        self.session = session

    # -- subscriptions (the handlers) -------------------------------------------------------------------
    def add_subscription(self, **fields) -> WebhookSubscription:
        """A new subscription, written with the transaction."""
        row = WebhookSubscription(**fields)
        self.session.add(row)
        return row

    def subscription(self, subscription_id: int, *, for_update: bool = False) -> WebhookSubscription | None:
        query = sa.select(WebhookSubscription).where(WebhookSubscription.id == subscription_id,
                                                     WebhookSubscription.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).scalar_one_or_none()

    def cancel_pending(self, subscription_id: int, now) -> None:
        """End every delivery still waiting for this subscription (it was deleted or disabled)."""
        self.session.execute(sa.update(WebhookDelivery).where(
            WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == "pending"
        ).values(status="cancelled", finished_at=now, next_attempt_at=None))

    # -- intake: published events -> deliveries ---------------------------------------------------------
    def cursor(self, *, for_update: bool = False) -> WebhookCursor:
        """The intake's single cursor row (made on first use); locked so two intakes run one at a time."""
        query = sa.select(WebhookCursor).where(WebhookCursor.id == 1)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:  # first use: two intakes may get here at once; one insert wins, the other waits on it
            insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
            self.session.execute(insert(WebhookCursor).values(id=1, last_sequence=0, updated_at=utcnow())
                                 .on_conflict_do_nothing(index_elements=["id"]))
            row = self.session.execute(query.execution_options(populate_existing=True)).scalar_one()
        return row

    def anything_new(self) -> bool:
        """A cheap read: is there a published event after the cursor? (Idle rounds then take no write lock.)"""
        last = self.session.execute(sa.select(WebhookCursor.last_sequence).where(WebhookCursor.id == 1)
                                    ).scalar() or 0
        return self.session.execute(sa.select(OutboxEvent.id).where(OutboxEvent.publish_seq > last).limit(1)
                                    ).first() is not None

    def published_after(self, sequence: int, limit: int) -> list[OutboxEvent]:
        """Published events after `sequence`, in publish order."""
        return list(self.session.execute(sa.select(OutboxEvent).where(OutboxEvent.publish_seq > sequence)
                                         .order_by(OutboxEvent.publish_seq).limit(limit)).scalars())

    def active_subscriptions(self) -> list[WebhookSubscription]:
        """Subscriptions still on, of people still active in a role that may subscribe."""
        return list(self.session.execute(
            sa.select(WebhookSubscription).join(User, User.id == WebhookSubscription.user_id)
            .where(WebhookSubscription.disabled_at.is_(None), WebhookSubscription.deleted_at.is_(None),
                   User.active.is_(True), User.role.in_(SUBSCRIBER_ROLES))
            .order_by(WebhookSubscription.id)).scalars())

    def delivery_exists(self, subscription_id: int, event_id: str) -> bool:
        return self.session.execute(sa.select(WebhookDelivery.id).where(
            WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.event_id == event_id)
        ).first() is not None

    def shipment_facts(self, shipment_id: int) -> dict:
        """What a shipment event does not carry itself: its order and carrier."""
        row = self.session.execute(sa.select(shipments.c.order_id, shipments.c.carrier)
                                   .where(shipments.c.id == shipment_id)).one_or_none()
        return {} if row is None else {"order_id": row.order_id, "carrier": row.carrier}

    def add(self, row) -> None:
        self.session.add(row)

    # -- delivery --------------------------------------------------------------------------------------
    def anything_due(self, now) -> bool:
        return self.session.execute(sa.select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now).limit(1)).first() is not None

    def claim_due(self, now, lease_until, limit: int) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
        """Due deliveries in publish order, leased until `lease_until` so no other worker sends them too.

        A worker that dies mid-send leaves the lease to run out, and the delivery goes out again (at least
        once: the Waybill-Delivery header lets the receiver drop the second).
        """
        query = (sa.select(WebhookDelivery).where(WebhookDelivery.status == "pending",
                                                  WebhookDelivery.next_attempt_at <= now)
                 .order_by(WebhookDelivery.sequence, WebhookDelivery.id).limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        deliveries = list(self.session.execute(query).scalars())
        for delivery in deliveries:
            delivery.next_attempt_at = lease_until
        subs = {s.id: s for s in self.session.execute(sa.select(WebhookSubscription).where(
            WebhookSubscription.id.in_({d.subscription_id for d in deliveries}))).scalars()} if deliveries else {}
        return [(d, subs[d.subscription_id]) for d in deliveries]

    def delivery(self, row_id: int, *, for_update: bool = False) -> WebhookDelivery | None:
        query = sa.select(WebhookDelivery).where(WebhookDelivery.id == row_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).scalar_one_or_none()

    def subscription_any(self, subscription_id: int, *, for_update: bool = False) -> WebhookSubscription | None:
        """A subscription whether deleted or not (the worker records what happened either way)."""
        query = sa.select(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).scalar_one_or_none()

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self.session.add(attempt)
