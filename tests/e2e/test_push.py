"""Web push end to end: subscribe through the API, real order changes through the bus, the outbox relay with
the push dispatcher, and a REAL local push service on 127.0.0.1 that decrypts every message with the
subscription's keys and checks the VAPID JWT."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from backend.adapters.push import application_server_key
from backend.adapters.push_records import PushAttempt, PushMessage, PushSubscription
from backend.domain import commands
from backend.domain.notifications import KINDS, topic_for
from backend.domain.orders import OrderStatus
from backend.extensions import db
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.outbox import publish_everything
from tests.e2e.conftest import _app_on_copy, _dispose, _world_for, assert_problem
from tests.factories import blob_ref, run, stored
from tests.e2e.push_fixtures import (SUBJECT, app, push_service, running, vapid, wait_until_settled,  # noqa: F401
                                     world)



def token_of(app, order_id) -> str:
    from backend.adapters.tables import orders
    with app.app_context():
        return db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()


def subscribe(client, token, browser, status=201):
    response = client.post("/api/v1/push/subscriptions", json={"tracking_token": token, **browser.subscription()})
    assert response.status_code == status, response.get_json()
    return response


def eventually(check, timeout=10.0):
    """Poll `check()` until it returns something truthy (the worker records an answer just after it gets it)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def kinds(received):
    return [(r.payload or {}).get("kind") for r in received]


def stand_in(app, order_id, *steps, record=None, **data):
    """Steps no handler makes yet in this tree (the floor's pick/pack; 'arriving soon'), through the aggregate."""
    with app.app_context(), SqlAlchemyUnitOfWork(db.session) as uow:
        order = uow.track(uow.orders.get(order_id, for_update=True))
        for step in steps:
            order.transition(step, actor_id=None)
        if record:
            order.record(record, actor_id=None, **data)
        uow.commit()


def test_an_orders_notifications_arrive_in_order_encrypted_with_ttl_topic_urgency_and_valid_vapid(
        app, client, world, push_service, running, vapid):
    owner, driver = world.actor("owner"), world.actor("driver")
    order_id = world.place([("MUG", 1)])
    token = token_of(app, order_id)
    phone = push_service.subscribe()
    subscribe(client, token, phone)

    run(app, commands.AcceptOrder(order_id), owner)
    push_service.wait_for(lambda got: len(got) >= 1)
    stand_in(app, order_id, OrderStatus.PICKING, OrderStatus.PACKED)
    shipment = run(app, commands.CreateShipment(order_id, "own_fleet"), owner)
    push_service.wait_for(lambda got: len(got) >= 2)
    planned = run(app, commands.AssignToRun(world.user_ids["driver"], datetime.now(timezone.utc).date(),
                                            (shipment.id,)), owner)
    # Starting the run moves the order out for delivery and, its stop being the first, says the van is coming.
    run(app, commands.StartRun(planned.id), owner)
    push_service.wait_for(lambda got: len(got) >= 4)
    with app.app_context():
        from backend.domain.dispatch import DeliveryRun
        stop_id = stored(DeliveryRun, planned.id).ordered_stops[0].id
    photo, signature = (commands.BlobRef(r["id"], r["sha256"], r["size"], r["type"], r["role"])
                        for r in (blob_ref(role="photo"), blob_ref(role="signature")))
    run(app, commands.ConfirmDelivery(stop_id, "Casey Customer", (photo, signature)), driver)
    got = push_service.wait_for(lambda got: len(got) >= 5)
    wait_until_settled(app)  # nothing more may follow (e.g. a duplicate, or an 'allocated' nobody asked for)

    got = push_service.for_browser(phone)
    assert kinds(got) == ["accepted", "shipped", "out_for_delivery", "arriving_soon", "delivered"]
    for received in got:
        kind = next(k for k in KINDS.values() if k.key == received.payload["kind"])
        assert received.status == 201
        assert received.headers["content-encoding"] == "aes128gcm"
        assert received.headers["topic"] == topic_for(token)
        assert received.headers["urgency"] == ("high" if kind.key == "arriving_soon" else "normal")
        assert kind.ttl - 60 <= int(received.headers["ttl"]) <= kind.ttl
        assert received.payload["url"] == f"/track/{token}"
        assert received.payload["tag"] == topic_for(token)
        assert int(received.headers["content-length"]) < 4096
        # VAPID: signed by our key, for this push service's origin, not expired, naming our real contact.
        assert received.vapid_key == application_server_key(vapid)
        assert received.claims["aud"] == push_service.origin
        assert received.claims["sub"] == SUBJECT
        assert time.time() < received.claims["exp"] <= time.time() + 24 * 3600
    assert [r.payload["sequence"] for r in got] == sorted(r.payload["sequence"] for r in got)
    arriving = got[3].payload
    with app.app_context():
        from backend.domain.dispatch import DeliveryRun
        eta = stored(DeliveryRun, planned.id).ordered_stops[0].eta
    # On the shop's clock (Europe/London by default), as the tracking page shows it; never "UTC".
    local = eta.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")
    assert eta is not None and f"Expected around {local}." in arriving["body"] and "UTC" not in arriving["body"]
    assert all("Elm Street" not in str(r.payload) for r in got)  # casey's address never travels

    def attempts():
        with app.app_context():
            return db.session.execute(sa.select(PushAttempt.status_code)).scalars().all()
    assert eventually(lambda: len(attempts()) == 5) and attempts() == [201] * 5  # every attempt recorded


