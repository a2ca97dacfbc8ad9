"""Every API error is an application/problem+json answer, a 4xx for the client's mistakes, and writes nothing."""
from __future__ import annotations

import json

import pytest

from backend.bootstrap import bus
from backend.domain import commands
from tests.e2e.conftest import assert_problem, order_body

ORDERS = "/api/v1/orders"


def _post_raw(client, world, raw, who="customer"):
    data = raw if isinstance(raw, (str, bytes)) else json.dumps(raw)
    return client.post(ORDERS, data=data, content_type="application/json", headers=world.headers(who))


# -- the body ------------------------------------------------------------------------------------
def test_malformed_json_answers_400(client, world, unchanged_rows):
    with unchanged_rows():
        response = _post_raw(client, world, '{"lines": [')
    assert assert_problem(response, 400)["detail"] == "Invalid JSON body."


def test_a_quantity_of_the_wrong_type_answers_422_naming_the_line_field(client, world, unchanged_rows):
    with unchanged_rows():
        response = _post_raw(client, world, order_body([("MUG", "2")]))
    assert assert_problem(response, 422)["errors"] == {"lines.0.quantity": ["Not a valid integer."]}


def test_a_nested_address_field_of_the_wrong_type_is_named_by_its_path(client, world, unchanged_rows):
    body = order_body()
    body["shipping_address"]["latitude"] = "north"
    with unchanged_rows():
        response = _post_raw(client, world, body)
    assert list(assert_problem(response, 422)["errors"]) == ["shipping_address.latitude"]


def test_unknown_fields_answer_422_naming_each_of_them(client, world, unchanged_rows):
    body = {**order_body(), "discount": 50}
    body["lines"][0]["free"] = True
    with unchanged_rows():
        response = _post_raw(client, world, body)
    assert set(assert_problem(response, 422)["errors"]) == {"discount", "lines.0.free"}


def test_missing_required_fields_are_each_reported(client, world, unchanged_rows):
    with unchanged_rows():
        response = _post_raw(client, world, {})
    assert set(assert_problem(response, 422)["errors"]) == {"lines", "shipping_address", "payment_method"}


def test_a_body_above_the_size_limit_answers_413(app, client, world, unchanged_rows):
    too_big = '{"notes": "' + "x" * app.config["MAX_CONTENT_LENGTH"] + '"}'
    with unchanged_rows():
        response = _post_raw(client, world, too_big)
    assert_problem(response, 413)


def test_an_unknown_product_answers_422_naming_the_line(client, world, unchanged_rows):
    with unchanged_rows():
        response = _post_raw(client, world, order_body([("MUG", 1), ("NO-SUCH-SKU", 1)]))
    body = assert_problem(response, 422)
    assert body["code"] == "order.invalid"
    assert list(body["errors"]) == ["lines.1.sku"]


# -- the URL -------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [f"{ORDERS}/abc", f"{ORDERS}/1.5", f"{ORDERS}/-1", f"{ORDERS}/0",
                                 f"{ORDERS}/{2**31}", f"{ORDERS}/{10**30}", f"{ORDERS}/%00",
                                 "/api/v1/products/abc", "/api/v1/customers/abc", "/api/v1/warehouses/x/bins",
                                 "/api/v1/no-such-thing"])
def test_a_url_that_names_no_resource_answers_404(client, world, url):
    assert_problem(client.get(url, headers=world.headers("owner")), 404)


@pytest.mark.parametrize("url", [f"{ORDERS}/999999", f"{ORDERS}/999999/history", "/api/v1/products/999999",
                                 "/api/v1/warehouses/999999", "/api/v1/customers/999999"])
def test_an_unknown_id_answers_404(client, world, url):
    assert assert_problem(client.get(url, headers=world.headers("owner")), 404)["code"] == "not_found"


def test_a_decision_on_an_unknown_order_answers_404_and_writes_nothing(client, world, unchanged_rows):
    with unchanged_rows():
        response = client.post(f"{ORDERS}/999999/accept", json={}, headers=world.headers("owner"))
    assert_problem(response, 404)


