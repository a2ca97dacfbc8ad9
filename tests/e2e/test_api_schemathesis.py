"""The OpenAPI document is true: schemathesis runs every check against the API, as an owner and as a customer.

Schemathesis reads /api/v1/openapi.json and generates requests from it (the document's examples, boundary
values, random valid and invalid data, and chains of calls), then checks every answer against the document:
no 5xx, every status and content type documented, bodies matching their schemas, valid data accepted,
invalid data refused, authentication not ignored, unsupported methods answered 405 with Allow, and so on.

The run targets the app served on 127.0.0.1 (schemathesis' in-process WSGI mode breaks in its ignored_auth
check), seeded and deterministic, with bounded examples so the whole module takes about a minute on two
cores. Hypothesis keeps no example database (nothing is written into the repository). The only operation
left out is revoking a token: the run would revoke its own.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import base64

import pytest
import requests
import schemathesis
from hypothesis.configuration import set_hypothesis_home_dir
from py_vapid import Vapid
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.statistic import Statistic

from tests.e2e.conftest import _app_on_copy, serving

SEED = 20240917
MAX_EXAMPLES = 10
# DELETE /auth/tokens/{id} would revoke the very token the run authenticates with.
SELF_REVOKING = [("DELETE", "/api/v1/auth/tokens/{token_id}")]


@dataclass
class Figures:
    """What one run did: operations, cases and failures (by check), as schemathesis' own summary counts them."""

    who: str
    operations: set = field(default_factory=set)
    cases: int = 0
    checks_run: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    unique_failures: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    details: list = field(default_factory=list)

    def line(self) -> str:
        """One line for the test log."""
        return (f"schemathesis as {self.who}: {len(self.operations)} operations, {self.cases} cases, "
                f"{sum(self.checks_run.values())} checks run, failures {dict(self.failures) or 0}, "
                f"errors {len(self.errors)}")


# Valid-looking data a domain rule refuses with 422, which no schema can say: the rule's data lives in the
# database or the configuration. Only these operations may answer schema-valid data with 422.
DOMAIN_RULES_422 = {
    ("POST", "/api/v1/orders"): "an unknown or inactive SKU; a customer id that does not exist; the same SKU on "
                                "two lines (JSON Schema cannot say 'unique by sku')",
    ("POST", "/api/v1/counter/sales"): "an unknown or inactive SKU; cash that does not cover the total (priced "
                                       "from the catalogue); a card sale without the terminal's reference, or a "
                                       "cash sale without the cash (JSON Schema cannot say 'required if')",
    ("POST", "/api/v1/runs"): "a driver id that is not a driver; a shipment that is not own fleet",
    ("POST", "/api/v1/shipments"): "a carrier code this shop has not set up",
    ("POST", "/api/v1/push/subscriptions"): "an endpoint that is no known push service; a key off the P-256 curve",
    ("POST", "/api/v1/push/staff-subscriptions"): "the same as /push/subscriptions",
    ("PUT", "/api/v1/channels/{slug}"): "a currency other than the shop's (configuration); a slug that is no "
                                        "lower-case name (a path parameter's pattern the converter cannot carry)",
    ("GET", "/api/v1/settlements"): "a date range whose first date is after its last (JSON Schema cannot compare "
                                    "two parameters)",
    ("POST", "/api/v1/imports/orders"): "an empty file (a binary body's schema cannot say 'not empty')",
    ("POST", "/api/v1/imports/products"): "the same as /imports/orders",
}
POSITIVE_DATA_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis' default


def _config(token: str, world, order_ids: list) -> schemathesis.Config:
    """All checks, bounded and seeded; order bodies draw most SKUs and customers from the shop's own."""
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "workers": 1,
        "checks": {"enabled": True},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "cache": {"enabled": False},  # no state carried between runs (nor a .schemathesis folder in the repo)
        "auth": {"openapi": {"bearerAuth": {"bearer": token}}},
        "dictionaries": {"skus": {"values": sorted(world.shop.products)},
                         "customers": {"values": sorted(world.shop.customers.values())},
                         "orders": {"values": order_ids}},
        # Half the order ids in paths are real orders (placed beforehand), so actions meet real states.
        "parameters": {"path.order_id": {"dictionary": "orders", "probability": 0.5}},
        "operations": [
            *({"include-method": method, "include-path": path,
               "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_DATA_STATUSES, "422"]}}}
              for method, path in DOMAIN_RULES_422),
            # Random SKUs are unknown ones (a 422 before anything else is looked at): most generated order
            # bodies name the shop's products and customers instead, so the rules behind them are reached.
            {"include-method": "POST", "include-path": "/api/v1/orders",
             "parameters": {"body.lines[*].sku": {"dictionary": "skus", "probability": 0.9},
                            "body.customer_id": {"dictionary": "customers", "probability": 0.9}}},
        ],
    })


