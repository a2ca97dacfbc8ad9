"""Staff web push end to end: an owner's (or manager's) browser subscribes through the API and hears about new
orders placed through the API, via the outbox relay, the push worker and a REAL local push service on 127.0.0.1
that decrypts each message with the subscription's keys and checks the VAPID JWT (tests/push_service.py)."""
from __future__ import annotations

import time

import sqlalchemy as sa

from backend.adapters.push import application_server_key
from backend.adapters.push_records import PushMessage, PushSubscription
from backend.domain import commands
from backend.domain.notifications import HOUR, staff_topic_for
from backend.extensions import db
from tests.e2e.conftest import assert_problem, order_body
from tests.factories import run
from tests.e2e.push_fixtures import (SUBJECT, app, push_service, running, vapid, wait_until_settled,  # noqa: F401
                                     world)

STAFF = "/api/v1/push/staff-subscriptions"


def staff_subscribe(client, world, who, browser, status=201):
    response = client.post(STAFF, json=browser.subscription(), headers=world.headers(who))
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def place_by_api(client, world, lines=(("MUG", 1),)) -> dict:
    response = client.post("/api/v1/orders", json=order_body(lines, customer_id=world.shop.customers["casey"]),
                           headers=world.headers("owner"))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def token_of(app, order_id) -> str:
    from backend.adapters.tables import orders
    with app.app_context():
        return db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()


def kinds(received):
    return [(r.payload or {}).get("kind") for r in received]


def test_an_owner_hears_of_a_new_order_placed_through_the_api_encrypted_with_vapid_topic_ttl(
        app, client, world, push_service, running, vapid):
    laptop = push_service.subscribe()
    body = staff_subscribe(client, world, "owner", laptop).get_json()
    assert body["active"] is True and body["endpoint"] == laptop.endpoint and "keys" not in body

    order = place_by_api(client, world, (("MUG", 2),))
    push_service.wait_for(lambda got: len(got) >= 1)
    wait_until_settled(app)  # nothing more may follow (a duplicate, or customer news)
    got = push_service.for_browser(laptop)
    assert kinds(got) == ["staff_new_order"]
    alert = got[0]
    number = f"WB-{order['id']:06d}"
    total = order["total_minor"]
    assert order["currency"] == "GBP"
    assert alert.payload["body"] == f"New order {number} — £{total // 100:,}.{total % 100:02d}"
    assert alert.payload["title"] == "New order" and alert.payload["url"] == f"/orders/{order['id']}"
    assert alert.payload["tag"] == staff_topic_for(order["id"])
    assert alert.status == 201 and alert.headers["content-encoding"] == "aes128gcm"
    assert alert.headers["topic"] == staff_topic_for(order["id"])
    assert alert.headers["urgency"] == "normal"
    assert HOUR - 60 <= int(alert.headers["ttl"]) <= HOUR
    assert alert.vapid_key == application_server_key(vapid)
    assert alert.claims["aud"] == push_service.origin and alert.claims["sub"] == SUBJECT
    # No customer name or address travels to staff either.
    assert "Elm Street" not in str(alert.payload) and "Casey" not in str(alert.payload)


def test_a_manager_may_subscribe_and_floor_driver_and_customer_get_a_403_problem(app, client, world, push_service):
    staff_subscribe(client, world, "manager", push_service.subscribe(), 201)
    for who in ("floor", "driver", "customer"):
        body = assert_problem(client.post(STAFF, json=push_service.subscribe().subscription(),
                                          headers=world.headers(who)), 403)
        assert body["code"] == "forbidden"
        assert_problem(client.delete(STAFF, json={"endpoint": push_service.subscribe().endpoint},
                                     headers=world.headers(who)), 403)
    assert_problem(client.post(STAFF, json=push_service.subscribe().subscription()), 401)
    with app.app_context():
        rows = db.session.execute(sa.select(PushSubscription)).scalars().all()
    assert [(r.audience, r.user_id, r.order_id) for r in rows] == [("staff", world.user_ids["manager"], None)]


