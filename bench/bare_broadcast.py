"""The bare baseline of bench/realtime.py: Flask-SocketIO in the same mode, broadcasting at once on request.

No database, no outbox, no relay, no rooms: POST /broadcast emits {"id": n, "sent_at": <server wall clock>} to every connected client
straight from the request. Whatever Waybill adds on top (commit -> outbox -> relay -> rooms) shows up
as the difference.
"""
from __future__ import annotations

import os
import time

from flask import Flask, request
from flask_socketio import SocketIO

app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading")


@app.post("/broadcast")
def broadcast():
    """Emit one message to everyone connected."""
    socketio.emit("change", {"id": int(request.get_json()["id"]), "sent_at": time.time()})
    return {"ok": True}


@app.get("/healthz")
def healthz():
    """Up."""
    return {"ok": True}


if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), allow_unsafe_werkzeug=True,
                 use_reloader=False, log_output=False)
