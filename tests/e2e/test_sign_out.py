"""Sign-out ends the sign-in on the server: copied cookies stop working, remember cookies rotate."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from backend.extensions import db
from tests.conftest import make_app
from tests.e2e.conftest import csrf_token_of, sign_in

REMEMBER = "remember_token"


def _copy_cookies(source, target, *names) -> None:
    """Give `target` the values of `source`'s cookies, as someone who copied them would."""
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        target.set_cookie(name, cookie.value)


def _post_form(client, url: str, page: str = "/orders/"):
    token = csrf_token_of(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


def _sessions() -> sa.Table:
    """The sign-in table as the schema has it (looked up by name: the test says what, not how)."""
    return db.metadata.tables["user_session"]


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_a_copied_session_cookie_stops_working_after_sign_out(app, world):
    browser, thief = app.test_client(), app.test_client()
    sign_in(browser, world.emails["owner"])
    _copy_cookies(browser, thief, "session")
    assert _signed_in(thief)
    assert _post_form(browser, "/sign-out").status_code == 302
    assert not _signed_in(thief)


def test_a_copied_session_cookie_stops_opening_the_api_after_sign_out(app, world):
    browser, thief = app.test_client(), app.test_client()
    sign_in(browser, world.emails["manager"])
    _copy_cookies(browser, thief, "session")
    assert thief.get("/api/v1/orders").status_code == 200
    _post_form(browser, "/sign-out")
    assert thief.get("/api/v1/orders").status_code == 401


def test_a_copied_remember_cookie_stops_working_after_sign_out(app, world):
    phone, thief = app.test_client(), app.test_client()
    sign_in(phone, world.emails["driver"])
    _copy_cookies(phone, thief, REMEMBER)  # only the long-lived cookie, as after a browser restart
    assert _signed_in(thief)
    _post_form(phone, "/sign-out", page="/driver/")
    fresh = app.test_client()
    _copy_cookies(thief, fresh, REMEMBER)
    assert not _signed_in(fresh)


def test_the_remember_cookie_is_a_new_value_at_every_sign_in(app, world):
    values = set()
    for _ in range(2):
        phone = app.test_client()
        sign_in(phone, world.emails["driver"])
        values.add(phone.get_cookie(REMEMBER).value)
    assert len(values) == 2


def test_the_remember_cookie_is_secure_httponly_lax_and_lasts_a_month(tmp_path, world_template, monkeypatch):
    monkeypatch.setenv("WAYBILL_SECURE_COOKIES", "1")
    path = tmp_path / "secure.db"
    path.write_bytes(world_template[0].read_bytes())
    secure_app = make_app(f"sqlite:///{path}")
    try:
        phone = secure_app.test_client()
        response = sign_in(phone, world_template[1].emails["driver"])
        [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(REMEMBER + "=")]
        attributes = {part.split("=")[0].strip().lower() for part in header.split(";")}
        assert {"secure", "httponly"} <= attributes
        assert "samesite=lax" in header.lower()
        cookie = phone.get_cookie(REMEMBER)
        lifetime = cookie.expires - datetime.now(timezone.utc)
        assert timedelta(days=29) < lifetime <= timedelta(days=30, minutes=1)
    finally:
        with secure_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_sign_out_everywhere_ends_every_sign_in_of_the_account(app, world):
    laptop, phone, other_user = app.test_client(), app.test_client(), app.test_client()
    sign_in(laptop, world.emails["driver"])
    sign_in(phone, world.emails["driver"])
    sign_in(other_user, world.emails["owner"])
    response = _post_form(laptop, "/sign-out/everywhere", page="/account")
    assert (response.status_code, response.headers["Location"]) == (302, "/sign-in")
    assert not _signed_in(laptop) and not _signed_in(phone)
    remembered_only = app.test_client()
    _copy_cookies(phone, remembered_only, REMEMBER)
    assert not _signed_in(remembered_only)
    assert _signed_in(other_user)
    with app.app_context():
        kinds = db.session.execute(sa.text("SELECT kind FROM security_event WHERE user_id = :u"),
                                   {"u": world.user_ids["driver"]}).scalars().all()
    assert kinds == ["sessions.revoked"]


def test_sign_out_everywhere_needs_the_csrf_token(client, world):
    sign_in(client, world.emails["owner"])
    assert client.post("/sign-out/everywhere").status_code == 400
    assert _signed_in(client)


def test_the_account_page_lists_this_sign_in_and_offers_sign_out_everywhere(client, world):
    sign_in(client, world.emails["owner"])
    page = client.get("/account").get_data(as_text=True)
    assert "This device" in page
    assert 'action="/sign-out/everywhere"' in page and "data-sign-out" in page


def test_a_sign_in_is_stored_only_as_the_sha256_of_its_token(app, client, world):
    sign_in(client, world.emails["floor"])
    token = client.get_cookie(REMEMBER).value.split("|")[0]
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT token_hash FROM user_session WHERE user_id = :u"),
                                    {"u": world.user_ids["floor"]}).scalar_one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize("column", ["expires_at", "revoked_at"])
def test_an_expired_or_revoked_sign_in_opens_nothing(app, client, world, column):
    sign_in(client, world.emails["owner"])
    with app.app_context():
        db.session.execute(sa.update(_sessions()).values({column: datetime.now(timezone.utc) - timedelta(seconds=1)}))
        db.session.commit()
    assert not _signed_in(client)


def test_last_use_is_written_every_few_minutes_not_on_every_request(app, client, world):
    sign_in(client, world.emails["owner"])
    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)

    def last_seen():
        with app.app_context():
            return db.session.execute(sa.select(_sessions().c.last_seen_at)).scalar_one()

    with app.app_context():
        db.session.execute(sa.update(_sessions()).values(last_seen_at=long_ago))
        db.session.commit()
    client.get("/orders/")
    noted = last_seen()
    assert noted > long_ago + timedelta(minutes=59)
    client.get("/orders/")
    assert last_seen() == noted
