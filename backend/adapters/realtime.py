"""Where published events go: Socket.IO rooms (through Redis when several processes share them)."""
from __future__ import annotations

from .outbox_relay import Published


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
    """The message itself: enough to know what changed and whether it is news, nothing more."""
    return {"event_id": event.event_id, "sequence": event.sequence, "name": event.name,
            "aggregate": event.aggregate, "id": event.aggregate_id, "version": event.version}


class SocketIOPublisher:
    """Emits each event's nudge to its rooms on an app's Socket.IO server (through Redis if configured)."""

    def __init__(self, server):
        self.server = server

    @classmethod
    def for_app(cls, app) -> "SocketIOPublisher":
        """The publisher of `app`'s own Socket.IO server."""
        return cls(app.extensions["waybill.socketio_server"])

    def __call__(self, batch: list[Published]) -> None:
        for event in batch:
            message = nudge(event)
            for room in rooms_for(event):
                self.server.emit("change", message, to=room, namespace="/")
