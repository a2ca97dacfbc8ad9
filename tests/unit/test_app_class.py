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