def test_a_410_removes_the_subscription_and_the_other_browser_still_gets_its_news(
        app, client, world, push_service, running):
    owner = world.actor("owner")
    order_id = world.place([("MUG", 1)])
    token = token_of(app, order_id)
    gone, alive = push_service.subscribe(), push_service.subscribe()
    gone.always = (410, {})
    subscribe(client, token, gone)
    subscribe(client, token, alive)

    run(app, commands.AcceptOrder(order_id), owner)
    push_service.wait_for(lambda got: len(got) >= 2)

    def subscriptions():
        with app.app_context():
            return {s.endpoint: s for s in db.session.execute(sa.select(PushSubscription)).scalars()}
    eventually(lambda: subscriptions()[gone.endpoint].revoked_at is not None)
    rows = subscriptions()
    assert rows[gone.endpoint].revoked_at is not None and rows[gone.endpoint].revoked_reason == "gone"
    assert rows[alive.endpoint].revoked_at is None

    stand_in(app, order_id, OrderStatus.PICKING, OrderStatus.PACKED)
    run(app, commands.CreateShipment(order_id, "own_fleet"), owner)
    push_service.wait_for(lambda got: len(got) >= 3)
    wait_until_settled(app)
    assert [r.status for r in push_service.for_browser(gone)] == [410]  # never asked again
    assert kinds(push_service.for_browser(alive)) == ["accepted", "shipped"]


def test_a_503_is_retried_no_sooner_than_retry_after_and_every_attempt_is_recorded(
        app, client, world, push_service, running):
    owner = world.actor("owner")
    order_id = world.place([("MUG", 1)])
    phone = push_service.subscribe()
    phone.script = [(503, {"Retry-After": "2"})]
    subscribe(client, token_of(app, order_id), phone)

    run(app, commands.AcceptOrder(order_id), owner)
    push_service.wait_for(lambda got: len(got) >= 2)
    first, second = push_service.for_browser(phone)
    assert (first.status, second.status) == (503, 201)
    assert second.at - first.at >= 1.9  # Retry-After (2 s) beat the 1 s backoff
    assert first.payload == second.payload and second.payload["kind"] == "accepted"

    def recorded():
        with app.app_context():
            message = db.session.execute(sa.select(PushMessage)).scalar_one()
            if message.status == "pending":
                return None
            return message, db.session.execute(sa.select(PushAttempt).order_by(PushAttempt.id)).scalars().all()
    message, attempts = eventually(recorded)
    assert [(a.attempt, a.status_code, a.retry_after_seconds) for a in attempts] == [(1, 503, 2), (2, 201, None)]
    assert attempts[0].next_retry_at is not None and attempts[1].next_retry_at is None
    assert (message.status, message.attempts) == ("sent", 2)


def test_a_customer_who_turns_notifications_off_gets_no_more(app, client, world, push_service, running):
    owner = world.actor("owner")
    order_id = world.place([("MUG", 1)])
    token = token_of(app, order_id)
    phone = push_service.subscribe()
    subscribe(client, token, phone)
    response = client.delete("/api/v1/push/subscriptions", json={"tracking_token": token, "endpoint": phone.endpoint})
    assert response.status_code == 204
    run(app, commands.AcceptOrder(order_id), owner)
    wait_until_settled(app)
    assert push_service.for_browser(phone) == []
    subscribe(client, token, phone)  # and back on: news from now on
    stand_in(app, order_id, OrderStatus.PICKING, OrderStatus.PACKED)
    run(app, commands.CreateShipment(order_id, "own_fleet"), owner)
    push_service.wait_for(lambda got: len(got) >= 1)
    assert kinds(push_service.for_browser(phone)) == ["shipped"]


# -- the API itself --------------------------------------------------------------------------------------
def test_subscribing_twice_refreshes_the_keys_instead_of_adding_a_row(app, client, world, push_service):
    token = token_of(app, world.place([("MUG", 1)]))
    phone = push_service.subscribe()
    subscribe(client, token, phone, 201)
    body = subscribe(client, token, phone, 200).get_json()
    assert body["active"] is True and body["endpoint"] == phone.endpoint and "keys" not in body
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(PushSubscription)).scalar_one() == 1


