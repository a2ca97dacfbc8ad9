"""Guessing passwords is paused: per account (a lockout, logged) and per client; tracking links are rate-limited."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.config import load_config
from backend.extensions import db
from tests.conftest import make_app
from tests.e2e.conftest import assert_problem, csrf_token_of, sign_in
from tests.factories import PASSWORD

TOKENS = "/api/v1/auth/tokens"
WRONG = "not-the-password"


@pytest.fixture
def strict(app):
    """Three wrong passwords lock an account for 15 minutes (the suite's defaults are lenient)."""
    app.config.update(WAYBILL_SIGN_IN_MAX_FAILURES=3, WAYBILL_SIGN_IN_FAILURE_WINDOW_MINUTES=15,
                      WAYBILL_SIGN_IN_LOCKOUT_MINUTES=15)
    return app


def _events(app, email):
    with app.app_context():
        return db.session.execute(sa.text("SELECT kind, client_ip FROM security_event WHERE email = :e ORDER BY id"),
                                  {"e": email}).all()


def _client_at(app, address: str):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_after_too_many_wrong_passwords_on_the_form_the_right_one_does_not_sign_in(strict, client, world):
    email = world.emails["owner"]
    for _ in range(2):
        assert sign_in(client, email, WRONG).status_code == 422
    locked = sign_in(client, email, WRONG)
    assert locked.status_code == 429
    assert "paused for 15 minutes" in locked.get_data(as_text=True)
    right = sign_in(client, email, PASSWORD)
    assert right.status_code == 429
    assert "paused for" in right.get_data(as_text=True)
    assert 14 * 60 < int(right.headers["Retry-After"]) <= 15 * 60
    assert client.get("/orders/").status_code == 302  # still signed out


def test_a_lockout_is_logged_once_after_the_failures_that_caused_it(strict, client, world):
    email = world.emails["manager"]
    for _ in range(4):
        sign_in(client, email, WRONG)
    assert [kind for kind, _ip in _events(strict, email)] == ["sign_in.failed"] * 3 + ["sign_in.locked"]
    assert {ip for _kind, ip in _events(strict, email)} == {"127.0.0.1"}


def test_after_too_many_wrong_passwords_on_the_api_the_right_one_gets_no_token(strict, client, world):
    email = world.emails["customer"]
    for _ in range(2):
        assert_problem(client.post(TOKENS, json={"email": email, "password": WRONG}), 401)
    assert_problem(client.post(TOKENS, json={"email": email, "password": WRONG}), 429)
    response = client.post(TOKENS, json={"email": email, "password": PASSWORD})
    body = assert_problem(response, 429)
    assert "token" not in body and "paused for" in body["detail"]
    assert int(response.headers["Retry-After"]) > 0


def test_the_form_and_the_api_count_failures_against_the_same_account(strict, client, world):
    email = world.emails["driver"]
    sign_in(client, email, WRONG)
    client.post(TOKENS, json={"email": email, "password": WRONG})
    assert sign_in(client, email, WRONG).status_code == 429
    assert_problem(client.post(TOKENS, json={"email": email, "password": PASSWORD}), 429)


def test_an_account_is_locked_whichever_clients_the_guesses_come_from(strict, world):
    email = world.emails["owner"]
    for n in range(3):
        _client_at(strict, f"203.0.113.{n}").post(TOKENS, json={"email": email, "password": WRONG})
    assert_problem(_client_at(strict, "198.51.100.7").post(TOKENS, json={"email": email, "password": PASSWORD}), 429)


def test_a_locked_account_does_not_lock_anyone_else(strict, client, world):
    for _ in range(3):
        sign_in(client, world.emails["owner"], WRONG)
    assert_problem(client.post(TOKENS, json={"email": world.emails["owner"], "password": PASSWORD}), 429)
    assert client.post(TOKENS, json={"email": world.emails["manager"], "password": PASSWORD}).status_code == 201


def test_the_right_password_before_the_limit_clears_the_count(strict, client, world):
    email = world.emails["manager"]
    for _ in range(2):
        client.post(TOKENS, json={"email": email, "password": WRONG})
    assert client.post(TOKENS, json={"email": email, "password": PASSWORD}).status_code == 201
    for _ in range(2):
        assert_problem(client.post(TOKENS, json={"email": email, "password": WRONG}), 401)
    assert_problem(client.post(TOKENS, json={"email": email, "password": WRONG}), 429)  # counted from zero


def test_unknown_emails_are_paused_too_so_a_lockout_reveals_no_account(strict, client, world):
    for _ in range(3):
        response = client.post(TOKENS, json={"email": "nobody@example.com", "password": WRONG})
    assert_problem(response, 429)


def test_a_client_guessing_across_many_accounts_is_paused(app, world):
    app.config["WAYBILL_SIGN_IN_CLIENT_LIMIT"] = "3 per minute"
    guesser = _client_at(app, "203.0.113.9")
    for who in ("owner", "manager", "floor"):
        assert_problem(guesser.post(TOKENS, json={"email": world.emails[who], "password": WRONG}), 401)
    response = guesser.post(TOKENS, json={"email": world.emails["driver"], "password": PASSWORD})
    assert "device" in assert_problem(response, 429)["detail"]
    # another client, and the same accounts, are not held up by that one
    assert _client_at(app, "198.51.100.1").post(TOKENS, json={"email": world.emails["driver"],
                                                              "password": PASSWORD}).status_code == 201


def test_two_hundred_wrong_passwords_then_the_right_one_does_not_sign_in_with_the_defaults(tmp_path, world_template):
    path = tmp_path / "defaults.db"
    path.write_bytes(world_template[0].read_bytes())
    application = make_app(f"sqlite:///{path}")
    defaults = load_config(application.instance_path)  # the suite's lenient limits, back to the shipped ones
    application.config.update({key: defaults[key] for key in ("WAYBILL_SIGN_IN_MAX_FAILURES",
                                                              "WAYBILL_SIGN_IN_CLIENT_LIMIT")})
    assert application.config["WAYBILL_SIGN_IN_MAX_FAILURES"] == 10
    try:
        email = world_template[1].emails["owner"]
        client = application.test_client()
        statuses = [client.post(TOKENS, json={"email": email, "password": f"guess-{n}"}).status_code
                    for n in range(200)]
        assert statuses.count(401) == 10 - 1 and statuses[9:] == [429] * 191
        assert client.post(TOKENS, json={"email": email, "password": PASSWORD}).status_code == 429
        page = client.get("/sign-in").get_data(as_text=True)
        form = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token_of(page)})
        assert form.status_code == 429
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


# -- the public tracking page ------------------------------------------------------------------------
def test_the_tracking_page_answers_429_to_a_client_asking_too_often(app, client, world):
    app.config["WAYBILL_TRACKING_CLIENT_LIMIT"] = "3 per minute"
    statuses = [client.get(f"/track/not-a-real-token-{n}").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]
    response = client.get("/track/another")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "try again in" in response.get_data(as_text=True)
    assert _client_at(app, "198.51.100.2").get("/track/another").status_code == 404


def test_signing_in_still_works_when_the_counters_cannot_be_reached(tmp_path, world_template, caplog):
    path = tmp_path / "no-redis.db"
    path.write_bytes(world_template[0].read_bytes())
    application = make_app(f"sqlite:///{path}", WAYBILL_RATE_LIMIT_STORAGE="redis://127.0.0.1:1/0")  # nothing there
    try:
        client = application.test_client()
        assert sign_in(client, world_template[1].emails["owner"], WRONG).status_code == 422
        assert sign_in(client, world_template[1].emails["owner"]).status_code == 302
        assert "rate limit counters unreachable" in caplog.text
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