def run_schemathesis(base_url: str, world, who: str, order_ids: list) -> Figures:
    """Run every phase of schemathesis against the API at `base_url` as `who`; collect its figures."""
    config = _config(world.tokens[who], world, order_ids)
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=config)
    for method, path in SELF_REVOKING:
        schema = schema.exclude(method=method, path=path)
    figures = Figures(who)
    statistic = Statistic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            statistic.on_scenario_finished(event.recorder)
            for case_id, node in event.recorder.cases.items():
                figures.operations.add(node.value.operation.label)
                interaction = event.recorder.interactions.get(case_id)
                if interaction is not None and interaction.response is not None:
                    figures.statuses[(node.value.operation.label, interaction.response.status_code)] += 1
                for check in event.recorder.checks.get(case_id, []):
                    figures.checks_run[check.name] += 1
                    if check.status == Status.FAILURE:
                        figures.failures[check.name] += 1
                        if len(figures.details) < 40:
                            response = event.recorder.interactions[case_id].response
                            figures.details.append(
                                f"{check.name}: {node.value.operation.label} "
                                f"{check.failure_info.failure.title if check.failure_info else ''} | "
                                f"{check.failure_info.code_sample if check.failure_info else ''} -> "
                                f"{response.status_code if response else None} "
                                f"{(response.text[:300] if response else '')}")
        elif isinstance(event, events.NonFatalError):
            figures.errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            figures.errors.append(f"fatal: {event.exception!r}")
    figures.cases = statistic.total_cases
    for grouped in statistic.failures.values():
        for group in grouped.values():
            for failure in group.failures:
                figures.unique_failures[type(failure).__name__] += 1
    return figures


@pytest.fixture
def hypothesis_home(tmp_path):
    """Hypothesis' own caches (constants, unicode data) in a temporary folder, not .hypothesis in the repo."""
    set_hypothesis_home_dir(tmp_path / "hypothesis")
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture
def served(tmp_path, world_template):
    """The e2e world (shop, stock, a user and token per role) served over HTTP on 127.0.0.1, with web push
    set up as in production (so the VAPID key endpoint answers). Yields (base URL, World)."""
    key = Vapid()
    key.generate_keys()
    raw = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    application = _app_on_copy(world_template[0], tmp_path / "schemathesis.db",
                               VAPID_PRIVATE_KEY=base64.urlsafe_b64encode(raw).decode().rstrip("="),
                               VAPID_SUBJECT="mailto:ops@example.com")
    with serving(application, world_template[1]) as server:
        yield server.url, server.world


# Every built-in check; max_response_time only runs with a time limit, and timing is no property of the document.
ALL_CHECKS = {"not_a_server_error", "status_code_conformance", "content_type_conformance",
              "response_schema_conformance", "response_headers_conformance", "positive_data_acceptance",
              "negative_data_rejection", "use_after_free", "ensure_resource_availability", "missing_required_header",
              "ignored_auth", "unsupported_method", "allow_header_conformance"}


@pytest.mark.parametrize("who", ["owner", "customer"])
def test_schemathesis_finds_nothing(served, hypothesis_home, record_property, who):
    url, world = served
    # Orders of both customers, placed and paid by card, by bank transfer and cash on delivery.
    order_ids = [world.place([("MUG", 1)]), world.place([("LAMP", 2), ("MUG", 1)], method="bank_transfer"),
                 world.place([("TEE", 1)], customer="robin", method="cash_on_delivery"), world.place([("MUG", 3)])]
    figures = run_schemathesis(url, world, who, order_ids)
    record_property("schemathesis", figures.line())
    print(figures.line())
    for (label, status), count in sorted(figures.statuses.items()):
        print(f"  {label} {status}: {count}")
    for detail in figures.details:
        print(detail)
    for error in figures.errors[:20]:
        print(error)
    assert figures.errors == []
    assert sum(figures.failures.values()) == 0
    # The run was a real one: every operation but token revocation, every check, real orders met.
    documented = {f"{m.upper()} {p}" for p, item in requests.get(f"{url}/api/v1/openapi.json", timeout=10).json()
                  ["paths"].items() for m in item if m != "parameters"}
    assert figures.operations == documented - {f"{m} {p}" for m, p in SELF_REVOKING}
    assert ALL_CHECKS <= set(figures.checks_run)
    assert figures.statuses[("GET /api/v1/orders/{order_id}", 200)] > 0