def test_an_unknown_token_is_a_404_problem_and_a_bad_subscription_is_422_with_field_errors(
        app, client, world, push_service):
    phone = push_service.subscribe()
    body = assert_problem(client.post("/api/v1/push/subscriptions",
                                      json={"tracking_token": "x" * 32, **phone.subscription()}), 404)
    assert body["code"] == "not_found"
    token = token_of(app, world.place([("MUG", 1)]))
    bad = {"tracking_token": token, "endpoint": "https://evil.example/collect",
           "keys": {"p256dh": "AAAA", "auth": phone.auth}}
    body = assert_problem(client.post("/api/v1/push/subscriptions", json=bad), 422)
    assert set(body["errors"]) == {"endpoint", "keys.p256dh"}
    off_curve = {**phone.subscription(), "keys": {"p256dh": "BAEB" + "AQEB" * 20 + "AQE", "auth": phone.auth}}
    body = assert_problem(client.post("/api/v1/push/subscriptions", json={"tracking_token": token, **off_curve}), 422)
    assert list(body["errors"]) == ["keys.p256dh"]
    body = assert_problem(client.post("/api/v1/push/subscriptions", json={"tracking_token": token}), 422)
    assert {"endpoint", "keys"} <= set(body["errors"])
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(PushSubscription)).scalar_one() == 0


def test_turning_off_a_browser_that_never_subscribed_is_a_404(app, client, world, push_service):
    token = token_of(app, world.place([("MUG", 1)]))
    response = client.delete("/api/v1/push/subscriptions",
                             json={"tracking_token": token, "endpoint": push_service.subscribe().endpoint})
    assert_problem(response, 404)


def test_the_public_key_is_served_and_the_endpoints_are_in_the_openapi_document(app, client, vapid):
    response = client.get("/api/v1/push/vapid-public-key")
    assert response.status_code == 200
    assert response.get_json() == {"public_key": application_server_key(vapid)}
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post", "delete"} <= set(paths["/api/v1/push/subscriptions"])
    assert paths["/api/v1/push/subscriptions"]["post"]["security"] == []


def test_without_vapid_keys_the_public_key_is_a_503_problem(tmp_path, world_template, monkeypatch):
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
    application = _app_on_copy(world_template[0], tmp_path / "nokeys.db")
    application.instance_path = str(tmp_path / "instance")  # no key file there
    try:
        body = assert_problem(application.test_client().get("/api/v1/push/vapid-public-key"), 503)
        assert "vapid-keys" in body["detail"]
    finally:
        _dispose(application)


def test_the_cli_makes_the_vapid_key_once_outside_git_and_its_worker_sends_what_is_due(
        tmp_path, world_template, monkeypatch, push_service):
    import os
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("VAPID_PUBLIC_KEY", raising=False)
    application = _app_on_copy(world_template[0], tmp_path / "cli.db", VAPID_SUBJECT=SUBJECT)
    application.instance_path = str(tmp_path / "instance")
    try:
        cli = application.test_cli_runner()
        first = cli.invoke(args=["push", "vapid-keys"])
        assert first.exit_code == 0, first.output
        key_file = tmp_path / "instance" / "vapid_private_key.pem"
        assert key_file.exists() and (os.stat(key_file).st_mode & 0o777) == 0o600
        again = cli.invoke(args=["push", "vapid-keys"])
        assert "Kept the existing" in again.output
        public = first.output.split("applicationServerKey): ")[1].split()[0]
        assert public in again.output  # the same key: browsers' subscriptions stay valid
        client = application.test_client()
        assert client.get("/api/v1/push/vapid-public-key").get_json() == {"public_key": public}

        world = _world_for(application, world_template[1])
        order_id = world.place([("MUG", 1)])
        phone = push_service.subscribe()
        subscribe(client, token_of(application, order_id), phone)
        run(application, commands.AcceptOrder(order_id), world.actor("owner"))
        publish_everything(application)
        result = cli.invoke(args=["push", "worker", "--once"])
        assert result.exit_code == 0, result.output
        got = push_service.for_browser(phone)
        assert kinds(got) == ["accepted"] and got[0].vapid_key == public
    finally:
        _dispose(application)


def test_the_drivers_failed_attempt_reaches_the_customer_as_we_missed_you(app, client, world, push_service, running):
    from tests.factories import run_out_for_delivery
    owner, driver = world.actor("owner"), world.actor("driver")
    run_id, stop_ids, order_ids = run_out_for_delivery(world.shop, owner, world.user_ids["driver"], stops=1,
                                                       start=False)
    phone = push_service.subscribe()
    subscribe(client, token_of(app, order_ids[0]), phone)
    run(app, commands.StartRun(run_id), owner)
    run(app, commands.RecordFailedAttempt(stop_ids[0], "no_one_home"), driver)
    push_service.wait_for(lambda got: len(got) >= 3)
    got = push_service.for_browser(phone)
    # Starting the run tells the first stop's customer the van is on its way ("arriving soon").
    assert kinds(got) == ["out_for_delivery", "arriving_soon", "failed_attempt"]
    assert got[2].payload["title"] == "We missed you"
    assert got[2].headers["urgency"] == "normal"
