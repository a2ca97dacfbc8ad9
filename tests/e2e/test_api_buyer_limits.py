"""What a customer's token may not do through the API: claim a channel's order number, vouch for a
payment, or read the office's audit trail and risk reasons."""
from __future__ import annotations

from tests.e2e.conftest import assert_problem, order_body, sign_in

ORDERS = "/api/v1/orders"


def _post(client, world, who, **fields):
    return client.post(ORDERS, json=order_body(**fields), headers=world.headers(who))


def test_a_customer_cannot_take_over_a_marketplace_order_number(client, world, unchanged_rows):
    with unchanged_rows():
        refused = _post(client, world, "customer", channel="marketplace", channel_order_id="MKT-2001")
    body = assert_problem(refused, 403)
    assert body["code"] == "order.set_by_shop"
    assert set(body["errors"]) == {"channel", "channel_order_id"}
    real = _post(client, world, "owner", channel="marketplace", channel_order_id="MKT-2001",
                 customer_id=world.shop.customers["robin"])
    assert real.status_code == 201 and "Idempotent-Replayed" not in real.headers
    created = real.get_json()
    assert (created["channel"], created["customer_id"]) == ("marketplace", world.shop.customers["robin"])


def test_a_customer_cannot_tell_whether_another_customers_channel_order_exists(client, world):
    _post(client, world, "owner", channel="marketplace", channel_order_id="MKT-77",
          customer_id=world.shop.customers["robin"])
    known = _post(client, world, "customer", channel="marketplace", channel_order_id="MKT-77")
    unknown = _post(client, world, "customer", channel="marketplace", channel_order_id="MKT-78")
    assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json())


def test_a_customer_cannot_assert_payment_facts(client, world, unchanged_rows):
    with unchanged_rows():
        refused = _post(client, world, "customer", channel="pos", address_check="passed", card_fingerprint="new-card")
    assert set(assert_problem(refused, 403)["errors"]) == {"channel", "address_check", "card_fingerprint"}


def test_a_customers_card_order_is_a_web_order_unpaid_and_held_for_a_person(client, world):
    placed = _post(client, world, "customer")
    assert placed.status_code == 201, placed.get_json()
    order = placed.get_json()
    assert (order["channel"], order["status"], order["payment_status"]) == ("web_shop", "payment_hold", "unpaid")
    assert "hold_reasons" not in order  # the risk rules and their thresholds are the office's
    office = client.get(f"{ORDERS}/{order['id']}", headers=world.headers("owner")).get_json()
    assert [r["code"] for r in office["hold_reasons"]] == ["risk.payment_unconfirmed"]
    released = client.post(f"{ORDERS}/{order['id']}/payment-hold/release", json={"note": "seen in the gateway"},
                           headers=world.headers("owner"))
    assert (released.get_json()["status"], released.get_json()["payment_status"]) == ("placed", "authorized")


def test_a_customer_never_sees_why_an_order_is_held(client, world):
    held = world.place([("MUG", 1)], method="card", address_check="failed")
    for path in (f"{ORDERS}/{held}", ORDERS):
        answer = client.get(path, headers=world.headers("customer")).get_data(as_text=True)
        assert "hold_reasons" not in answer and "address check" not in answer
    sign_in(client, world.emails["customer"])
    page = client.get(f"/orders/{held}").get_data(as_text=True)
    assert "Payment hold: why" not in page and "address check failed" not in page
    assert "We are confirming your payment." in page


def test_customers_read_a_timeline_and_the_office_reads_the_audit_trail(client, world):
    order_id = world.place([("MUG", 1)])
    reason = "INTERNAL-NOTE fraud team: looks fine"
    client.post(f"{ORDERS}/{order_id}/cancel", json={"reason": reason}, headers=world.headers("owner"))
    audit = client.get(f"{ORDERS}/{order_id}/history", headers=world.headers("owner"))
    assert reason in audit.get_data(as_text=True)
    refused = client.get(f"{ORDERS}/{order_id}/history", headers=world.headers("customer"))
    assert assert_problem(refused, 403)["code"] == "order.audit_staff_only"
    assert reason not in refused.get_data(as_text=True)
    timeline = client.get(f"{ORDERS}/{order_id}/timeline", headers=world.headers("customer"))
    assert timeline.status_code == 200
    assert [(s["step"], s["label"]) for s in timeline.get_json()] == [("placed", "Order received"),
                                                                      ("cancelled", "Cancelled")]
    assert reason not in timeline.get_data(as_text=True)
    assert "actor_id" not in timeline.get_data(as_text=True)


def test_another_customers_timeline_is_not_found(client, world):
    order_id = world.place([("LAMP", 1)], customer="robin")
    assert_problem(client.get(f"{ORDERS}/{order_id}/timeline", headers=world.headers("customer")), 404)