def test_customer_and_staff_subscriptions_each_get_only_their_own_news(app, client, world, push_service, running):
    owner = world.actor("owner")
    laptop, phone = push_service.subscribe(), push_service.subscribe()
    staff_subscribe(client, world, "owner", laptop)
    order_id = world.place([("MUG", 1)])  # an order placed before the customer follows it
    token = token_of(app, order_id)
    response = client.post("/api/v1/push/subscriptions", json={"tracking_token": token, **phone.subscription()})
    assert response.status_code == 201
    push_service.wait_for(lambda got: len(got) >= 1)  # the owner's new-order alert
    run(app, commands.AcceptOrder(order_id), owner)  # customer news
    push_service.wait_for(lambda got: len(got) >= 2)
    wait_until_settled(app)
    assert kinds(push_service.for_browser(laptop)) == ["staff_new_order"]
    assert kinds(push_service.for_browser(phone)) == ["accepted"]


def test_one_browser_may_be_both_a_customer_and_staff_and_gets_each_once(app, client, world, push_service, running):
    owner = world.actor("owner")
    both = push_service.subscribe()
    staff_subscribe(client, world, "owner", both)
    order_id = place_by_api(client, world)["id"]
    response = client.post("/api/v1/push/subscriptions",
                           json={"tracking_token": token_of(app, order_id), **both.subscription()})
    assert response.status_code == 201
    run(app, commands.AcceptOrder(order_id), owner)
    push_service.wait_for(lambda got: len(got) >= 2)
    wait_until_settled(app)
    assert sorted(kinds(push_service.for_browser(both))) == ["accepted", "staff_new_order"]


def test_a_410_removes_the_staff_subscription_and_nothing_more_is_sent(app, client, world, push_service, running):
    gone, alive = push_service.subscribe(), push_service.subscribe()
    gone.always = (410, {})
    staff_subscribe(client, world, "owner", gone)
    staff_subscribe(client, world, "manager", alive)
    place_by_api(client, world)
    push_service.wait_for(lambda got: len(got) >= 2)

    def row(endpoint):
        with app.app_context():
            return db.session.execute(sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint)
                                      ).scalar_one()
    deadline = time.monotonic() + 10
    while row(gone.endpoint).revoked_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (row(gone.endpoint).revoked_reason, row(alive.endpoint).revoked_at) == ("gone", None)
    place_by_api(client, world)
    push_service.wait_for(lambda got: len(got) >= 3)
    wait_until_settled(app)
    assert [r.status for r in push_service.for_browser(gone)] == [410]  # never asked again
    assert kinds(push_service.for_browser(alive)) == ["staff_new_order", "staff_new_order"]


def test_turning_alerts_off_stops_them_and_a_deactivated_manager_gets_none(app, client, world, push_service, running):
    laptop, other = push_service.subscribe(), push_service.subscribe()
    staff_subscribe(client, world, "owner", laptop)
    staff_subscribe(client, world, "owner", laptop, 200)  # again: keys refreshed, no second row
    staff_subscribe(client, world, "manager", other)
    response = client.delete(STAFF, json={"endpoint": laptop.endpoint}, headers=world.headers("owner"))
    assert response.status_code == 204
    assert_problem(client.delete(STAFF, json={"endpoint": laptop.endpoint}, headers=world.headers("manager")), 404)
    from backend.adapters.records import User
    from backend.adapters.sqlite import fresh_write
    with app.app_context(), fresh_write(db.session):  # a write transaction: the push worker may be writing too
        db.session.get(User, world.user_ids["manager"]).active = False
        db.session.commit()
    place_by_api(client, world)
    wait_until_settled(app)
    assert push_service.for_browser(laptop) == [] and push_service.for_browser(other) == []
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(PushMessage)).scalar_one() == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(PushSubscription)).scalar_one() == 2


def test_a_bad_subscription_is_a_422_problem_and_the_endpoints_are_documented(app, client, world, push_service):
    phone = push_service.subscribe()
    bad = {"endpoint": "https://evil.example/collect", "keys": {"p256dh": "AAAA", "auth": phone.auth}}
    body = assert_problem(client.post(STAFF, json=bad, headers=world.headers("owner")), 422)
    assert set(body["errors"]) == {"endpoint", "keys.p256dh"}
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post", "delete"} <= set(paths[STAFF])
    assert paths[STAFF]["post"].get("security") != []  # authenticated, unlike the tracking-link one
    assert "403" in paths[STAFF]["post"]["responses"]
