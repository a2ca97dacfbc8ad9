"""The OpenAPI document describes exactly the API the app serves."""
from __future__ import annotations

import re

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
DOC_URL = "/api/v1/openapi.json"


@pytest.fixture
def document(client):
    response = client.get(DOC_URL)
    assert response.status_code == 200
    return response.get_json()


def _served_operations(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) for every rule under /api/v1 except the document itself."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == DOC_URL:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)  # <id:order_id> -> {order_id}
        operations |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return operations


def _documented_operations(document) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item if method in HTTP_METHODS}


def test_the_document_is_openapi_3_with_info_paths_and_schemas(document):
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert document["paths"]
    assert {"Order", "OrderCreate", "Problem"} <= set(document["components"]["schemas"])


def test_the_document_declares_bearer_authentication_for_every_operation_by_default(document):
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearerAuth": []}]


def test_getting_a_token_is_documented_as_needing_no_token(document):
    assert document["paths"]["/api/v1/auth/tokens"]["post"]["security"] == []


def test_every_served_operation_is_documented(app, document):
    assert _served_operations(app) - _documented_operations(document) == set()


def test_nothing_is_documented_that_is_not_served(app, document):
    assert _documented_operations(document) - _served_operations(app) == set()


def test_every_path_parameter_of_a_documented_path_is_described(document):
    for path, item in document["paths"].items():
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{([^}]+)}", path)), path


def _references(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_every_reference_in_the_document_resolves(document):
    references = set(_references(document))
    assert references
    for reference in references:
        assert reference.startswith("#/"), reference
        node = document
        for part in reference[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]


def test_the_idempotency_key_header_is_documented_on_placing_an_order(document):
    parameters = document["paths"]["/api/v1/orders"]["post"]["parameters"]
    [header] = [p for p in parameters if p["in"] == "header" and p["name"] == "Idempotency-Key"]
    assert header["schema"]["type"] == "string"


def test_placing_an_order_documents_both_the_new_and_the_replayed_answer(document):
    responses = document["paths"]["/api/v1/orders"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)



# -- the document is true about errors, optional bodies and strings ---------------------------------------
def _resolve(document, node):
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def test_every_error_response_is_documented_as_problem_json(document):
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            for status, response in operation["responses"].items():
                if status != "default" and int(status) < 400:
                    continue
                content = _resolve(document, response).get("content", {})
                assert set(content) == {"application/problem+json"}, (method, path, status)
                checked += 1
    assert checked > 100


def test_the_errors_every_operation_can_give_are_documented(document):
    accept = document["paths"]["/api/v1/orders/{order_id}/accept"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "422", "default"} <= set(accept)
    token = document["paths"]["/api/v1/auth/tokens"]["post"]["responses"]
    assert "401" not in token or _resolve(document, token["401"])  # no token needed; wrong password is a 401
    assert "403" not in token


@pytest.mark.parametrize("path", ["/api/v1/orders/{order_id}/accept", "/api/v1/orders/{order_id}/cancel",
                                  "/api/v1/orders/{order_id}/payment-hold/release",
                                  "/api/v1/orders/{order_id}/payment-received", "/api/v1/runs/{run_id}/start",
                                  "/api/v1/pick-lines/{pick_line_id}/pick"])
def test_an_action_whose_body_has_only_defaults_documents_the_body_as_optional(document, path):
    assert document["paths"][path]["post"]["requestBody"]["required"] is False


def test_a_body_with_required_fields_stays_required(document):
    assert document["paths"]["/api/v1/orders"]["post"]["requestBody"]["required"] is True


def test_text_fields_document_that_they_refuse_nul(document):
    address = document["components"]["schemas"]["Address"]["properties"]
    assert address["city"]["pattern"] == "^[^\\u0000]*$"
    assert address["country"]["pattern"] == "^[A-Za-z]{2}$"  # its own pattern already allows no NUL


def test_the_problem_schema_documents_every_member_a_problem_can_have(document):
    documented = set(document["components"]["schemas"]["Problem"]["properties"])
    assert {"type", "title", "status", "detail", "code", "errors", "details"} <= documented


def test_a_pull_cursor_documents_its_shape(document):
    [cursor] = [p for p in document["paths"]["/api/v1/sync/pull"]["get"]["parameters"] if p["name"] == "cursor"]
    assert cursor["schema"]["pattern"] == "^(\\d{1,19})-(\\d{1,19})$"


def test_the_sections_keep_their_order_though_sync_is_registered_after_the_api(document):
    assert [tag["name"] for tag in document["tags"]] == [
        "api_auth", "catalogue", "customers", "exceptions", "api_orders", "api_counter", "stock", "sync", "sync_blobs",
        "api_shipments", "api_runs", "api_settlements", "api_bank", "api_picking", "api_imports", "channels",
        "channel_webhooks", "channel_listings", "push", "webhooks", "api_payments", "api_payment_webhooks"]
