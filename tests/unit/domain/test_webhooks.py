"""The rules of outgoing webhooks: which events a subscription gets, what a delivery says, the signature, the
addresses refused, and what an answer means for the next try."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest

from backend.domain.webhooks import (EVENT_TYPES, RetryPolicy, after_attempt, delivery_body, events_problem,
                                     new_secret, retryable, signature_header, type_for, url_problem)

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("name, aggregate, payload, subscribed, expected", [
    ("order.placed", "order", {}, {"order.placed"}, "order.placed"),
    ("order.placed", "order", {}, {"order.status_changed"}, None),
    ("order.accepted", "order", {"to_status": "accepted"}, {"order.status_changed"}, "order.status_changed"),
    ("order.cancelled", "order", {"to_status": "cancelled"}, {"order.cancelled", "order.status_changed"},
     "order.cancelled"),
    ("order.cancelled", "order", {"to_status": "cancelled"}, {"order.status_changed"}, "order.status_changed"),
    ("order.part_shipped", "order", {}, {"order.status_changed"}, None),
    ("order.cancel_undone", "order", {"from_status": "cancelled", "to_status": "accepted"},
     {"order.status_changed", "order.cancelled"}, "order.status_changed"),
    ("shipment.created", "order", {}, {"shipment.created"}, None),
    ("order.arriving_soon", "order", {}, {"order.status_changed"}, None),
    ("stock.reserved", "stock_level", {}, {"stock.changed"}, "stock.changed"),
    ("stock.adjusted", "stock_level", {}, {"order.placed"}, None),
    ("shipment.created", "shipment", {}, {"shipment.created"}, "shipment.created"),
    ("run.started", "delivery_run", {}, set(EVENT_TYPES), None),
])
def test_an_event_reaches_a_subscription_only_as_a_type_it_asked_for(name, aggregate, payload, subscribed,
                                                                       expected):
    assert type_for(name, aggregate, payload, subscribed) == expected


def test_a_delivery_carries_allowed_fields_only_never_contact_details_or_office_notes():
    payload = {"number": "WB-000007", "to_status": "payment_hold", "from_status": "placed", "total_minor": 2495,
               "currency": "GBP", "customer_id": 3, "actor_id": 9, "hold_reasons": [{"code": "risk.velocity"}],
               "email": "casey@example.com", "shipping_address": {"line1": "12 Elm Street"}}
    body = json.loads(delivery_body(event_id="e-1", webhook_type="order.status_changed",
                                    event_name="order.payment_hold", aggregate_id=7, occurred_at=NOW,
                                    payload=payload))
    assert body == {"id": "e-1", "type": "order.status_changed", "time": "2026-12-03T10:00:00Z",
                    "data": {"order_id": 7, "number": "WB-000007", "to_status": "payment_hold",
                             "from_status": "placed", "total_minor": 2495, "currency": "GBP", "customer_id": 3,
                             "event": "order.payment_hold"}}


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex():
    body = '{"id":"e-1"}'
    expected = hmac.new(b"whsec_k", b"1700000000." + body.encode(), hashlib.sha256).hexdigest()
    assert signature_header("whsec_k", 1700000000, body) == f"t=1700000000,v1={expected}"
    assert signature_header("whsec_other", 1700000000, body) != f"t=1700000000,v1={expected}"


def test_secrets_are_long_random_and_never_repeat():
    made = {new_secret() for _ in range(50)}
    assert len(made) == 50 and all(s.startswith("whsec_") and len(s) >= 48 for s in made)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com/x", "http:///nohost", "javascript:alert(1)",
                                 "https://u:p@example.com/", "http://example.com:port/", "http://[::1/",
                                 "http://127.0.0.1/", "http://LOCALHOST./", "http://10.0.0.8/", "http://192.168.1.2/",
                                 "http://169.254.169.254/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
                                 "http://printer.local/", "https://" + "a" * 1000 + ".com/"])
def test_urls_that_are_not_public_http_are_refused(url):
    assert url_problem(url, allow_private=False)


@pytest.mark.parametrize("url", ["https://hooks.example.com/waybill", "http://93.184.216.34:8080/in?x=1"])
def test_public_http_urls_are_accepted(url):
    assert url_problem(url, allow_private=False) is None


def test_the_flag_lets_loopback_receivers_in_but_still_only_over_http():
    assert url_problem("http://127.0.0.1:8080/hooks", allow_private=True) is None
    assert url_problem("ftp://127.0.0.1/hooks", allow_private=True)


def test_event_lists_must_name_known_types():
    assert events_problem([]) and "order.teleported" in events_problem(["order.placed", "order.teleported"])
    assert events_problem(["order.placed", "stock.changed"]) is None


@pytest.mark.parametrize("status, again", [(None, True), (408, True), (429, True), (500, True), (503, True),
                                           (400, False), (401, False), (404, False), (410, False), (301, False)])
def test_no_answer_408_429_and_5xx_are_retried_other_answers_are_not(status, again):
    assert retryable(status) is again


def test_backoff_doubles_from_the_base_with_jitter_up_to_a_quarter_and_never_before_retry_after():
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=8, jitter=0.25)
    assert [policy.delay(n, 0.0) for n in (1, 2, 3)] == [30, 60, 120]
    assert policy.delay(1, 0.999) == pytest.approx(37.5, abs=0.01)
    assert policy.delay(20, 0.0) == 3600
    assert policy.delay(1, 0.0, retry_after_seconds=600) == 600


def test_after_an_attempt_a_delivery_is_delivered_retried_or_failed():
    policy = RetryPolicy(base_seconds=10, max_attempts=3, jitter=0)
    assert after_attempt(204, attempt=1, now=NOW, random_fraction=0, policy=policy).status == "delivered"
    retry = after_attempt(503, attempt=1, now=NOW, random_fraction=0, policy=policy)
    assert (retry.status, retry.retry_at) == ("pending", NOW + timedelta(seconds=10))
    assert after_attempt(503, attempt=3, now=NOW, random_fraction=0, policy=policy).status == "failed"
    assert after_attempt(410, attempt=1, now=NOW, random_fraction=0, policy=policy).status == "failed"
    assert after_attempt(None, attempt=1, now=NOW, random_fraction=0, policy=policy, permanent=True).status == "failed"
