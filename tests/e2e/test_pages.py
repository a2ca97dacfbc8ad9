"""The server-rendered pages over the test client: sign-in, CSRF, the order list and the order page."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import csrf_token_of, sign_in
from tests.factories import LONDON, PASSWORD


@pytest.fixture
def orders(world):
    """One order of casey's (reserved in Manchester) and one of robin's."""
    return {"casey": world.place([("MUG", 1)]),
            "robin": world.place([("LAMP", 1)], customer="robin")}


def _number(order_id: int) -> str:
    return f"WB-{order_id:06d}"


def _decide(client, order_id, action, **extra):
    """Take a decision from the order page, confirming it when it ends the order (as the confirmation does)."""
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    confirmed = {"confirm": "yes"} if action in ("reject", "cancel", "reject_hold") else {}
    return client.post(f"/orders/{order_id}/decision",
                       data={"action": action, "csrf_token": csrf_token_of(page), **confirmed, **extra})


# -- signing in --------------------------------------------------------------------------------------
def test_csrf_protection_stays_on_in_tests(app):
    assert app.config["TESTING"] and app.config["WTF_CSRF_ENABLED"]


def test_a_wrong_password_shows_the_error_on_the_form_with_422(client, world):
    response = sign_in(client, world.emails["owner"], "not-the-password")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Wrong e-mail or password." in page
    assert 'aria-invalid="true"' in page


def test_a_malformed_email_is_just_a_wrong_sign_in_not_a_crash(client, world):
    response = sign_in(client, "not-an-email", "not-the-password")
    assert response.status_code == 422


def test_signing_in_opens_the_order_list(client, world):
    response = sign_in(client, world.emails["owner"])
    assert (response.status_code, response.headers["Location"]) == (302, "/orders/")


def test_signing_in_without_the_csrf_token_is_refused(client, world):
    response = client.post("/sign-in", data={"email": world.emails["owner"], "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/orders/").status_code == 302  # still signed out


def test_a_page_asked_for_while_signed_out_is_shown_after_signing_in(client, world, orders):
    response = client.get(f"/orders/{orders['casey']}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    next_url = response.headers["Location"].split("next=", 1)[1]
    assert sign_in(client, world.emails["owner"], next_url=next_url).headers["Location"] == f"/orders/{orders['casey']}"


@pytest.mark.parametrize("next_url", ["//evil.example", "https://evil.example/", "/%5Cevil.example",
                                      "/%09/evil.example", "/%0d%0a/evil.example", "%20//evil.example"])
def test_a_next_address_on_another_site_is_not_followed(client, world, next_url):
    response = sign_in(client, world.emails["owner"], next_url=next_url)
    assert (response.status_code, response.headers["Location"]) == (302, "/orders/")


def test_signing_out_needs_the_csrf_token(client, world):
    sign_in(client, world.emails["owner"])
    assert client.post("/sign-out").status_code == 400
    assert client.get("/orders/").status_code == 200  # still signed in


# -- the order list ----------------------------------------------------------------------------------
def test_the_order_list_shows_the_orders_after_signing_in(client, world, orders):
    sign_in(client, world.emails["owner"])
    page = client.get("/orders/").get_data(as_text=True)
    assert _number(orders["casey"]) in page and _number(orders["robin"]) in page
    assert "2 orders" in page


def test_a_customer_sees_only_their_own_orders_in_the_list(client, world, orders):
    sign_in(client, world.emails["customer"])
    page = client.get("/orders/").get_data(as_text=True)
    assert _number(orders["casey"]) in page
    assert _number(orders["robin"]) not in page


def test_the_list_asked_for_by_htmx_is_only_the_list_fragment(client, world, orders):
    sign_in(client, world.emails["owner"])
    response = client.get("/orders/?view=all", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True).strip()
    assert fragment.startswith('<section id="order-list"') and fragment.endswith("</section>")
    assert "<html" not in fragment and _number(orders["casey"]) in fragment


def test_pages_tell_caches_they_vary_on_hx_request(client, world, orders):
    sign_in(client, world.emails["owner"])
    for headers in ({}, {"HX-Request": "true"}):
        assert "HX-Request" in client.get("/orders/", headers=headers).headers["Vary"]


# -- the order page ----------------------------------------------------------------------------------
def test_another_customers_order_page_is_a_404_page(client, world, orders):
    sign_in(client, world.emails["customer"])
    response = client.get(f"/orders/{orders['robin']}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "No such order." in page and _number(orders["robin"]) not in page and LONDON["line1"] not in page


def test_the_owner_accepts_an_order_from_its_page_and_its_status_changes(client, world, orders):
    sign_in(client, world.emails["owner"])
    response = _decide(client, orders["casey"], "accept")
    assert (response.status_code, response.headers["Location"]) == (302, f"/orders/{orders['casey']}")
    page = client.get(f"/orders/{orders['casey']}").get_data(as_text=True)
    assert 'class="status status-allocated"' in page
    assert "Done." in page


def test_a_decision_without_the_csrf_token_is_refused_and_changes_nothing(client, world, orders):
    sign_in(client, world.emails["owner"])
    response = client.post(f"/orders/{orders['casey']}/decision", data={"action": "accept"})
    assert response.status_code == 400
    assert "status-placed" in client.get(f"/orders/{orders['casey']}").get_data(as_text=True)


def test_a_decision_the_order_cannot_take_is_shown_as_a_problem_on_the_page(client, world, orders):
    sign_in(client, world.emails["owner"])
    _decide(client, orders["casey"], "reject", reason="out of area")
    page = client.get(f"/orders/{orders['casey']}").get_data(as_text=True)
    response = client.post(f"/orders/{orders['casey']}/decision",
                           data={"action": "accept", "csrf_token": csrf_token_of(page)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Problem:" in response.get_data(as_text=True) and "status-rejected" in response.get_data(as_text=True)


def test_a_customer_is_offered_only_cancelling_their_placed_order(client, world, orders):
    sign_in(client, world.emails["customer"])
    page = client.get(f"/orders/{orders['casey']}").get_data(as_text=True)
    assert 'value="cancel"' in page
    assert 'value="accept"' not in page and 'value="reject"' not in page


def test_a_customer_cannot_accept_their_own_order_by_posting_the_form(client, world, orders):
    sign_in(client, world.emails["customer"])
    response = _decide(client, orders["casey"], "accept")
    assert response.status_code == 302
    page = client.get(f"/orders/{orders['casey']}").get_data(as_text=True)
    assert "status-placed" in page and "Problem:" in page
