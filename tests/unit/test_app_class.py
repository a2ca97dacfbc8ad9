"""The app remembers which handlers are async instead of inspecting each on every request."""
from __future__ import annotations

import pytest

from backend import WaybillFlask


def plain():
    return "plain"


async def coroutine():
    return "awaited"


class Handlers:
    def method(self):
        return "method"


@pytest.fixture
def app():
    return WaybillFlask(__name__)


def test_a_plain_handler_is_returned_as_is_and_remembered(app):
    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(plain) is plain
    assert app._is_async == {plain: False}


def test_an_async_handler_is_still_handed_to_flasks_async_wrapper_every_time(app, monkeypatch):
    monkeypatch.setattr(app, "async_to_sync", lambda func: ("wrapped", func))
    assert app.ensure_sync(coroutine) == ("wrapped", coroutine)
    assert app.ensure_sync(coroutine) == ("wrapped", coroutine)
    assert app._is_async == {coroutine: True}


def test_bound_methods_of_new_instances_share_one_entry(app):
    for _ in range(3):
        bound = Handlers().method
        assert app.ensure_sync(bound) is bound
    assert list(app._is_async) == [Handlers.method]


def test_a_request_without_a_session_cookie_gets_an_empty_session_and_a_signed_one_is_still_read(app):
    from flask import session

    from backend import CookieSessions
    app.secret_key = "test-secret"
    app.session_interface = CookieSessions()

    @app.post("/remember")
    def remember():
        session["seen"] = "yes"
        return "ok"

    @app.get("/recall")
    def recall():
        return session.get("seen", "nothing")

    client = app.test_client()
    assert client.get("/recall").text == "nothing"
    assert client.post("/remember").headers["Set-Cookie"].startswith("session=")
    assert client.get("/recall").text == "yes"  # the signed cookie comes back and is read
    client.set_cookie("session", "forged.value.sig")
    assert client.get("/recall").text == "nothing"  # a bad signature is still an empty session
