"""Rows that belong to the application, not the domain: users, tokens, outbox, audit, idempotency."""
from __future__ import annotations

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..domain.events import utcnow
from .tables import UTCDateTime

user_warehouses = sa.Table(
    "user_warehouse", db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouse.id", ondelete="CASCADE"), primary_key=True),
)


class UserWarehouse(db.Model):
    """A warehouse a floor user works in (their scope)."""

    __table__ = user_warehouses


class User(UserMixin, db.Model):
    """A person who signs in: owner, manager, floor, driver or customer."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    warehouse_links = relationship(UserWarehouse, cascade="all, delete-orphan", lazy="select")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active

    @property
    def warehouse_ids(self) -> set[int]:
        """Warehouses a floor user is scoped to."""
        return {link.warehouse_id for link in self.warehouse_links}

    # The plain token of the sign-in this row was loaded through (backend/sessions.py); not a column.
    session_token = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember cookies: the sign-in's random token.

        Never the user id (Flask-Login's "alternative tokens"): a copied cookie then dies with the
        sign-in it came from, at sign-out, at a password change or when the sign-in is revoked.
        """
        if not self.session_token:
            raise RuntimeError("sign in through the StartSignIn command, which starts a server session")
        return self.session_token


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 is stored, so a database leak leaks no token."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)
    user = relationship(User, lazy="joined")


class UserSession(db.Model):
    """One sign-in on one browser; its cookies carry a random token of which only the SHA-256 is kept."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    revoked_at = mapped_column(UTCDateTime)


class SecurityEvent(db.Model):
    """A sign-in failure, a lockout, a password change or reset, sessions ended: never updated."""

    __tablename__ = "security_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # who did it, if not the user
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    client_ip: Mapped[str] = mapped_column(sa.String(45), default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)


class OutboxEvent(db.Model):
    """A domain event written in the same transaction as the change; a relay publishes it later."""

    __tablename__ = "outbox_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    aggregate_type: Mapped[str] = mapped_column(sa.String(32))
    aggregate_id: Mapped[int | None] = mapped_column()
    aggregate_version: Mapped[int] = mapped_column()
    payload = mapped_column(sa.JSON, nullable=False)
    occurred_at = mapped_column(UTCDateTime, nullable=False)
    published_at = mapped_column(UTCDateTime)
    publish_seq: Mapped[int | None] = mapped_column(unique=True)
    # PostgreSQL fills in the writing transaction's id (pg_current_xact_id): the pull cursor's watermark
    # needs it, because ids are taken at insert and transactions commit in another order. SQLite has
    # one writer at a time, so there the id alone orders commits and this stays empty.
    txid: Mapped[int | None] = mapped_column(sa.BigInteger, server_default=sa.FetchedValue())
    __table_args__ = (sa.Index("ix_outbox_event_unpublished", "published_at", "id"),
                      sa.Index("ix_outbox_event_txid_id", "txid", "id"))


class AuditEvent(db.Model):
    """Who changed what on an order, and when: one row per change, never updated."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(64))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str | None] = mapped_column(sa.String(20))
    data = mapped_column(sa.JSON, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    actor = relationship(User, lazy="joined")


class IdempotencyKey(db.Model):
    """A client's Idempotency-Key for order creation, stored with the order it produced."""

    __tablename__ = "idempotency_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(sa.String(255))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_key"),)


class Device(db.Model):
    """A phone's offline queue: whose it is and how far the server has replayed it."""

    __tablename__ = "device"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # client-generated UUID
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    last_processed_seq: Mapped[int] = mapped_column(default=0)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class SyncCommand(db.Model):
    """One replayed offline command: the idempotency record and the audit trail of what it did."""

    __tablename__ = "sync_command"
    id: Mapped[int] = mapped_column(primary_key=True)
    command_id: Mapped[str] = mapped_column(sa.String(36))  # unique per device, not across devices
    device_id: Mapped[str] = mapped_column(sa.ForeignKey("device.id"), index=True)
    seq: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column()
    payload = mapped_column(sa.JSON, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(32))
    outcome = mapped_column(sa.JSON, nullable=False)
    occurred_at = mapped_column(UTCDateTime)
    received_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("device_id", "command_id", name="uq_sync_command_device_id_command_id"),)


class OfficeException(db.Model):
    """A fact that clashed with the plan: recorded anyway, waiting for a person in the office.

    Opened in the same transaction as the fact it is about; it leaves the queue only when someone
    resolves it with a note, so nothing is forgotten.
    """

    __tablename__ = "office_exception"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    message: Mapped[str] = mapped_column(sa.String(500))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    command_id: Mapped[str | None] = mapped_column(sa.String(36))  # the offline command that caused it
    data = mapped_column(sa.JSON, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    opened_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolution_note: Mapped[str] = mapped_column(sa.String(500), default="")
    version: Mapped[int] = mapped_column(default=1)
    raised_by = relationship(User, foreign_keys=[raised_by_id], lazy="joined")
    resolved_by = relationship(User, foreign_keys=[resolved_by_id], lazy="joined")
    __table_args__ = (sa.Index("ix_office_exception_status_opened", "status", "opened_at"),)
