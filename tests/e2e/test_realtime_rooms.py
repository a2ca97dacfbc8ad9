"""Socket.IO rooms are joined server-side after an authorization check, and the relay's nudges reach them."""
from __future__ import annotations

import pytest

from backend.adapters.realtime import SocketIOPublisher
from backend.extensions import socketio
from tests.outbox import publish_everything
from tests.e2e.conftest import sign_in


def _socket_for(app, world, who):
    client = app.test_client()
    sign_in(client, world.emails[who])
    return socketio.test_client(app, flask_test_client=client)


def _publish_all(app) -> None:
    publish_everything(app, SocketIOPublisher.for_app(app))


def _nudges(socket) -> list[dict]:
    return [m["args"][0] for m in socket.get_received() if m["name"] == "change"]


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
