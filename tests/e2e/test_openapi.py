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

