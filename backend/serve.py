"""`make run`: serve Waybill on the embedded default (SQLite, in-process Socket.IO, threading)."""
from __future__ import annotations

import gc
import os

from . import create_app
from .adapters.channel_push_worker import start_channel_push_thread
from .adapters.mail import start_mail_thread
from .adapters.push import PushNotConfigured, start_push_thread
from .adapters.realtime import SocketIOPublisher
from .adapters.webhook_sender import start_webhook_thread
from .bootstrap import start_relay_thread
from .extensions import socketio


def publishers(app):
    """The relay's publish callable: Socket.IO nudges, then wake-ups for the webhook, channel push, mail and push
    workers."""
    sockets = SocketIOPublisher.for_app(app)
    webhook_dispatcher, _stop_webhooks = start_webhook_thread(app)
    channel_dispatcher, _stop_channels = start_channel_push_thread(app)
    mail_dispatcher, _stop_mail = start_mail_thread(app)
    if not app.config.get("MAIL_SMTP_HOST"):
        print("  Order e-mails are not sent (no MAIL_SMTP_HOST): each is written to instance/mail-outbox/.",
              flush=True)
    try:
        push_dispatcher, _stop = start_push_thread(app)
    except PushNotConfigured:
        print("  Web push is off: run `flask --app backend push vapid-keys` once to turn it on.", flush=True)
        push_dispatcher = None

    def publish(batch):
        sockets(batch)
        webhook_dispatcher(batch)
        channel_dispatcher(batch)
        mail_dispatcher(batch)
        if push_dispatcher is not None:
            push_dispatcher(batch)
    return publish


def main() -> None:
    """Print where to go and who to sign in as, then serve until Ctrl-C."""
    app = create_app()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    password = app.config["WAYBILL_DEMO_PASSWORD"]
    print(f"\n  Waybill is running at http://{host}:{port}/\n")
    print("  Demo accounts (password for all: %s):" % password)
    for role in ("owner", "manager", "floor", "driver", "customer"):
        print(f"    {role:<9} {role}@example.com")
    print("\n  API: http://%s:%d/api/v1/openapi.json   Stop with Ctrl-C.\n" % (host, port), flush=True)
    # The embedded default publishes committed events from a thread of this process: to Socket.IO, to the
    # webhook worker, and customers' news to the web push worker (threads) when VAPID keys are set up.
    start_relay_thread(app, publishers(app))
    gc.freeze()  # the app's own objects live as long as the process: no collection need walk them (gunicorn.conf.py)
    # Werkzeug's threaded server is the embedded default; production runs gunicorn (see README).
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False, log_output=False)


if __name__ == "__main__":
    main()
