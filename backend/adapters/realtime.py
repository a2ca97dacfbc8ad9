"""Where published events go: Socket.IO rooms (through Redis when several processes share them).

One message per room per relay pass: a commit's events (an order placed reserves stock first, then is
placed) reach each page as one "changes" message listing them in publish order, instead of one message
per event. Each extra message costs a queue hand-off, a frame and a send per connected page, so at a few
hundred pages the second message of a commit used to wait behind the whole first round.
"""
from __future__ import annotations

from .outbox_relay import Published

# The Socket.IO event the pages listen to: {"events": [nudge, ...]} in publish order.
CHANGES = "changes"


def rooms_for(event: Published) -> list[str]:
    """The rooms a nudge belongs in; joining them is authorized server-side (never a client's choice)."""
    rooms = ["office"]  # the owner's and managers' pages see every change
    data = event.payload
    if event.aggregate == "order" and event.aggregate_id is not None:
        rooms.append(f"order:{event.aggregate_id}")
    if data.get("warehouse_id") is not None:
        rooms.append(f"warehouse:{data['warehouse_id']}")
    if data.get("driver_id") is not None:
        rooms.append(f"driver:{data['driver_id']}")
    return rooms


def nudge(event: Published) -> dict:
    """One event's entry: enough to know what changed and whether it is news, nothing more."""
    return {"event_id": event.event_id, "sequence": event.sequence, "name": event.name,
            "aggregate": event.aggregate, "id": event.aggregate_id, "version": event.version}


def messages_by_room(batch: list[Published]) -> dict[str, dict]:
    """Each room's one message for a batch: its events' nudges in publish order (rooms in first-use order)."""
    rooms: dict[str, list[dict]] = {}
    for event in batch:
        entry = nudge(event)
        for room in rooms_for(event):
            rooms.setdefault(room, []).append(entry)
    return {room: {"events": entries} for room, entries in rooms.items()}


class SocketIOPublisher:
    """Emits one message per room and batch on an app's Socket.IO server (through Redis if configured)."""

    def __init__(self, server):
        self.server = server

    @classmethod
    def for_app(cls, app) -> "SocketIOPublisher":
        """The publisher of `app`'s own Socket.IO server."""
        return cls(app.extensions["waybill.socketio_server"])

    def __call__(self, batch: list[Published]) -> None:
        # The packet is encoded once per emit and shared by every page in the room.
        for room, message in messages_by_room(batch).items():
            self.server.emit(CHANGES, message, to=room, namespace="/")
