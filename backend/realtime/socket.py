"""Socket.IO handlers: who may listen to what. Rooms are joined here, after an authorization check,
never from a name the client sends; the handlers only listen, they never emit domain news (the
outbox relay does, after commit)."""
from __future__ import annotations

from flask_login import current_user
from flask_socketio import join_room

from ..domain.access import Actor, Role, ensure_visible
from ..domain.errors import DomainError
from ..extensions import db, socketio
from ..identity import actor_for
from ..queries.orders import order_for


def rooms_of(actor: Actor) -> list[str]:
    """The rooms a signed-in person joins on connecting, by role and scope."""
    if actor.is_office:
        return ["office"]
    if actor.role == Role.FLOOR:
        return [f"warehouse:{w}" for w in sorted(actor.warehouse_ids)]
    if actor.role == Role.DRIVER:
        return [f"driver:{actor.user_id}"]
    return []


@socketio.on("connect")
def connect(auth=None):
    """Only signed-in sessions connect; they join the rooms of their role at once."""
    if not current_user.is_authenticated:
        return False
    for room in rooms_of(actor_for(current_user)):
        join_room(room)
    return True


@socketio.on("watch_order")
def watch_order(data):
    """Follow one order's changes (its page is open); refused unless the person may see the order."""
    order_id = data.get("order_id") if isinstance(data, dict) else None
    if not current_user.is_authenticated or not isinstance(order_id, int) or not 0 < order_id < 2**31:
        return {"ok": False, "error": "No such order."}
    try:
        ensure_visible(actor_for(current_user), order_for(db.session, order_id))
    except DomainError as exc:
        return {"ok": False, "error": exc.message}
    join_room(f"order:{order_id}")
    return {"ok": True}
