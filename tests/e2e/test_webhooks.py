"""Outgoing webhooks end to end: subscribe through the API, real order changes through the bus, the outbox
relay, the webhook worker, and a REAL local receiver on 127.0.0.1 that checks every signature."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from backend.adapters.webhook_records import WebhookCursor, WebhookDelivery, WebhookSubscription
from backend.adapters.webhook_sender import worker_for_app
from backend.domain import commands
from backend.extensions import db
from tests.e2e.conftest import _app_on_copy, _dispose, _world_for, assert_problem, sign_in
from tests.factories import run
from tests.outbox import publish_everything
from tests.webhook_receiver import WebhookReceiver, verify

CONTACT_WORDS = ("casey", "leeds", "elm street", "@example.com", "ls1")


@pytest.fixture
def app(tmp_path, world_template):
    """The e2e world that may call loopback receivers, retrying at once (base 0 s) up to 3 tries, and
    stopping a subscription after 2 failed deliveries in a row."""
    application = _app_on_copy(world_template[0], tmp_path / "hooks.db", WAYBILL_WEBHOOKS_ALLOW_PRIVATE=True,
                               WAYBILL_WEBHOOK_RETRY_BASE_SECONDS=0, WAYBILL_WEBHOOK_MAX_ATTEMPTS=3,
                               WAYBILL_WEBHOOK_DISABLE_AFTER=2)
    yield application
    _dispose(application)


@pytest.fixture
def world(app, world_template):
    return _world_for(app, world_template[1])


@pytest.fixture
def receiver():
    service = WebhookReceiver().start()
    yield service
    service.stop()


def subscribe(client, world, url, events, who="owner", status=201):
    response = client.post("/api/v1/webhooks/subscriptions", json={"url": url, "events": events},
                           headers=world.headers(who))
    assert response.status_code == status, response.get_json()
    return response.get_json()


def deliver(app):
    """What runs after commit: the relay publishes, then the webhook worker takes in and sends what is due."""
    publish_everything(app)
    return worker_for_app(app).run_once()


def deliveries(app, subscription_id):
    with app.app_context():
        rows = db.session.execute(sa.select(WebhookDelivery).where(
            WebhookDelivery.subscription_id == subscription_id).order_by(WebhookDelivery.id)).scalars().all()
        db.session.remove()
        return rows


def test_a_placed_order_reaches_the_subscriber_once_signed_with_the_secret_shown_when_subscribing(
        app, client, world, receiver):
    made = subscribe(client, world, receiver.url(), ["order.placed"])
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 40
    listed = client.get("/api/v1/webhooks/subscriptions", headers=world.headers("owner")).get_json()
    assert [s["id"] for s in listed] == [made["id"]] and "secret" not in listed[0]  # shown once only

    order_id = world.place([("MUG", 1)])
    deliver(app)
    deliver(app)  # a second round finds nothing new to send

    [got] = receiver.at("/hooks")
    assert verify(made["secret"], got.headers["waybill-signature"], got.body)
    assert not verify("whsec_someone-else", got.headers["waybill-signature"], got.body)
    body = got.json
    assert body["type"] == "order.placed" and got.headers["waybill-event"] == "order.placed"
    assert body["data"]["order_id"] == order_id and body["data"]["number"] == f"WB-{order_id:06d}"
    assert body["time"].endswith("Z") and body["id"]
    [row] = deliveries(app, made["id"])
    assert got.headers["waybill-delivery"] == row.delivery_id and row.event_id == body["id"]
    assert row.status == "delivered" and row.attempts == 1
    # No customer contact details, no office notes: a receiver reads those through the API, with its checks.
    assert not any(word in got.body.decode().lower() for word in CONTACT_WORDS)
    assert "actor_id" not in body["data"] and "hold_reasons" not in body["data"]


def test_the_same_event_taken_in_twice_is_delivered_once(app, client, world, receiver):
    made = subscribe(client, world, receiver.url(), ["order.placed"])
    world.place([("MUG", 1)])
    deliver(app)
    with app.app_context():  # as if the worker died after sending, before its cursor moved
        db.session.execute(sa.update(WebhookCursor).values(last_sequence=0))
        db.session.commit()
        db.session.remove()
    deliver(app)
    assert len(receiver.at("/hooks")) == 1
    assert len(deliveries(app, made["id"])) == 1


def test_a_receiver_answering_500_then_200_is_tried_again_and_the_log_shows_both_attempts(
        app, client, world, receiver):
    receiver.scripts["/flaky"] = [500]
    made = subscribe(client, world, receiver.url("/flaky"), ["order.placed"])
    world.place([("MUG", 1)])
    deliver(app)

    first, second = receiver.at("/flaky")
    assert (first.status, second.status) == (500, 200)
    assert first.headers["waybill-delivery"] == second.headers["waybill-delivery"]  # one delivery, two tries
    assert first.body == second.body
    [log] = client.get(f"/api/v1/webhooks/subscriptions/{made['id']}/deliveries",
                       headers=world.headers("owner")).get_json()
    assert log["status"] == "delivered" and log["attempts"] == 2
    assert [t["status_code"] for t in log["tries"]] == [500, 200]
    assert log["tries"][0]["next_retry_at"] and log["tries"][0]["error"].startswith("500")
    assert log["tries"][1]["next_retry_at"] is None and log["tries"][1]["sent_at"]


@pytest.mark.parametrize("status", [410, 400])
def test_a_receiver_answering_a_4xx_is_not_tried_again_and_the_delivery_fails(app, client, world, receiver,
                                                                                 status):
    receiver.always["/refuses"] = status
    made = subscribe(client, world, receiver.url("/refuses"), ["order.placed"])
    world.place([("MUG", 1)])
    deliver(app)
    assert len(receiver.at("/refuses")) == 1
    [row] = deliveries(app, made["id"])
    assert (row.status, row.attempts, row.last_status_code, row.next_attempt_at) == ("failed", 1, status, None)


def test_a_receiver_that_keeps_failing_is_given_up_on_and_its_subscription_stopped_with_the_reason(
        app, client, world, receiver):
    receiver.always["/down"] = 503
    made = subscribe(client, world, receiver.url("/down"), ["order.placed"])
    world.place([("MUG", 1)])
    world.place([("MUG", 1)])
    deliver(app)
    assert len(receiver.at("/down")) == 6  # two deliveries, three tries each
    assert [(d.status, d.attempts) for d in deliveries(app, made["id"])] == [("failed", 3), ("failed", 3)]
    [listed] = client.get("/api/v1/webhooks/subscriptions", headers=world.headers("owner")).get_json()
    assert listed["active"] is False and "2 failed deliveries in a row" in listed["disabled_reason"]
    assert "503" in listed["disabled_reason"]

    world.place([("MUG", 1)])
    deliver(app)
    assert len(receiver.at("/down")) == 6 and len(deliveries(app, made["id"])) == 2


def test_events_a_subscription_did_not_ask_for_are_not_sent(app, client, world, receiver):
    cancels = subscribe(client, world, receiver.url("/cancels"), ["order.cancelled"])
    statuses = subscribe(client, world, receiver.url("/statuses"), ["order.status_changed"])
    order_id = world.place([("MUG", 1)], method="cash_on_delivery")
    run(app, commands.AcceptOrder(order_id), world.actor("owner"))
    deliver(app)
    assert receiver.at("/cancels") == []
    assert [r.json["data"]["to_status"] for r in receiver.at("/statuses")] == ["accepted", "allocated"]

    run(app, commands.CancelOrder(order_id, "customer asked"), world.actor("owner"))
    deliver(app)
    [cancelled] = receiver.at("/cancels")
    assert cancelled.json["type"] == "order.cancelled" and cancelled.json["data"]["order_id"] == order_id
    assert [(r.json["type"], r.json["data"]["to_status"]) for r in receiver.at("/statuses")][-1] == (
        "order.status_changed", "cancelled")
    assert len(receiver.at("/statuses")) == 3
    assert all(verify(s["secret"], r.headers["waybill-signature"], r.body)
               for s, path in ((cancels, "/cancels"), (statuses, "/statuses")) for r in receiver.at(path))
    assert not any(r.json["type"] == "order.placed" for r in receiver.received)


def test_stock_changes_carry_figures_and_no_customer(app, client, world, receiver):
    subscribe(client, world, receiver.url("/stock"), ["stock.changed"])
    world.place([("MUG", 2)])
    deliver(app)
    [reserved] = receiver.at("/stock")
    data = reserved.json["data"]
    assert data["event"] == "stock.reserved" and data["reserved"] >= 2 and data["stock_level_id"]
    assert set(data) <= {"warehouse_id", "product_id", "on_hand", "reserved", "incoming", "reason", "order_id",
                         "stock_level_id", "event"}


def test_a_deleted_subscription_gets_nothing_more(app, client, world, receiver):
    made = subscribe(client, world, receiver.url(), ["order.placed"])
    response = client.delete(f"/api/v1/webhooks/subscriptions/{made['id']}", headers=world.headers("owner"))
    assert response.status_code == 204
    world.place([("MUG", 1)])
    deliver(app)
    assert receiver.received == []
    assert client.get("/api/v1/webhooks/subscriptions", headers=world.headers("owner")).get_json() == []
    assert_problem(client.delete(f"/api/v1/webhooks/subscriptions/{made['id']}", headers=world.headers("owner")),
                   404)


@pytest.mark.parametrize("who", ["floor", "driver", "customer"])
def test_only_the_office_subscribes_lists_or_reads_logs(app, client, world, receiver, who):
    owners = subscribe(client, world, receiver.url(), ["order.placed"])
    body = {"url": receiver.url(), "events": ["order.placed"]}
    assert_problem(client.post("/api/v1/webhooks/subscriptions", json=body, headers=world.headers(who)), 403)
    assert_problem(client.get("/api/v1/webhooks/subscriptions", headers=world.headers(who)), 403)
    assert_problem(client.get(f"/api/v1/webhooks/subscriptions/{owners['id']}/deliveries",
                              headers=world.headers(who)), 403)
    assert_problem(client.delete(f"/api/v1/webhooks/subscriptions/{owners['id']}", headers=world.headers(who)), 403)
    assert_problem(client.post("/api/v1/webhooks/subscriptions", json=body), 401)


def test_a_manager_sees_and_deletes_only_their_own_and_the_owner_sees_all(app, client, world, receiver):
    owners = subscribe(client, world, receiver.url("/owner"), ["order.placed"])
    managers = subscribe(client, world, receiver.url("/manager"), ["order.placed"], who="manager")
    as_manager = client.get("/api/v1/webhooks/subscriptions", headers=world.headers("manager")).get_json()
    assert [s["id"] for s in as_manager] == [managers["id"]]
    as_owner = client.get("/api/v1/webhooks/subscriptions", headers=world.headers("owner")).get_json()
    assert [s["id"] for s in as_owner] == [owners["id"], managers["id"]]
    assert_problem(client.get(f"/api/v1/webhooks/subscriptions/{owners['id']}/deliveries",
                              headers=world.headers("manager")), 404)
    assert_problem(client.delete(f"/api/v1/webhooks/subscriptions/{owners['id']}",
                                 headers=world.headers("manager")), 404)
    assert client.delete(f"/api/v1/webhooks/subscriptions/{managers['id']}",
                         headers=world.headers("owner")).status_code == 204


@pytest.mark.parametrize("url, allow_private, message", [
    ("ftp://example.com/hooks", True, "http"),
    ("not a url", True, "http"),
    ("https://user:pw@example.com/hooks", True, "password"),
    ("http://127.0.0.1:9/hooks", False, "public"),
    ("http://localhost/hooks", False, "public"),
    ("http://10.1.2.3/hooks", False, "public"),
    ("http://[::1]/hooks", False, "public"),
    ("http://169.254.169.254/latest/meta-data", False, "public"),
])
def test_a_url_waybill_will_not_call_is_refused_with_a_field_error_and_nothing_saved(
        tmp_path, world_template, url, allow_private, message):
    application = _app_on_copy(world_template[0], tmp_path / "strict.db", WAYBILL_WEBHOOKS_ALLOW_PRIVATE=allow_private)
    try:
        world = _world_for(application, world_template[1])
        response = application.test_client().post("/api/v1/webhooks/subscriptions", headers=world.headers("owner"),
                                                  json={"url": url, "events": ["order.placed"]})
        body = assert_problem(response, 422)
        assert message in " ".join(body["errors"]["url"]).lower()
        with application.app_context():
            assert db.session.execute(sa.select(sa.func.count()).select_from(WebhookSubscription)).scalar_one() == 0
    finally:
        _dispose(application)


def test_unknown_event_types_are_refused_with_a_field_error(app, client, world, receiver):
    response = client.post("/api/v1/webhooks/subscriptions", headers=world.headers("owner"),
                           json={"url": receiver.url(), "events": ["order.placed", "order.teleported"]})
    body = assert_problem(response, 422)
    assert any(path.startswith("events") for path in body["errors"])
    assert_problem(client.post("/api/v1/webhooks/subscriptions", headers=world.headers("owner"),
                               json={"url": receiver.url(), "events": []}), 422)


def test_the_owner_reads_subscriptions_and_the_delivery_log_on_a_page(app, client, world, receiver):
    receiver.scripts["/flaky"] = [500]
    made = subscribe(client, world, receiver.url("/flaky"), ["order.placed"])
    world.place([("MUG", 1)])
    deliver(app)
    sign_in(client, world.emails["owner"])
    page = client.get("/office/webhooks/").get_data(as_text=True)
    assert receiver.url("/flaky") in page and "Receiving" in page
    assert f'href="/office/webhooks/{made["id"]}"' in page
    assert 'href="/office/webhooks/"' in client.get("/dashboard/").get_data(as_text=True)  # in the owner's menu
    log = client.get(f"/office/webhooks/{made['id']}").get_data(as_text=True)
    assert "answered 500" in log and "answered 200" in log and "Delivered" in log
    assert made["secret"] not in page + log


def test_a_manager_is_not_shown_the_owners_webhooks_page(app, client, world):
    sign_in(client, world.emails["manager"])
    assert client.get("/office/webhooks/").status_code == 403
    assert "/office/webhooks/" not in client.get("/dashboard/").get_data(as_text=True)


def test_the_api_document_describes_the_signature_scheme(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/webhooks/subscriptions", "/api/v1/webhooks/subscriptions/{subscription_id}",
            "/api/v1/webhooks/subscriptions/{subscription_id}/deliveries"} <= set(spec["paths"])
    section = next(tag for tag in spec["tags"] if tag["name"] == "webhooks")
    assert "Waybill-Signature: t=" in section["description"] and "HMAC-SHA256" in section["description"]
    created = spec["paths"]["/api/v1/webhooks/subscriptions"]["post"]["responses"]["201"]
    assert "secret" in json.dumps(spec["components"]["schemas"]["WebhookSubscriptionCreated"])
    assert created


def test_the_sender_refuses_an_internal_address_at_send_time_without_the_flag(receiver):
    from backend.adapters.webhook_sender import HttpWebhookSender
    for url in (receiver.url(), receiver.url().replace("127.0.0.1", "localhost")):
        result = HttpWebhookSender(allow_private=False).send(url, "whsec_k", "{}", delivery_id="d-1",
                                                             event_type="order.placed")
        assert result.status_code is None and result.permanent and "refused" in result.error
    assert receiver.received == []
    allowed = HttpWebhookSender(allow_private=True).send(receiver.url(), "whsec_k", "{}", delivery_id="d-1",
                                                          event_type="order.placed")
    assert allowed.status_code == 200 and len(receiver.received) == 1


def test_a_receiver_that_does_not_answer_is_retried_then_failed(app, client, world):
    made = subscribe(client, world, "http://127.0.0.1:9/closed", ["order.placed"])  # nothing listens on port 9
    world.place([("MUG", 1)])
    deliver(app)
    [row] = deliveries(app, made["id"])
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 3, None)
    assert "Connection" in row.last_error


def test_a_shipment_booked_names_its_order_carrier_and_tracking_number(app, client, world, receiver):
    from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
    from backend.domain.orders import OrderStatus
    subscribe(client, world, receiver.url("/parcels"), ["shipment.created"])
    owner = world.actor("owner")
    order_id = world.place([("MUG", 1)])
    run(app, commands.AcceptOrder(order_id), owner)
    with app.app_context(), SqlAlchemyUnitOfWork(db.session) as uow:  # the floor's pick and pack, in one step
        order = uow.track(uow.orders.get(order_id, for_update=True))
        for step in (OrderStatus.PICKING, OrderStatus.PACKED):
            order.transition(step, actor_id=None)
        uow.commit()
    shipment = run(app, commands.CreateShipment(order_id, "own_fleet"), owner)
    deliver(app)
    [got] = receiver.at("/parcels")
    assert got.json["type"] == "shipment.created"
    assert {k: got.json["data"][k] for k in ("shipment_id", "order_id", "carrier", "tracking_number")} == {
        "shipment_id": shipment.id, "order_id": order_id, "carrier": "own_fleet",
        "tracking_number": shipment.tracking_number}
