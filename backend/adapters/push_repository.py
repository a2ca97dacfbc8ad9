"""Web push rows, read and written for the push handlers and the push worker."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain.orders import Order
from ..domain.events import utcnow
from .mappings import ORDER
from .tables import orders
from .push_records import PushAttempt, PushCursor, PushMessage, PushSubscription
from .records import OutboxEvent, User


class PushRepository:
    """Subscriptions, the notifications owed to them, their attempts, and the intake's cursor."""

    def __init__(self, session):
        self.session = session

    # -- subscriptions (the API's handlers) -------------------------------------------------------------
    def order_by_token(self, tracking_token: str, *, for_update: bool = False) -> Order | None:
        """The order behind a tracking token (the token is the customer's key to it), as a read-only copy."""
        query = sa.select(orders).where(orders.c.tracking_token == tracking_token)
        if for_update:  # two subscribe requests for one order at once count subscriptions one after the other
            query = query.with_for_update(of=orders)
        row = self.session.execute(query).one_or_none()
        return None if row is None else ORDER.build(row._asdict())

    def order(self, order_id: int) -> Order | None:
        """An order's own columns (number, tracking token, total) as a read-only copy, without its lines."""
        row = self.session.execute(sa.select(orders).where(orders.c.id == order_id)).one_or_none()
        return None if row is None else ORDER.build(row._asdict())

    def subscription(self, order_id: int, endpoint: str) -> PushSubscription | None:
        return self.session.execute(sa.select(PushSubscription).where(
            PushSubscription.order_id == order_id, PushSubscription.endpoint == endpoint)).scalar_one_or_none()

    def active_count(self, order_id: int) -> int:
        return self.session.execute(sa.select(sa.func.count()).select_from(PushSubscription).where(
            PushSubscription.order_id == order_id, PushSubscription.revoked_at.is_(None))).scalar_one()

    def add_subscription(self, **fields) -> PushSubscription:
        """A new browser subscription (customer's or staff's), written with the transaction."""
        row = PushSubscription(**fields)
        self.session.add(row)
        return row

    def add(self, row) -> None:
        self.session.add(row)

    def cancel_pending(self, subscription_ids, status: str, now) -> None:
        """End every pending notification of these subscriptions (turned off, or gone)."""
        self.session.execute(sa.update(PushMessage).where(
            PushMessage.subscription_id.in_(list(subscription_ids)), PushMessage.status == "pending"
        ).values(status=status, finished_at=now, next_attempt_at=None))

    # -- intake: published events -> notifications ------------------------------------------------------
    def cursor(self, *, for_update: bool = False) -> PushCursor:
        """The intake's single cursor row (made on first use); locked so two intakes run one at a time."""
        query = sa.select(PushCursor).where(PushCursor.id == 1)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:  # first use: two intakes may get here at once; one insert wins, the other waits on it
            dialect = self.session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            statement = (insert(PushCursor).values(id=1, last_sequence=0, updated_at=utcnow())
                         .on_conflict_do_nothing(index_elements=["id"]))
            self.session.execute(statement)
            row = self.session.execute(query.execution_options(populate_existing=True)).scalar_one()
        return row

    def anything_new(self) -> bool:
        """A cheap read: is there a published event after the cursor? (Idle rounds then take no write lock.)"""
        last = self.session.execute(sa.select(PushCursor.last_sequence).where(PushCursor.id == 1)).scalar() or 0
        return self.session.execute(sa.select(OutboxEvent.id).where(OutboxEvent.publish_seq > last).limit(1)
                                    ).first() is not None

    def anything_due(self, now) -> bool:
        return self.session.execute(sa.select(PushMessage.id).where(
            PushMessage.status == "pending", PushMessage.next_attempt_at <= now).limit(1)).first() is not None

    def published_after(self, sequence: int, limit: int) -> list[OutboxEvent]:
        """Published events after `sequence`, in publish order (the relay hands out sequences in commit order)."""
        return list(self.session.execute(sa.select(OutboxEvent).where(OutboxEvent.publish_seq > sequence)
                                         .order_by(OutboxEvent.publish_seq).limit(limit)).scalars())

    def active_subscriptions(self, order_id: int, *, created_by) -> list[PushSubscription]:
        """Active subscriptions of an order made no later than `created_by` (news before one is not sent)."""
        return list(self.session.execute(sa.select(PushSubscription).where(
            PushSubscription.order_id == order_id, PushSubscription.audience == "customer",
            PushSubscription.revoked_at.is_(None),
            PushSubscription.created_at <= created_by).order_by(PushSubscription.id)).scalars())

    # -- staff alerts (owners' and managers' browsers) ------------------------------------------------
    def staff_subscription(self, user_id: int, endpoint: str) -> PushSubscription | None:
        return self.session.execute(sa.select(PushSubscription).where(
            PushSubscription.audience == "staff", PushSubscription.user_id == user_id,
            PushSubscription.endpoint == endpoint)).scalar_one_or_none()

    def active_staff_subscriptions(self, *, created_by, roles) -> list[PushSubscription]:
        """Active staff subscriptions made no later than `created_by`, of users still active and in `roles`.

        The role is checked when the alert is made, not only at subscribe time: a demoted or deactivated
        person's browser stops hearing about orders at once.
        """
        return list(self.session.execute(sa.select(PushSubscription).join(User, User.id == PushSubscription.user_id)
                                          .where(PushSubscription.audience == "staff",
                                                 PushSubscription.revoked_at.is_(None),
                                                 PushSubscription.created_at <= created_by,
                                                 User.active.is_(True), User.role.in_(list(roles)))
                                          .order_by(PushSubscription.id)).scalars())

    def message_exists(self, subscription_id: int, event_id: str) -> bool:
        return self.session.execute(sa.select(PushMessage.id).where(
            PushMessage.subscription_id == subscription_id, PushMessage.event_id == event_id)).first() is not None

    # -- delivery --------------------------------------------------------------------------------------
    def claim_due(self, now, lease_until, limit: int) -> list[tuple[PushMessage, PushSubscription]]:
        """Due notifications in publish order, leased until `lease_until` so no other worker sends them too.

        A worker that dies mid-send leaves the lease to run out, and the message goes out again
        (at least once; the Topic makes a duplicate replace the first on the phone).
        """
        query = (sa.select(PushMessage).where(PushMessage.status == "pending", PushMessage.next_attempt_at <= now)
                 .order_by(PushMessage.sequence, PushMessage.id).limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        messages = list(self.session.execute(query).scalars())
        for message in messages:
            message.next_attempt_at = lease_until
        subs = {s.id: s for s in self.session.execute(sa.select(PushSubscription).where(
            PushSubscription.id.in_({m.subscription_id for m in messages}))).scalars()} if messages else {}
        return [(m, subs[m.subscription_id]) for m in messages]

    def message(self, message_id: int) -> PushMessage | None:
        return self.session.get(PushMessage, message_id)

    def supersede_older(self, message: PushMessage, now) -> None:
        """A newer status reached the phone: older ones of the same order still waiting must not follow it."""
        self.session.execute(sa.update(PushMessage).where(
            PushMessage.subscription_id == message.subscription_id, PushMessage.topic == message.topic,
            PushMessage.status == "pending", PushMessage.sequence < message.sequence
        ).values(status="superseded", finished_at=now, next_attempt_at=None))

    def revoke_endpoint(self, endpoint: str, reason: str, now) -> list[int]:
        """Deactivate every subscription of an endpoint (all the orders one browser follows); their ids."""
        ids = list(self.session.execute(sa.select(PushSubscription.id).where(
            PushSubscription.endpoint == endpoint, PushSubscription.revoked_at.is_(None))).scalars())
        if ids:
            self.session.execute(sa.update(PushSubscription).where(PushSubscription.id.in_(ids))
                                 .values(revoked_at=now, revoked_reason=reason))
        return ids

    def add_attempt(self, attempt: PushAttempt) -> None:
        self.session.add(attempt)
