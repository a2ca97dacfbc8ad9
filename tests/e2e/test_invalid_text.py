"""Strings that are not text (a lone UTF-16 surrogate, NUL) are refused at every edge with 422, and
nothing the office reads afterwards breaks."""
from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import assert_problem, csrf_token_of, order_body, sign_in

LONE = "\ud83d"  # half of an emoji: JSON can spell it, UTF-8 cannot store it


def _post(client, world, path, body, who="owner"):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=world.headers(who))


def _order_with_name(name):
    body = order_body()
    body["shipping_address"]["name"] = name
    return body


def test_an_order_whose_name_is_a_lone_surrogate_is_refused_and_the_office_list_still_opens(client, world,
                                                                                             unchanged_rows):
    with unchanged_rows():
        refused = _post(client, world, "/api/v1/orders", _order_with_name(LONE), who="customer")
    assert assert_problem(refused, 422)["errors"] == {
        "shipping_address.name": ["Must be valid Unicode text (no unpaired surrogates)."]}
    sign_in(client, world.emails["owner"])
    assert client.get("/orders/").status_code == 200
    assert client.get("/api/v1/orders", headers=world.headers("owner")).status_code == 200


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/products", {"sku": "ODD-1", "name": "Mug " + LONE, "price_minor": 100, "currency": "GBP"}, "name"),
    ("/api/v1/customers", {"email": "odd@example.com", "name": LONE}, "name"),
    ("/api/v1/auth/tokens", {"email": "x@example.com", "password": "secret-password", "name": LONE}, "name"),
    ("/api/v1/orders", {**order_body(), "notes": "ring " + LONE}, "notes"),
    ("/api/v1/orders", {**order_body(), "lines": [{"sku": "MUG", "quantity": 1, LONE: 1}]}, "lines.0.<key>"),
])
def test_every_api_body_with_a_string_that_is_not_text_answers_422_naming_the_field(client, world, path, body,
                                                                                    field):
    response = _post(client, world, path, body)
    assert field in assert_problem(response, 422)["errors"]


def test_a_decision_reason_that_is_not_text_is_refused(client, world, unchanged_rows):
    order_id = world.place([("MUG", 1)])
    with unchanged_rows():
        response = _post(client, world, f"/api/v1/orders/{order_id}/reject", {"reason": "fraud " + LONE})
    assert list(assert_problem(response, 422)["errors"]) == ["reason"]


def test_a_nul_character_is_refused_like_a_surrogate(client, world):
    response = _post(client, world, "/api/v1/customers", {"email": "nul@example.com", "name": "a\x00b"})
    assert assert_problem(response, 422)["errors"] == {"name": ["Must not contain NUL characters."]}


def test_a_page_form_with_bytes_that_are_not_utf8_is_kept_as_plain_text_never_a_crash(client, world):
    order_id = world.place([("MUG", 1)])
    sign_in(client, world.emails["owner"])
    token = csrf_token_of(client.get(f"/orders/{order_id}").get_data(as_text=True))
    # %ED%A0%BD is a surrogate encoded as if it were UTF-8. Werkzeug never decodes it into a surrogate
    # (it keeps the escape as written), so a form cannot carry one: the page shows what was sent.
    body = f"csrf_token={token}&action=reject&confirm=yes&reason=odd%ED%A0%BD"
    response = client.post(f"/orders/{order_id}/decision", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    page = client.get(f"/orders/{order_id}")
    assert page.status_code == 200 and "Rejected by" in page.get_data(as_text=True)
    assert "odd%ED%A0%BD" in page.get_data(as_text=True)