def test_a_method_the_resource_does_not_have_answers_405(client, world):
    response = client.delete(ORDERS, headers=world.headers("owner"))
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


# -- the token -----------------------------------------------------------------------------------
@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic b3duZXI6cGFzcw==",
                                           "Bearer wb_not-a-real-token", "bearer  "],
                         ids=["missing", "empty", "no-value", "blank-value", "basic", "unknown", "blank-lower"])
def test_a_request_without_a_valid_token_answers_401_with_www_authenticate(client, world, unchanged_rows,
                                                                          authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    with unchanged_rows():
        response = client.post(ORDERS, json=order_body(), headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_answers_401_with_www_authenticate(client, world, unchanged_rows):
    tokens = client.get("/api/v1/auth/tokens", headers=world.headers("customer")).get_json()
    client.delete(f"/api/v1/auth/tokens/{tokens[0]['id']}", headers=world.headers("customer"))
    with unchanged_rows():
        response = client.post(ORDERS, json=order_body(), headers=world.headers("customer"))
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# -- the order's state ---------------------------------------------------------------------------
def test_an_illegal_transition_answers_409_with_its_code_and_writes_nothing(app, client, world, unchanged_rows):
    order_id = world.place([("MUG", 1)])
    with app.app_context():
        bus().handle(commands.CancelOrder(order_id, "changed mind"), world.actor("owner"))
    with unchanged_rows():
        response = client.post(f"{ORDERS}/{order_id}/accept", json={}, headers=world.headers("owner"))
    body = assert_problem(response, 409)
    assert body["code"] == "order.illegal_transition"
    assert client.get(f"{ORDERS}/{order_id}", headers=world.headers("owner")).get_json()["status"] == "cancelled"


# -- hostile bodies ------------------------------------------------------------------------------
def _with(**changes):
    body = order_body()
    body.update(changes)
    return body


def _line(**changes):
    return _with(lines=[{"sku": "MUG", "quantity": 1, **changes}])


def _address(**changes):
    body = order_body()
    body["shipping_address"].update(changes)
    return body


HOSTILE = {
    "null": None,
    "array": [order_body()],
    "string": "place an order",
    "number": 12345,
    "lines-null": _with(lines=None),
    "lines-empty": _with(lines=[]),
    "lines-201": _with(lines=[{"sku": f"SKU-{i}", "quantity": 1} for i in range(201)]),
    "lines-string": _with(lines="MUG"),
    "line-null": _with(lines=[None]),
    "qty-negative": _line(quantity=-1),
    "qty-zero": _line(quantity=0),
    "qty-huge": _line(quantity=10**30),
    "qty-int64": _line(quantity=2**63),
    "qty-fraction": _line(quantity=1.5),
    "qty-bool": _line(quantity=True),
    "sku-object": _line(sku={"$ne": None}),
    "sku-path": _line(sku="../../etc/passwd"),
    "sku-repeated": _with(lines=[{"sku": "MUG", "quantity": 1}, {"sku": "MUG", "quantity": 1}]),
    "address-string": _with(shipping_address="12 Elm Street, Leeds"),
    "address-junk": _address(name={"a": [1, {"b": [None, {"c": "d"}]}]}),
    "latitude-out-of-range": _address(latitude=1e308),
    "latitude-nan": json.dumps(order_body()).replace("53.8", "NaN"),
    "customer-id-string": _with(customer_id="1"),
    "customer-id-other": _with(customer_id=2),
    "payment-unknown": _with(payment_method="bitcoin"),
    "notes-huge": _with(notes="x" * 5000),
    "deeply-nested": "[" * 100_000 + "]" * 100_000,
    "integer-of-5000-digits": json.dumps(_line(quantity=7)).replace(": 7", ": " + "9" * 5000),
    "not-utf8": b'\xff\xfe{"lines": []}',
}


@pytest.mark.parametrize("raw", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_body_answers_a_4xx_problem_and_writes_nothing(client, world, unchanged_rows, raw):
    with unchanged_rows():
        response = _post_raw(client, world, raw)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert_problem(response, response.status_code)
