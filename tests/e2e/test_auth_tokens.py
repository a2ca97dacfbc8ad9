"""API tokens: exchanged for e-mail and password, listed without their values, revoked at once."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from backend.adapters.records import ApiToken, User
from backend.extensions import db
from tests.e2e.conftest import assert_problem
from tests.factories import PASSWORD

TOKENS = "/api/v1/auth/tokens"


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_an_email_and_password_get_a_token_that_opens_the_api(client, world):
    response = client.post(TOKENS, json={"email": world.emails["owner"], "password": PASSWORD, "name": "laptop"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"] == {"id": world.user_ids["owner"], "email": world.emails["owner"], "role": "owner"}
    assert client.get("/api/v1/orders", headers=_bearer(body["token"])).status_code == 200


def test_the_email_is_matched_whatever_its_case(client, world):
    response = client.post(TOKENS, json={"email": world.emails["customer"].upper(), "password": PASSWORD})
    assert response.status_code == 201


def test_a_wrong_password_gets_a_401_problem_and_no_token(client, world):
    response = client.post(TOKENS, json={"email": world.emails["owner"], "password": "not-the-password"})
    body = assert_problem(response, 401)
    assert "token" not in body
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, world):
    wrong_password = client.post(TOKENS, json={"email": world.emails["owner"], "password": "not-the-password"})
    unknown_email = client.post(TOKENS, json={"email": "nobody@example.com", "password": "not-the-password"})
    assert (unknown_email.status_code, unknown_email.get_json()) == (wrong_password.status_code,
                                                                     wrong_password.get_json())


def test_a_deactivated_user_gets_no_token(app, client, world):
    with app.app_context():
        db.session.get(User, world.user_ids["driver"]).active = False
        db.session.commit()
    response = client.post(TOKENS, json={"email": world.emails["driver"], "password": PASSWORD})
    assert_problem(response, 401)


def test_asking_without_a_password_answers_422_naming_the_field(client, world):
    response = client.post(TOKENS, json={"email": world.emails["owner"]})
    assert list(assert_problem(response, 422)["errors"]) == ["password"]


def test_the_token_list_shows_names_but_never_token_values(client, world):
    response = client.get(TOKENS, headers=world.headers("manager"))
    assert response.status_code == 200
    [token] = response.get_json()
    assert token["name"] == "e2e manager"
    assert "token" not in token and "token_hash" not in token


def test_a_token_is_stored_only_as_its_sha256(app, world):
    plain = world.tokens["manager"]
    with app.app_context():
        stored = db.session.execute(sa.select(ApiToken.token_hash).where(
            ApiToken.user_id == world.user_ids["manager"])).scalar_one()
    assert stored == hashlib.sha256(plain.encode()).hexdigest()


def test_a_revoked_token_stops_working_at_once(client, world):
    headers = world.headers("manager")
    [token] = client.get(TOKENS, headers=headers).get_json()
    assert client.delete(f"{TOKENS}/{token['id']}", headers=headers).status_code == 204
    assert_problem(client.get("/api/v1/orders", headers=headers), 401)


def test_a_user_cannot_revoke_someone_elses_token(client, world):
    [theirs] = client.get(TOKENS, headers=world.headers("owner")).get_json()
    response = client.delete(f"{TOKENS}/{theirs['id']}", headers=world.headers("customer"))
    assert_problem(response, 404)
    assert client.get("/api/v1/orders", headers=world.headers("owner")).status_code == 200


def test_revoking_one_token_leaves_the_users_other_tokens_working(client, world):
    second = client.post(TOKENS, json={"email": world.emails["manager"], "password": PASSWORD}).get_json()
    client.delete(f"{TOKENS}/{second['id']}", headers=_bearer(second["token"]))
    assert client.get("/api/v1/orders", headers=world.headers("manager")).status_code == 200
