"""Sign-in security where several processes share the state: sign-ins in PostgreSQL, lockouts in Redis."""
from __future__ import annotations

import os
import re
import uuid

import pytest

from backend import throttle
from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.access import SYSTEM
from backend.extensions import db
from tests.conftest import make_app

REDIS_URL = os.environ.get("WAYBILL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct-horse-battery"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _form(client, url, page, **data):
    """Post a form as a browser would, with the CSRF token of `page`."""
    token = CSRF.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(url, data={**data, "csrf_token": token})


@pytest.fixture
def pg_user(pg_app):
    """An owner on the PostgreSQL app."""
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    with pg_app.app_context():
        bus().handle(commands.CreateUser(email, PASSWORD, "owner"), SYSTEM)
    return email


def test_a_copied_cookie_stops_working_after_sign_out_on_postgresql(pg_app, pg_user):
    browser, thief = pg_app.test_client(), pg_app.test_client()
    assert _form(browser, "/sign-in", "/sign-in", email=pg_user, password=PASSWORD).status_code == 302
    thief.set_cookie("session", browser.get_cookie("session").value)
    assert thief.get("/account").status_code == 200
    _form(browser, "/sign-out", "/account")
    assert thief.get("/account").status_code == 302


@pytest.fixture
def two_processes(tmp_path, sqlite_template):
    """Two apps on one database whose limits are counted in the same Redis, as two web processes."""
    path = tmp_path / "shared.db"
    path.write_bytes(sqlite_template.read_bytes())
    apps = [make_app(f"sqlite:///{path}", WAYBILL_RATE_LIMIT_STORAGE=REDIS_URL, WAYBILL_SIGN_IN_MAX_FAILURES=3)
            for _ in range(2)]
    email = f"driver-{uuid.uuid4().hex[:8]}@example.com"  # fresh keys: Redis outlives the test run
    with apps[0].app_context():
        bus().handle(commands.CreateUser(email, PASSWORD, "driver"), SYSTEM)
    yield apps, email
    for application in apps:
        with application.app_context():
            throttle.forget_account_failures(email)
            db.session.remove()
            db.engine.dispose()


def test_a_lockout_counted_in_one_process_holds_in_the_other(two_processes):
    (first, second), email = two_processes
    for _ in range(3):
        first.test_client().post("/api/v1/auth/tokens", json={"email": email, "password": "wrong-password"})
    response = second.test_client().post("/api/v1/auth/tokens", json={"email": email, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 14 * 60
