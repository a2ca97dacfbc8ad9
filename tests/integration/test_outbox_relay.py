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


def _once_free(relay, timeout: float = 10.0) -> int:
    """One pass that publishes, retried while the watermark holds committed events back (as the relay does)."""
    import time
    deadline = time.monotonic() + timeout
    while not (published := relay.run_once()) and relay.held_back and time.monotonic() < deadline:
        time.sleep(0.02)
    return published


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
            assert relay.held_back  # so the relay looks again in a moment, not after its idle rest
            slow.commit()
        finally:
            slow.close()
            fast.close()
        assert _once_free(relay) == 2  # other programs' transactions on the server may hold the line a moment
        assert relay.run_once() == 0 and not relay.held_back
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
            _once_free(_relay(slow_sink, batch_size=1))  # claims one event; many more are waiting

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(10)
    with pg_app.app_context():
        try:
            second_result.append(_relay(Sink()).run_once())  # the hot spare finds the lock taken
        finally:
            thread.join()
    assert second_result == [0]


def test_a_relay_resting_in_its_own_process_wakes_when_another_connection_commits_events(pg_app):
    """The relay process hears a commit through PostgreSQL's NOTIFY instead of waiting out its poll."""
    import time

    from backend.bootstrap import relay_commit_signal
    shop = standard_shop(pg_app)
    sink = Sink()
    with pg_app.app_context():
        signal = relay_commit_signal()
        relay = _relay(sink, batch_size=200)
        while relay.run_once() or relay.held_back:  # the shop's setup is old news
            time.sleep(0.02)
        signal.clear()
        assert signal.wait(0.3) is False  # nothing committed: the rest runs its course
    stop, arrived = threading.Event(), threading.Event()
    sink_call = sink.__call__

    def publish(batch):
        sink_call(batch)
        if any(e.name == "order.placed" for e in batch):
            arrived.set()

    relay.publish = publish

    def work():
        with pg_app.app_context():
            relay.run_until(stop, idle_seconds=30, wake=signal)  # a poll would take half a minute

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)  # the relay's first look finds nothing and it rests
        placed_at = time.monotonic()
        shop.place(MANAGER, [("MUG", 1)])  # another connection's commit, as another process's would be
        assert arrived.wait(5), "the relay waited for its poll instead of waking on the commit"
        assert time.monotonic() - placed_at < 2
    finally:
        stop.set()
        with pg_app.app_context(), db.engine.begin() as conn:
            conn.exec_driver_sql("NOTIFY waybill_outbox")  # ends the relay's rest, so it sees `stop`
        thread.join(10)
        signal.close()
    assert not thread.is_alive()
    names = [e.name for e in sink.received]
    assert names.count("order.placed") == 1
