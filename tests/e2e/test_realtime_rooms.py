"""Socket.IO rooms are joined server-side after an authorization check, and the relay's nudges reach them."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.adapters.realtime import SocketIOPublisher
from backend.adapters.records import OutboxEvent
from backend.extensions import db, socketio
from tests.outbox import publish_everything
from tests.e2e.conftest import sign_in


def _socket_for(app, world, who):
    client = app.test_client()
    sign_in(client, world.emails[who])
    return socketio.test_client(app, flask_test_client=client)


def _publish_all(app) -> None:
    publish_everything(app, SocketIOPublisher.for_app(app))


def _messages(socket) -> list[list[dict]]:
    """Each "changes" message the socket received: its list of nudges."""
    return [m["args"][0]["events"] for m in socket.get_received() if m["name"] == "changes"]


def _nudges(socket) -> list[dict]:
    return [nudge for events in _messages(socket) for nudge in events]


def test_a_signed_out_socket_is_refused(app):
    socket = socketio.test_client(app, flask_test_client=app.test_client())
    assert not socket.is_connected()


def test_the_office_hears_of_a_new_order_and_the_floor_of_its_warehouse_only(app, world):
    _publish_all(app)  # the shop's own setup is old news
    owner, floor, customer = (_socket_for(app, world, who) for who in ("owner", "floor", "customer"))
    assert owner.is_connected() and floor.is_connected() and customer.is_connected()
    for socket in (owner, floor, customer):
        socket.get_received()
    order_id = world.place([("MUG", 1)])  # casey in Leeds: reserved in Manchester (the floor user is London)
    _publish_all(app)
    office_news = _nudges(owner)
    assert any(n["aggregate"] == "order" and n["id"] == order_id and n["name"] == "order.placed"
               for n in office_news)
    assert set(office_news[0]) == {"event_id", "sequence", "name", "aggregate", "id", "version"}
    assert _nudges(floor) == []  # London's floor hears nothing of a Manchester reservation
    assert _nudges(customer) == []


def test_a_customer_may_watch_their_own_order_but_not_anothers(app, world):
    mine = world.place([("MUG", 1)])
    theirs = world.place([("LAMP", 1)], customer="robin")
    _publish_all(app)
    socket = _socket_for(app, world, "customer")
    assert socket.emit("watch_order", {"order_id": theirs}, callback=True) == {"ok": False,
                                                                              "error": "No such order."}
    assert socket.emit("watch_order", {"order_id": mine}, callback=True) == {"ok": True}
    socket.get_received()
    world.place([("MUG", 1)], customer="robin")  # news of robin's orders
    with app.app_context():
        from backend.bootstrap import bus
        from backend.domain import commands
        bus().handle(commands.CancelOrder(mine, "changed my mind"), world.actor("owner"))
        bus().handle(commands.CancelOrder(theirs, "out of stock"), world.actor("owner"))
    _publish_all(app)
    assert {n["id"] for n in _nudges(socket) if n["aggregate"] == "order"} == {mine}


@pytest.mark.parametrize("payload", [None, {}, {"order_id": "1"}, {"order_id": -1}, {"order_id": 2**40}, [1]])
def test_a_malformed_watch_request_is_answered_not_crashed(app, world, payload):
    socket = _socket_for(app, world, "customer")
    assert socket.emit("watch_order", payload, callback=True)["ok"] is False
    assert socket.is_connected()


def _outbox_ids(app, after: int = 0) -> list[str]:
    """Event ids in the outbox after row `after`, in publish order."""
    with app.app_context():
        return db.session.execute(sa.select(OutboxEvent.event_id).where(OutboxEvent.id > after)
                                  .order_by(OutboxEvent.publish_seq, OutboxEvent.id)).scalars().all()


def _last_outbox_row(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.coalesce(sa.func.max(OutboxEvent.id), 0))).scalar_one()


def test_events_committed_together_reach_each_room_as_one_message_carrying_them_all_in_order(app, world):
    _publish_all(app)
    owner, floor = (_socket_for(app, world, who) for who in ("owner", "floor"))
    for socket in (owner, floor):
        socket.get_received()
    before = _last_outbox_row(app)
    # A London customer's mug and lamp: two reservations in London's stock and the order, one transaction.
    order_id = world.place([("MUG", 1), ("LAMP", 1)], customer="robin")
    _publish_all(app)
    committed = _outbox_ids(app, before)
    assert len(committed) == 3

    office_messages = _messages(owner)
    assert len(office_messages) == 1, "one message for the commit, not one per event"
    office = office_messages[0]
    assert [n["event_id"] for n in office] == committed  # all of them, in publish order
    assert [n["sequence"] for n in office] == sorted(n["sequence"] for n in office)
    assert [(n["aggregate"], n["name"]) for n in office][-1] == ("order", "order.placed")
    assert office[-1]["id"] == order_id
    assert {n["name"] for n in office[:2]} == {"stock.reserved"}

    floor_messages = _messages(floor)
    assert len(floor_messages) == 1  # London's floor: one message with its warehouse's two reservations
    assert [n["event_id"] for n in floor_messages[0]] == committed[:2]


def test_many_commits_published_in_small_batches_lose_nothing_and_keep_their_order(app, world):
    _publish_all(app)
    owner = _socket_for(app, world, "owner")
    owner.get_received()
    before = _last_outbox_row(app)
    for _ in range(4):
        world.place([("MUG", 1), ("LAMP", 1)], customer="robin")
    world.place([("MUG", 1)])
    # Batches of 2 cut some commits in two: each pass still sends one message, and nothing falls between.
    publish_everything(app, SocketIOPublisher.for_app(app), batch_size=2)
    committed = _outbox_ids(app, before)
    messages = _messages(owner)
    assert len(committed) == 14 and len(messages) == 7
    assert [n["event_id"] for events in messages for n in events] == committed
