"""The outbox relay on SQLite: committed events go out once, in commit order, and again if publishing failed."""
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.adapters.realtime import nudge, rooms_for
from backend.adapters.records import OutboxEvent
from backend.domain.access import Actor, Role
from backend.extensions import db
from backend.adapters.outbox_relay import OutboxRelay
from tests.factories import standard_shop

MANAGER = Actor(user_id=None, role=Role.MANAGER)


class Sink:
    """Collects what the relay hands over; fails on demand like a broken message queue would."""

    def __init__(self):
        self.received, self.fail = [], False

    def __call__(self, batch):
        if self.fail:
            raise ConnectionError("message queue down")
        self.received.extend(batch)


def relay_for(app, sink, batch_size=200):
    return OutboxRelay(lambda: Session(db.engine, expire_on_commit=False), sink, batch_size)


def drain(app, relay) -> int:
    total = 0
    with app.app_context():
        while (n := relay.run_once()):
            total += n
    return total


def test_every_committed_event_is_published_once_in_commit_order_with_a_sequence(app):
    shop = standard_shop(app)
    shop.place(MANAGER, [("MUG", 1)])
    sink = Sink()
    relay = relay_for(app, sink, batch_size=3)
    published = drain(app, relay)
    with app.app_context():
        ids = db.session.execute(sa.select(OutboxEvent.event_id).order_by(OutboxEvent.id)).scalars().all()
        unpublished = db.session.execute(sa.select(sa.func.count()).where(OutboxEvent.published_at.is_(None))
                                         ).scalar_one()
    assert published == len(ids) > 3 and unpublished == 0
    assert [e.event_id for e in sink.received] == ids
    assert [e.sequence for e in sink.received] == list(range(1, len(ids) + 1))
    assert drain(app, relay) == 0  # nothing twice


def test_a_failed_publish_leaves_the_events_waiting_and_they_go_out_next_time(app):
    standard_shop(app)
    sink = Sink()
    sink.fail = True
    relay = relay_for(app, sink)
    with app.app_context(), pytest.raises(ConnectionError):
        relay.run_once()
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).where(OutboxEvent.published_at.isnot(None))
                                  ).scalar_one() == 0
    sink.fail = False
    assert drain(app, relay) == len(sink.received) > 0
    assert sink.received[0].sequence == 1


def test_a_nudge_carries_ids_and_versions_only_and_goes_to_the_office_and_the_orders_room(app):
    shop = standard_shop(app)
    order_id = shop.place(MANAGER, [("MUG", 1)])
    sink = Sink()
    drain(app, relay_for(app, sink))
    placed = next(e for e in sink.received if e.aggregate == "order")
    assert set(nudge(placed)) == {"event_id", "sequence", "name", "aggregate", "id", "version"}
    assert rooms_for(placed) == ["office", f"order:{order_id}"]
    stock = next(e for e in sink.received if e.aggregate == "stock_level")
    assert f"warehouse:{stock.payload['warehouse_id']}" in rooms_for(stock)


def test_the_relay_thread_wakes_on_this_processs_commit_instead_of_waiting_for_its_poll(app):
    import threading

    from backend.bootstrap import start_relay_thread
    shop = standard_shop(app)
    app.config["WAYBILL_RELAY_IDLE_SECONDS"] = 30  # a poll would take half a minute
    arrived, setup_sent, resting = threading.Event(), threading.Event(), threading.Event()
    received = []

    def publish(batch):
        received.extend(batch)
        setup_sent.set()
        if any(e.name == "order.placed" for e in batch):
            arrived.set()

    def looked(_conn, _cursor, statement, *_):
        # The relay's first look after sending the setup found nothing: from here it can only rest.
        if (setup_sent.is_set() and threading.current_thread().name == "waybill-outbox-relay"
                and statement.lstrip().upper().startswith("SELECT") and "outbox_event" in statement):
            resting.set()

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "after_cursor_execute", looked)
    stop = start_relay_thread(app, publish)
    try:
        assert resting.wait(5), "the relay never went to rest after publishing the shop's setup"
        shop.place(MANAGER, [("MUG", 1)])
        assert arrived.wait(5), "the order's event waited for the poll"
    finally:
        stop.set()
        sa.event.remove(engine, "after_cursor_execute", looked)


def test_the_relay_is_built_in_one_place_of_the_wiring():
    """The `make run` thread and the relay process take their relay from bootstrap; realtime/ holds only handlers."""
    import ast
    from pathlib import Path

    backend = Path(__file__).resolve().parents[3] / "backend"
    builders = sorted(str(path.relative_to(backend)) for path in backend.rglob("*.py")
                      for node in ast.walk(ast.parse(path.read_text()))
                      if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "OutboxRelay")
    assert builders == ["bootstrap.py"]
    assert sorted(p.name for p in (backend / "realtime").glob("*.py")) == ["__init__.py", "socket.py"]
