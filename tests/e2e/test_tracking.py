"""The customer's tracking page: the order's steps and delivery news through an unguessable link, and nothing else."""
from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from backend.adapters.tables import orders
from backend.extensions import db
from tests.e2e.conftest import sign_in
from tests.factories import run_out_for_delivery


def _token(app, order_id) -> str:
    with app.app_context():
        return db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()


def test_the_link_shows_the_orders_steps_and_the_shops_contact_but_no_address(app, client, world):
    order_id = world.place([("MUG", 1)])
    response = client.get(f"/track/{_token(app, order_id)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"WB-{order_id:06d}" in page and "Order received" in page and "Shipped" in page
    assert "help@example.com" in page
    assert "12 Elm Street" not in page and "LS1 4AP" not in page  # the address never shows
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"] and "noindex" in response.headers["X-Robots-Tag"]


@pytest.mark.parametrize("token", [secrets.token_urlsafe(24), "short", "x" * 33, "../../etc/passwd",
                                   "%00" * 12, "A" * 31 + "!"])
def test_a_guessed_or_malformed_token_is_a_plain_404(client, world, token):
    world.place([("MUG", 1)])
    response = client.get(f"/track/{token}")
    assert response.status_code == 404
    assert "WB-" not in response.get_data(as_text=True)


def test_one_orders_link_shows_that_order_only(app, client, world):
    mine = world.place([("MUG", 1)])
    theirs = world.place([("LAMP", 1)], customer="robin")
    page = client.get(f"/track/{_token(app, theirs)}").get_data(as_text=True)
    assert f"WB-{theirs:06d}" in page and f"WB-{mine:06d}" not in page


def test_a_customers_account_does_not_reach_another_customers_order(app, client, world):
    theirs = world.place([("LAMP", 1)], customer="robin")
    sign_in(client, world.emails["customer"])
    assert client.get(f"/orders/{theirs}").status_code == 404
    assert client.get(f"/api/v1/orders/{theirs}", headers=world.headers("customer")).status_code == 404


def test_an_own_fleet_delivery_says_how_many_stops_come_first_and_never_which(app, client, world):
    owner = world.actor("owner")
    _, _, order_ids = run_out_for_delivery(world.shop, owner, world.user_ids["driver"], stops=3)
    last = client.get(f"/track/{_token(app, order_ids[2])}").get_data(as_text=True)
    assert "2 stops before yours." in last
    first = client.get(f"/track/{_token(app, order_ids[0])}").get_data(as_text=True)
    assert "You are the next stop." in first
    for other in order_ids[:2]:
        assert f"WB-{other:06d}" not in last


def test_a_photo_of_another_orders_delivery_is_not_reachable_through_this_link(app, client, world):
    order_id = world.place([("MUG", 1)])
    guess = "0b4c6a3e-2f64-4a5e-9d0a-6f1f0f3c1a2b"
    assert client.get(f"/track/{_token(app, order_id)}/photos/{guess}").status_code == 404
    assert client.get(f"/track/{secrets.token_urlsafe(24)}/photos/{guess}").status_code == 404


def test_once_delivered_the_link_shows_who_took_it_and_the_photo_but_not_the_signature(app, client, world):
    from tests.e2e.sync_requests import push_commands, put
    from tests.factories import TINY_JPEG, blob_ref
    _, stops, order_ids = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"], stops=2)
    photo, signature, other_photo = blob_ref(), blob_ref(role="signature"), blob_ref()
    results = push_commands(client, world, [
        ("delivery.confirm", {"stop_id": stops[0], "recipient_name": "Sam Neighbour", "blob_refs": [photo, signature]}),
        ("delivery.confirm", {"stop_id": stops[1], "recipient_name": "Kim", "blob_refs": [other_photo]})])
    assert [r["status"] for r in results] == ["applied", "applied"]
    for ref in (photo, signature, other_photo):
        assert put(client, world, TINY_JPEG, blob_id=ref["id"]).status_code == 201
    token = _token(app, order_ids[0])
    page = client.get(f"/track/{token}").get_data(as_text=True)
    assert "Handed to <strong>Sam Neighbour</strong>" in page and "Kim" not in page
    assert f"/track/{token}/photos/{photo['id']}" in page and signature["id"] not in page
    shown = client.get(f"/track/{token}/photos/{photo['id']}")
    assert (shown.status_code, shown.mimetype, shown.data) == (200, "image/jpeg", TINY_JPEG)
    assert client.get(f"/track/{token}/photos/{signature['id']}").status_code == 404
    assert client.get(f"/track/{token}/photos/{other_photo['id']}").status_code == 404  # the next stop's photo


@pytest.mark.parametrize(("who", "shown"), [("owner", True), ("customer", True), ("other_customer", False)])
def test_the_order_page_gives_the_tracking_link_to_the_office_and_the_orders_customer(app, client, world, who,
                                                                                     shown):
    order_id = world.place([("MUG", 1)])
    sign_in(client, world.emails[who])
    response = client.get(f"/orders/{order_id}")
    if not shown:
        assert response.status_code == 404  # another customer's order does not exist for them
        return
    assert f"/track/{_token(app, order_id)}" in response.get_data(as_text=True)


def test_floor_staff_see_the_order_but_not_its_tracking_link(app, client, world):
    order_id = world.place([("LAMP", 1)], customer="robin")  # London stock: the floor user's warehouse
    sign_in(client, world.emails["floor"])
    page = client.get(f"/orders/{order_id}")
    assert page.status_code == 200 and "data-tracking-link" not in page.get_data(as_text=True)
