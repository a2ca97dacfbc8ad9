"""The outbox relay on PostgreSQL: several relays, racing writers, out-of-order commits; each event out once, in order."""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.adapters.records import OutboxEvent
from backend.domain.access import Actor, Role
from backend.extensions import db
from backend.adapters.outbox_relay import OutboxRelay
from tests.factories import standard_shop

MANAGER = Actor(user_id=None, role=Role.MANAGER)


class Sink:
    """Thread-safe collector of published events, in the order they were handed over."""

    def __init__(self):
        self.lock, self.received = threading.Lock(), []

    def __call__(self, batch):
        with self.lock:
            self.received.extend(batch)


def _relay(sink, batch_size=25):
    return OutboxRelay(lambda: Session(db.engine, expire_on_commit=False), sink, batch_size)


def _insert_event(conn, label: str) -> None:
    conn.execute(sa.insert(OutboxEvent.__table__), {
        "event_id": str(uuid.uuid4()), "name": "stock.adjusted", "aggregate_type": "stock_level",
        "aggregate_id": 1, "aggregate_version": 1, "payload": {"label": label, "warehouse_id": 1},
        "occurred_at": datetime.now(timezone.utc)})


def test_two_relays_beside_racing_writers_publish_every_event_once_in_order_per_order(pg_app):
    shop = standard_shop(pg_app)
    sink, stop = Sink(), threading.Event()

    def relay_loop():
        with pg_app.app_context():
            _relay(sink).run_until(stop, idle_seconds=0.01)

    def writer():
        for _ in range(6):
            order_id = shop.place(MANAGER, [("MUG", 1)])
            with pg_app.app_context():
                from backend.bootstrap import bus
                from backend.domain import commands
                bus().handle(commands.CancelOrder(order_id, "changed mind"), MANAGER)

    relays = [threading.Thread(target=relay_loop) for _ in range(2)]
    writers = [threading.Thread(target=writer) for _ in range(6)]
    for t in relays + writers:
        t.start()
    for t in writers:
        t.join()
    with pg_app.app_context():
        total = db.session.execute(sa.select(sa.func.count()).select_from(OutboxEvent)).scalar_one()
    deadline = threading.Event()
    for _ in range(200):
        if len(sink.received) >= total:
            break
        deadline.wait(0.05)
    stop.set()
    for t in relays:
        t.join()

    ids = [e.event_id for e in sink.received]
    assert len(ids) == total and Counter(ids).most_common(1)[0][1] == 1  # all of them, none twice
    assert [e.sequence for e in sink.received] == list(range(1, total + 1))
    versions = {}
    for event in sink.received:  # an order's events arrive in the order its versions grew
        if event.aggregate == "order":
            assert event.version > versions.get(event.aggregate_id, 0)
            versions[event.aggregate_id] = event.version
    assert len(versions) == 36


def test_an_event_of_a_transaction_still_running_is_not_overtaken_by_a_later_commit(pg_app):
    sink = Sink()
    relay = _relay(sink)
    with pg_app.app_context():
        engine = db.engine
        slow, fast = engine.connect(), engine.connect()
        try:
            slow.begin()
            _insert_event(slow, "slow")
            with fast.begin():
                _insert_event(fast, "fast")
            assert relay.run_once() == 0  # "fast" waits: publishing it now would give "slow" a later number
            slow.commit()
        finally:
            slow.close()
            fast.close()
        assert relay.run_once() == 2
    assert [e.payload["label"] for e in sink.received] == ["slow", "fast"]
    assert [e.sequence for e in sink.received] == [1, 2]


def test_a_second_relay_waits_while_the_first_is_publishing(pg_app):
    standard_shop(pg_app)
    entered, release = threading.Event(), threading.Event()
    second_result = []

    def slow_sink(batch):
        entered.set()
        release.wait(10)

    def first():
        with pg_app.app_context():
            _relay(slow_sink, batch_size=1).run_once()  # claims one event; many more are waiting

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(10)
    with pg_app.app_context():
        try:
            second_result.append(_relay(Sink()).run_once())  # the hot spare finds the lock taken
        finally:
            thread.join()
    assert second_result == [0]
