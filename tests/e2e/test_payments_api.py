"""Payments over HTTP against a real local provider: a buyer's checkout token, the order's payments and
refunds over the API and on the office's order page, and the provider's signed webhooks."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from backend.adapters.payment_tables import payment_entries, payment_webhook_events
from backend.adapters.records import OfficeException
from backend.domain import commands
from backend.domain.orders import Order, OrderStatus
from backend.domain.payment_webhooks import SIGNATURE_HEADER, sign
from backend.extensions import db
from tests.e2e.client_checks import assert_problem, csrf_token_of, order_body, sign_in
from tests.e2e.world import _app_on_copy, _dispose
from tests.factories import run, stored
from tests.payment_provider import WEBHOOK_SECRET, provider, provider_config  # noqa: F401  (fixture)

WEBHOOK = "/api/v1/payments/webhook"


@pytest.fixture
def app(tmp_path, world_template, provider):
    """The e2e world's app, its payment provider the local fake."""
    application = _app_on_copy(world_template[0], tmp_path / "waybill.db", **provider_config(provider))
    yield application
    _dispose(application)


def _count(app, table) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _shipped_card_order(app, world) -> int:
    """A card order authorized at intake, packed and shipped (its total captured)."""
    from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
    manager = world.actor("manager")
    order_id = world.place([("MUG", 2)], who="manager", payment_token="tok_visa")
    run(app, commands.AcceptOrder(order_id), manager)
    with app.app_context(), SqlAlchemyUnitOfWork(db.session) as uow:
        order = uow.track(uow.orders.get(order_id, for_update=True))
        order.transition(OrderStatus.PICKING, actor_id=None)
        order.transition(OrderStatus.PACKED, actor_id=None)
        uow.commit()
    run(app, commands.CreateShipment(order_id, "own_fleet"), manager)
    return order_id


def _post_event(client, event: dict, *, secret=WEBHOOK_SECRET, signature=None):
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers[SIGNATURE_HEADER] = signature or sign(secret, body)
    return client.post(WEBHOOK, data=body, headers=headers)


def test_a_buyers_checkout_token_is_authorized_and_a_declined_one_is_a_402_with_no_order(client, world, provider):
    placed = client.post("/api/v1/orders", json=order_body(payment_token="tok_visa"), headers=world.headers("customer"))
    assert placed.status_code == 201, placed.get_json()
    assert placed.get_json()["payment_status"] == "authorized"
    before = _count(client.application, payment_entries)
    declined = client.post("/api/v1/orders", json=order_body(payment_token="tok_decline_card_declined"),
                           headers=world.headers("customer"))
    body = assert_problem(declined, 402)
    assert body["code"] == "payment.declined" and "payment_token" in body["errors"]
    assert _count(client.application, payment_entries) == before


def test_the_payments_resource_shows_balance_and_history(client, app, world, provider):
    order_id = _shipped_card_order(app, world)
    body = client.get(f"/api/v1/orders/{order_id}/payments", headers=world.headers("manager")).get_json()
    with app.app_context():
        total = stored(Order, order_id).total_minor
    assert (body["balance_minor"], body["captured_minor"], body["payment_status"]) == (total, total, "paid")
    assert [e["kind"] for e in body["entries"]] == ["authorized", "captured"]
    assert_problem(client.get(f"/api/v1/orders/{order_id}/payments", headers=world.headers("other_customer")), 404)
    # The order itself carries its balance, and lists do not (one query per order would slow them down).
    order = client.get(f"/api/v1/orders/{order_id}", headers=world.headers("manager")).get_json()
    assert order["balance_minor"] == total
    listed = client.get("/api/v1/orders", headers=world.headers("manager")).get_json()["items"]
    assert all("balance_minor" not in item for item in listed)


def test_a_refund_over_the_api_and_one_larger_than_captured_is_a_422_that_writes_nothing(client, app, world,
                                                                                       provider):
    order_id = _shipped_card_order(app, world)
    refunded = client.post(f"/api/v1/orders/{order_id}/refunds", json={"amount_minor": 300, "reason": "late"},
                           headers=world.headers("manager"))
    assert refunded.status_code == 201, refunded.get_json()
    assert (refunded.get_json()["refunded_minor"], refunded.get_json()["payment_status"]) == (300, "partly_refunded")
    entries = _count(app, payment_entries)
    too_much = client.post(f"/api/v1/orders/{order_id}/refunds", json={"amount_minor": 10**7},
                           headers=world.headers("manager"))
    body = assert_problem(too_much, 422)
    assert body["code"] == "payment.refund_exceeds_captured" and "amount_minor" in body["errors"]
    assert _count(app, payment_entries) == entries and provider.refunded_total() == 300
    assert_problem(client.post(f"/api/v1/orders/{order_id}/refunds", json={"amount_minor": 1},
                               headers=world.headers("floor")), 403)
    assert_problem(client.post(f"/api/v1/orders/{order_id}/refunds", json={"amount_minor": "lots"},
                               headers=world.headers("manager")), 422)


