"""Waybill: an order management system with an offline-first PWA."""
from __future__ import annotations

from inspect import iscoroutinefunction
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from .bodies import CappedRequest, drain_unread_chunked_body
from .config import load_config
from .edge.fields import IdConverter
from .extensions import csrf, db, login_manager, migrate, socketio

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class WaybillFlask(Flask):
    """Flask, asking once per handler function, not on every request, whether it is `async def`.

    Flask runs each before/after-request hook, view and teardown through ensure_sync, which inspects
    the function's code flags every time: a dozen inspections per request for an answer that never
    changes. Waybill has no async handlers; should one appear, it is still wrapped as Flask would.
    """

    _MAX_REMEMBERED = 10_000  # handlers are module-level functions; a bound never reached in practice
    request_class = CappedRequest  # body caps hold for chunked bodies too (backend/bodies.py)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._is_async: dict = {}

    def ensure_sync(self, func):
        function = getattr(func, "__func__", func)  # a MethodView's bound method: its function
        is_async = self._is_async.get(function)
        if is_async is None:
            is_async = iscoroutinefunction(func)
            if len(self._is_async) < self._MAX_REMEMBERED:
                self._is_async[function] = is_async
        return self.async_to_sync(func) if is_async else func


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building the cookie signer for a request that sends no cookie.

    API clients authenticate with bearer tokens and send no session cookie, yet Flask would build an
    itsdangerous serializer on every request before looking for one. The session such a request gets
    is the same empty one either way.
    """

    def open_session(self, app, request):
        # No Cookie header at all (an API client): not even a parse of the cookies.
        if app.secret_key and ("HTTP_COOKIE" not in request.environ
                               or not request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        # Static files hold nothing of the session, yet Flask-Login's after-request hook peeks at it, which
        # would add `Vary: Cookie` and make browsers fetch a year-long cached file again after each sign-in.
        if request.endpoint == "static":
            return
        if not session and not session.modified:
            # Nothing to write or delete (every API call with a token). As Flask does, the answer varies by
            # cookie if the session was looked at; said without parsing the Vary header into a set and back.
            if session.accessed:
                _vary_on(response, "Cookie")
            return
        super().save_session(app, session, response)


def _vary_on(response, header: str) -> None:
    """Add `header` to the answer's Vary (once)."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = header
    elif header.lower() not in {part.strip().lower() for part in vary.split(",")}:
        response.headers["Vary"] = f"{vary}, {header}"


def create_app(config: dict | None = None) -> Flask:
    """Application factory: config from the environment (overridable), extensions, blueprints."""
    app = WaybillFlask(__name__, instance_path=str(PROJECT_ROOT / "instance"),
                       template_folder=str(PROJECT_ROOT / "pwa" / "templates"),
                       static_folder=str(PROJECT_ROOT / "pwa" / "static"), static_url_path="/static")
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    app.url_map.converters["id"] = IdConverter
    if app.config["WAYBILL_PROXY_HOPS"]:  # rate limits key on the client's address, not the proxy's
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["WAYBILL_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.session_interface = CookieSessions()
    app.after_request(drain_unread_chunked_body)

    # noqa: F401 below: the tables must be known before migrations run
    from .adapters import channel_records, fulfilment_tables, import_tables, records, tables  # noqa: F401
    from .adapters import push_records  # noqa: F401  (web push tables)
    from .adapters import webhook_records  # noqa: F401  (outgoing webhook tables)
    from .adapters import payment_tables  # noqa: F401  (payments ledger tables)
    from .adapters import mail_records  # noqa: F401  (order e-mail tables)
    from .adapters import channel_push_records  # noqa: F401  (channels out: listings and pushes)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from .realtime import socket  # noqa: F401  (its handlers register on the shared Socket.IO object)
    socketio.init_app(app, async_mode="threading", message_queue=app.config["REDIS_URL"])
    # This app's own Socket.IO server: the shared extension object points at the newest app's only.
    app.extensions["waybill.socketio_server"] = socketio.server

    from . import bootstrap
    bootstrap.wire(app)

    from .api import init_api
    from .health import bp as health_bp
    from .sync import init_sync
    from .web import init_web
    api = init_api(app)
    init_sync(app, api)
    init_web(app)
    app.register_blueprint(health_bp)

    from .cli import register_cli
    register_cli(app)
    return app
