"""The outbox and the audit trail are written in the same PostgreSQL transaction as the change."""
import pytest
import sqlalchemy as sa

from backend.adapters import outbox
from backend.adapters.tables import orders, stock_levels, stock_movements
from backend.adapters.records import AuditEvent, OutboxEvent
from backend.extensions import db
from backend.adapters import unit_of_work
from tests.factories import standard_shop


def counts(app):
    with app.app_context():
        return {name: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in (("orders", orders), ("movements", stock_movements),
                                    ("outbox", OutboxEvent.__table__), ("audit", AuditEvent.__table__))}


def test_an_order_and_its_events_commit_together(pg_app):
    shop = standard_shop(pg_app)
    _, email = shop.user("manager")
    before = counts(pg_app)
    order_id = shop.place(shop.actor(email), [("MUG", 1), ("LAMP", 1)])
    after = counts(pg_app)
    with pg_app.app_context():
        events = db.session.execute(sa.select(OutboxEvent).where(OutboxEvent.aggregate_type == "order")).scalars().all()
    assert after["orders"] == before["orders"] + 1
    assert [(e.name, e.aggregate_id) for e in events] == [("order.placed", order_id)]
    assert after["audit"] == before["audit"] + 1
    assert after["movements"] - before["movements"] == 2


def test_a_failure_while_writing_events_keeps_nothing_of_the_change(pg_app, monkeypatch):
    shop = standard_shop(pg_app)
    _, email = shop.user("manager")
    actor = shop.actor(email)
    before = counts(pg_app)

    def broken(session, events):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(unit_of_work, "write_events", broken)
    with pytest.raises(RuntimeError):
        shop.place(actor, [("MUG", 3)])
    monkeypatch.setattr(unit_of_work, "write_events", outbox.write_events)
    assert counts(pg_app) == before
    with pg_app.app_context():
        reserved = db.session.execute(sa.select(sa.func.sum(stock_levels.c.reserved))).scalar_one()
    assert reserved == 0


def test_every_order_status_change_has_one_audit_row_and_one_outbox_event(pg_app):
    from backend.bootstrap import bus
    from backend.domain import commands
    shop = standard_shop(pg_app)
    _, email = shop.user("owner")
    actor = shop.actor(email)
    order_id = shop.place(actor, [("MUG", 1)])
    with pg_app.app_context():
        bus().handle(commands.AcceptOrder(order_id), actor)
        bus().handle(commands.CancelOrder(order_id, "customer called"), actor)
        audit = db.session.execute(sa.select(AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status,
                                             AuditEvent.actor_id).where(AuditEvent.order_id == order_id)
                                   .order_by(AuditEvent.id)).all()
        events = db.session.execute(sa.select(OutboxEvent.name, OutboxEvent.aggregate_version)
                                    .where(OutboxEvent.aggregate_id == order_id, OutboxEvent.aggregate_type == "order")
                                    .order_by(OutboxEvent.id)).all()
    assert [tuple(a) for a in audit] == [
        ("order.placed", None, None, actor.user_id),
        ("order.accepted", "placed", "accepted", actor.user_id),
        ("order.allocated", "accepted", "allocated", actor.user_id),
        ("order.cancelled", "allocated", "cancelled", actor.user_id),
    ]
    assert [name for name, _ in events] == [a[0] for a in audit]
    versions = [v for _, v in events]
    assert versions == sorted(versions) and len(set(versions[1:])) == 3