@pytest.mark.parametrize("signature", [False, "sha256=" + "0" * 64, "forged"])
def test_an_unsigned_or_forged_webhook_is_a_401_and_writes_nothing(client, app, world, provider, signature):
    order_id = _shipped_card_order(app, world)
    capture = next(iter(provider.captures))
    before = (_count(app, payment_entries), _count(app, payment_webhook_events), _count(app, OfficeException))
    response = _post_event(client, {"id": "evt_1", "type": "payment.disputed",
                                    "data": {"capture_id": capture, "amount": 100}}, signature=signature)
    assert_problem(response, 401)
    assert (_count(app, payment_entries), _count(app, payment_webhook_events), _count(app, OfficeException)) == before
    assert order_id


def test_a_webhook_signed_with_another_secret_is_refused(client, app, world, provider):
    assert_problem(_post_event(client, {"id": "evt_1", "type": "payment.failed", "data": {}}, secret="guess"), 401)


def test_a_signed_dispute_opens_an_exception_once_and_a_replay_changes_nothing(client, app, world, provider):
    order_id = _shipped_card_order(app, world)
    capture = next(iter(provider.captures))
    event = {"id": "evt_dispute_1", "type": "payment.disputed",
             "data": {"capture_id": capture, "amount": 500, "reason": "fraudulent", "dispute_id": "dp_1"}}
    first = _post_event(client, event)
    assert first.status_code == 200 and first.get_json() == {"outcome": "disputed"}
    after_first = (_count(app, payment_entries), _count(app, OfficeException), _count(app, payment_webhook_events))
    replay = _post_event(client, event)
    assert replay.status_code == 200 and replay.get_json() == {"outcome": "replayed"}
    assert (_count(app, payment_entries), _count(app, OfficeException),
            _count(app, payment_webhook_events)) == after_first
    with app.app_context():
        exception = db.session.execute(sa.select(OfficeException)).scalar_one()
    assert (exception.code, exception.order_id) == ("payment.disputed", order_id)


def test_a_signed_failure_for_an_unknown_payment_is_noted_and_ignored(client, app, provider):
    response = _post_event(client, {"id": "evt_x", "type": "payment.failed", "data": {"authorization_id": "auth_no"}})
    assert response.get_json() == {"outcome": "ignored"} and _count(app, OfficeException) == 0


def test_the_office_order_page_shows_the_balance_and_refunds_with_a_form(client, app, world, provider):
    order_id = _shipped_card_order(app, world)
    with app.app_context():
        total = stored(Order, order_id).total_minor
    sign_in(client, world.emails["manager"])
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Balance" in page and f"£{total / 100:,.2f}" in page and "Refund to the buyer" in page
    refused = client.post(f"/orders/{order_id}/refund", data={"amount": "9999.00", "reason": "",
                                                              "csrf_token": csrf_token_of(page)})
    assert refused.status_code == 422 and "cannot be given back" in refused.get_data(as_text=True)
    done = client.post(f"/orders/{order_id}/refund", data={"amount": "2.50", "reason": "chipped",
                                                           "csrf_token": csrf_token_of(page)}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "£2.50 refunded to the buyer" in text and "Refunded: £2.50" in text
    assert provider.refunded_total() == 250


def test_a_declined_capture_shows_the_parcel_held_on_the_order_page(client, app, world, provider):
    from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
    from tests.factories import refused
    manager = world.actor("manager")
    order_id = world.place([("MUG", 1)], who="manager", payment_token="tok_visa")
    run(app, commands.AcceptOrder(order_id), manager)
    with app.app_context(), SqlAlchemyUnitOfWork(db.session) as uow:
        order = uow.track(uow.orders.get(order_id, for_update=True))
        order.transition(OrderStatus.PICKING, actor_id=None)
        order.transition(OrderStatus.PACKED, actor_id=None)
        uow.commit()
    provider.decline["capture"] = "insufficient_funds"
    refused(app, commands.CreateShipment(order_id, "own_fleet"), manager)
    body = client.get(f"/api/v1/orders/{order_id}/payments", headers=world.headers("manager")).get_json()
    assert body["held"] is True and [e["kind"] for e in body["entries"]] == ["authorized", "capture_declined"]
    sign_in(client, world.emails["manager"])
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Parcel held:" in page and "Capture declined" in page and "insufficient funds" in page


def test_a_signed_success_confirms_a_known_capture_and_flags_an_unknown_one_without_counting_it(client, app, world,
                                                                                              provider):
    order_id = _shipped_card_order(app, world)
    capture = next(iter(provider.captures))
    auth = next(iter(provider.authorizations))
    known = _post_event(client, {"id": "evt_ok", "type": "payment.succeeded", "data": {"capture_id": capture}})
    assert known.get_json() == {"outcome": "confirmed"} and _count(app, OfficeException) == 0
    entries = _count(app, payment_entries)
    unknown = _post_event(client, {"id": "evt_new", "type": "payment.succeeded",
                                   "data": {"capture_id": "cap_elsewhere", "authorization_id": auth, "amount": 99}})
    assert unknown.get_json() == {"outcome": "unmatched"} and _count(app, payment_entries) == entries
    with app.app_context():
        assert db.session.execute(sa.select(OfficeException.code, OfficeException.order_id)).one() == \
            ("payment.unmatched", order_id)
