"""Changing your own password (page and API), and the office setting a staff member's new one."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.extensions import db
from tests.e2e.conftest import assert_problem, csrf_token_of, sign_in
from tests.factories import PASSWORD

NEW = "a-brand-new-passphrase"
TOKENS = "/api/v1/auth/tokens"


def _change(client, current=PASSWORD, new=NEW, confirm=None):
    page = client.get("/account/password").get_data(as_text=True)
    return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                   "confirm": NEW if confirm is None else confirm,
                                                   "csrf_token": csrf_token_of(page)})


def _reset(client, user_id, new=NEW, confirm=None):
    page = client.get(f"/staff/{user_id}/password").get_data(as_text=True)
    return client.post(f"/staff/{user_id}/password", data={"new_password": new, "confirm": confirm or new,
                                                           "csrf_token": csrf_token_of(page)})


def _gets_token(client, email, password) -> bool:
    return client.post(TOKENS, json={"email": email, "password": password}).status_code == 201


def _events(app, kind):
    with app.app_context():
        return db.session.execute(sa.text("SELECT user_id, actor_id FROM security_event WHERE kind = :k"),
                                  {"k": kind}).all()


# -- your own password, on the page --------------------------------------------------------------------
def test_a_changed_password_is_the_one_that_signs_in(app, client, world):
    sign_in(client, world.emails["floor"])
    response = _change(client)
    assert (response.status_code, response.headers["Location"]) == (302, "/account")
    assert "Your password is changed" in client.get("/account").get_data(as_text=True)
    other = app.test_client()
    assert not _gets_token(other, world.emails["floor"], PASSWORD)
    assert _gets_token(other, world.emails["floor"], NEW)
    assert _events(app, "password.changed") == [(world.user_ids["floor"], None)]


def test_changing_the_password_ends_other_sign_ins_and_renews_this_one(app, client, world):
    other_phone, copy_of_this = app.test_client(), app.test_client()
    sign_in(other_phone, world.emails["driver"])
    sign_in(client, world.emails["driver"])
    copy_of_this.set_cookie("session", client.get_cookie("session").value)
    _change(client)
    assert client.get("/account").status_code == 200  # this browser carries on
    assert other_phone.get("/account").status_code == 302
    assert copy_of_this.get("/account").status_code == 302  # the old key of this browser is gone too


def test_changing_the_password_keeps_the_api_tokens(client, world):
    sign_in(client, world.emails["manager"])
    assert _change(client).status_code == 302
    assert client.get("/api/v1/orders", headers=world.headers("manager")).status_code == 200


def test_a_wrong_current_password_changes_nothing(app, client, world):
    sign_in(client, world.emails["owner"])
    response = _change(client, current="not-my-password")
    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)
    assert _gets_token(app.test_client(), world.emails["owner"], PASSWORD)


@pytest.mark.parametrize("new, confirm, message", [
    ("short-one", "short-one", "Use at least 10 characters."),
    (NEW, NEW + "x", "The two new passwords are not the same."),
])
def test_a_too_short_or_mistyped_new_password_is_refused_on_the_form(app, client, world, new, confirm, message):
    sign_in(client, world.emails["owner"])
    response = _change(client, new=new, confirm=confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _gets_token(app.test_client(), world.emails["owner"], PASSWORD)


def test_changing_the_password_needs_the_csrf_token(client, world):
    sign_in(client, world.emails["owner"])
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                      "confirm": NEW})
    assert response.status_code == 400


def test_guessing_the_current_password_is_paused_like_signing_in(app, client, world):
    app.config["WAYBILL_SIGN_IN_MAX_FAILURES"] = 2
    sign_in(client, world.emails["owner"])
    _change(client, current="guess-one-1")
    assert _change(client, current="guess-two-2").status_code == 429
    assert _change(client, current=PASSWORD).status_code == 429
    assert _gets_token(app.test_client(), world.emails["owner"], PASSWORD) is False


# -- your own password, through the API ----------------------------------------------------------------
def test_the_api_changes_the_password_of_the_tokens_owner(app, client, world):
    response = client.post("/api/v1/auth/password", headers=world.headers("customer"),
                           json={"current_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 204
    assert _gets_token(client, world.emails["customer"], NEW)
    assert client.get("/api/v1/orders", headers=world.headers("customer")).status_code == 200


def test_the_page_changing_the_password_through_the_api_stays_signed_in_with_a_new_key(app, client, world):
    sign_in(client, world.emails["floor"])
    old_cookie = client.get_cookie("session").value
    token = csrf_token_of(client.get("/account/password").get_data(as_text=True))
    response = client.post("/api/v1/auth/password", headers={"X-CSRFToken": token},
                           json={"current_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 204
    assert client.get("/api/v1/orders").status_code == 200
    copy = app.test_client()
    copy.set_cookie("session", old_cookie)
    assert copy.get("/api/v1/orders").status_code == 401


def test_the_api_names_a_wrong_current_password_as_a_field_error(client, world):
    response = client.post("/api/v1/auth/password", headers=world.headers("customer"),
                           json={"current_password": "nope-nope-nope", "new_password": NEW})
    assert list(assert_problem(response, 422)["errors"]) == ["current_password"]


def test_the_api_names_a_too_short_new_password_as_a_field_error(client, world):
    response = client.post("/api/v1/auth/password", headers=world.headers("customer"),
                           json={"current_password": PASSWORD, "new_password": "short"})
    assert assert_problem(response, 422)["errors"] == {"new_password": ["Use at least 10 characters."]}


def test_the_api_needs_a_caller_to_change_a_password(client):
    assert_problem(client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": NEW}),
                   401)


# -- the office sets a staff member's password -----------------------------------------------------------
def test_the_owner_sets_a_drivers_new_password_and_ends_their_sign_ins_and_tokens(app, client, world):
    drivers_phone = app.test_client()
    sign_in(drivers_phone, world.emails["driver"])
    sign_in(client, world.emails["owner"])
    response = _reset(client, world.user_ids["driver"])
    assert (response.status_code, response.headers["Location"]) == (302, "/staff")
    assert drivers_phone.get("/account").status_code == 302
    assert_problem(client.get("/api/v1/orders", headers=world.headers("driver")), 401)
    assert _gets_token(app.test_client(), world.emails["driver"], NEW)
    assert _events(app, "password.reset") == [(world.user_ids["driver"], world.user_ids["owner"])]


def test_a_reset_lifts_a_lockout(app, client, world):
    app.config["WAYBILL_SIGN_IN_MAX_FAILURES"] = 2
    locked_out = app.test_client()
    for _ in range(2):
        sign_in(locked_out, world.emails["floor"], "wrong-password")
    assert sign_in(locked_out, world.emails["floor"], PASSWORD).status_code == 429
    sign_in(client, world.emails["owner"])
    _reset(client, world.user_ids["floor"])
    assert sign_in(locked_out, world.emails["floor"], NEW).status_code == 302


def test_a_manager_sets_floor_and_driver_passwords_but_not_the_owners(app, client, world):
    sign_in(client, world.emails["manager"])
    page = client.get("/staff").get_data(as_text=True)
    assert f"/staff/{world.user_ids['floor']}/password" in page
    assert f"/staff/{world.user_ids['owner']}/password" not in page
    assert _reset(client, world.user_ids["floor"]).status_code == 302
    assert client.get(f"/staff/{world.user_ids['owner']}/password").status_code == 404
    assert _gets_token(app.test_client(), world.emails["owner"], PASSWORD)


@pytest.mark.parametrize("who", ["floor", "driver", "customer"])
def test_only_the_office_sees_the_staff_page(client, world, who):
    sign_in(client, world.emails[who])
    assert client.get("/staff").status_code == 403


def test_a_customer_account_is_not_reset_from_the_staff_page(client, world):
    sign_in(client, world.emails["owner"])
    assert client.get(f"/staff/{world.user_ids['driver']}/password").status_code == 200
    assert client.get(f"/staff/{world.user_ids['customer']}/password").status_code == 404


def test_nobody_resets_their_own_password_without_the_current_one(client, world):
    sign_in(client, world.emails["owner"])
    staff_page = client.get("/staff").get_data(as_text=True)
    assert "Change yours" in staff_page and f"/staff/{world.user_ids['owner']}/password" not in staff_page
    assert client.get(f"/staff/{world.user_ids['owner']}/password").status_code == 404


def test_a_too_short_new_password_for_staff_is_refused_on_the_form(app, client, world):
    sign_in(client, world.emails["owner"])
    response = _reset(client, world.user_ids["driver"], new="short")
    assert response.status_code == 422
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    assert _gets_token(app.test_client(), world.emails["driver"], PASSWORD)
