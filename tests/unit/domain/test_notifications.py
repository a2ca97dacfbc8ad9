"""Web push rules: which events notify, what a notification may carry, and how answers are retried."""
import base64
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from backend.domain import notifications as n
from backend.domain import push_delivery as delivery
from backend.domain import push_subscriptions as subscriptions

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)
TOKEN = "Abc123_-" * 4


def test_exactly_the_customer_facing_order_events_notify():
    notifying = {name for name in (
        "order.placed", "order.accepted", "order.allocated", "order.picking", "order.packed", "order.shipped",
        "order.out_for_delivery", "order.arriving_soon", "order.delivered", "order.delivery_failed",
        "order.return_received", "order.refund_issued", "order.cancelled", "order.line_reduced",
        "order.awaiting_redelivery", "order.awaiting_collection", "order.returned", "order.delivery_attempt_noted")
        if n.kind_of(name, "order") is not None}
    assert notifying == {"order.accepted", "order.shipped", "order.out_for_delivery", "order.arriving_soon",
                         "order.delivered", "order.delivery_failed", "order.return_received", "order.refund_issued",
                         "order.awaiting_redelivery", "order.awaiting_collection", "order.returned"}
    assert n.kind_of("order.shipped", "shipment") is None  # only order events, never another aggregate's


def test_every_kind_has_a_ttl_and_only_arriving_soon_is_high_urgency():
    for kind in n.KINDS.values():
        assert kind.ttl > 0  # a TTL of 0 drops every message to a sleeping phone
        assert kind.urgency in n.URGENCIES
    assert [k.key for k in n.KINDS.values() if k.urgency == "high"] == ["arriving_soon"]
    assert n.KINDS["order.arriving_soon"].ttl < n.KINDS["order.delivered"].ttl  # stale "arriving" is useless


def test_the_topic_is_per_order_short_url_safe_and_does_not_reveal_the_token():
    topic = n.topic_for(TOKEN)
    assert len(topic) <= n.MAX_TOPIC_LENGTH
    assert re.fullmatch(r"[A-Za-z0-9_-]+", topic)
    assert topic == n.topic_for(TOKEN) != n.topic_for("Z" * 32)
    assert TOKEN not in topic and TOKEN[:8] not in topic


def _payload(kind="order.out_for_delivery", **extra):
    raw = n.build_payload(n.KINDS[kind], order_number="WB-000042", tracking_token=TOKEN, event_id="e-1",
                          sequence=7, occurred_at=T0, **extra)
    return raw, json.loads(raw)


def test_the_payload_says_what_happened_and_opens_the_tracking_page():
    raw, data = _payload(eta=T0 + timedelta(minutes=40))
    assert data["title"] == "Out for delivery"
    assert "WB-000042" in data["body"] and "09:40" in data["body"]
    assert data["url"] == f"/track/{TOKEN}"
    assert data["tag"] == n.topic_for(TOKEN)
    assert data["event_id"] == "e-1" and data["sequence"] == 7
    assert len(raw) < 3 * 1024


def test_the_payload_has_no_field_an_address_could_travel_in():
    _raw, data = _payload()
    assert set(data) == {"v", "kind", "title", "body", "tag", "url", "order", "event_id", "sequence", "at"}
    with pytest.raises(TypeError):  # the builder takes named facts only: an event's data cannot be passed in
        n.build_payload(n.KINDS["order.delivered"], order_number="WB-1", tracking_token=TOKEN, event_id="e",
                        sequence=1, occurred_at=T0, shipping_address={"line1": "12 Elm Street"})


def test_an_oversized_payload_is_cut_to_fit_and_never_sent_over_the_limit():
    huge = n.Kind("delivered", "Delivered", "é" * 5000 + " {number}", ttl=60)
    raw = n.build_payload(huge, order_number="WB-1", tracking_token=TOKEN, event_id="e", sequence=1, occurred_at=T0)
    assert len(raw) <= n.MAX_PAYLOAD_BYTES
    assert json.loads(raw)["body"].endswith("…")


@pytest.mark.parametrize("status, verdict", [
    (201, delivery.Verdict.SENT), (202, delivery.Verdict.SENT), (404, delivery.Verdict.GONE), (410, delivery.Verdict.GONE),
    (429, delivery.Verdict.RETRY), (500, delivery.Verdict.RETRY), (503, delivery.Verdict.RETRY), (None, delivery.Verdict.RETRY),
    (400, delivery.Verdict.FAILED), (403, delivery.Verdict.FAILED), (413, delivery.Verdict.FAILED)])
def test_answers_of_a_push_service_are_classified(status, verdict):
    assert delivery.classify(status) == verdict


def test_backoff_doubles_up_to_a_cap_and_never_comes_before_retry_after():
    policy = delivery.RetryPolicy(base_seconds=30, cap_seconds=600, max_attempts=10)
    assert [policy.delay(a) for a in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 480, 600]
    assert policy.delay(1, retry_after_seconds=300) == 300
    assert policy.delay(3, retry_after_seconds=10) == 120


def test_after_a_503_the_message_waits_and_after_the_last_attempt_it_fails():
    policy = delivery.RetryPolicy(base_seconds=30, cap_seconds=600, max_attempts=3)
    later = T0 + timedelta(hours=1)
    assert delivery.after_response(503, attempt=1, now=T0, expires_at=later, retry_after_seconds=90, policy=policy) \
        == delivery.Next("pending", T0 + timedelta(seconds=90))
    assert delivery.after_response(503, attempt=3, now=T0, expires_at=later, policy=policy) == delivery.Next("failed")
    assert delivery.after_response(410, attempt=1, now=T0, expires_at=later, policy=policy) == delivery.Next("gone")
    assert delivery.after_response(201, attempt=2, now=T0, expires_at=later, policy=policy) == delivery.Next("sent")


def test_a_retry_after_the_ttl_would_be_dropped_so_the_message_expires_instead():
    assert delivery.after_response(429, attempt=1, now=T0, expires_at=T0 + timedelta(seconds=60),
                            retry_after_seconds=120) == delivery.Next("expired")
    assert delivery.remaining_ttl(900, T0, T0 + timedelta(seconds=300)) == 600
    assert delivery.remaining_ttl(900, T0, T0 + timedelta(hours=1)) == 0
    assert delivery.remaining_ttl(900, T0, T0 - timedelta(seconds=5)) == 900  # clocks a little apart: never more


@pytest.mark.parametrize("endpoint, ok", [
    ("https://fcm.googleapis.com/fcm/send/abc", True),
    ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
    ("https://web.push.apple.com/QGx", True),
    ("https://db5p.notify.windows.com/w/?token=x", True),
    ("http://fcm.googleapis.com/fcm/send/abc", False),  # plain http
    ("https://evil.example/steal", False),  # not a push service: the server would be anyone's HTTP client
    ("https://fcm.googleapis.com.evil.example/x", False),
    ("https://user:pw@fcm.googleapis.com/x", False),
    ("http://127.0.0.1:8123/push/1", False),  # loopback only when allowed
    ("https://fcm.googleapis.com/" + "a" * 1100, False),
    ("javascript:alert(1)", False),
])
def test_endpoints_must_be_https_push_services(endpoint, ok):
    assert (subscriptions.endpoint_problem(endpoint) is None) is ok


def test_loopback_http_is_allowed_only_when_asked_for():
    assert subscriptions.endpoint_problem("http://127.0.0.1:8123/push/1", allow_loopback_http=True) is None
    assert subscriptions.endpoint_problem("http://10.0.0.5/push/1", allow_loopback_http=True) is not None
    assert subscriptions.endpoint_problem("https://push.example.net/x", extra_hosts=("push.example.net",)) is None


def test_subscription_keys_must_be_a_p256_point_and_a_16_byte_secret():
    point = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("=")
    secret = base64.urlsafe_b64encode(b"s" * 16).decode().rstrip("=")
    assert subscriptions.keys_problem(point, secret) == {}
    assert set(subscriptions.keys_problem(secret, point)) == {"keys.p256dh", "keys.auth"}
    assert set(subscriptions.keys_problem("not base64!", secret)) == {"keys.p256dh"}


@pytest.mark.parametrize("subject, ok", [
    ("mailto:ops@waybill-shop.co.uk", True), ("https://waybill-shop.co.uk/contact", True),
    ("mailto:help@example.com", False), ("mailto:admin@localhost", False), ("ops@shop.co.uk", False),
    ("https://localhost", False), ("", False), (None, False)])
def test_the_vapid_subject_must_be_a_real_address(subject, ok):
    assert (subscriptions.vapid_subject_problem(subject) is None) is ok


def test_a_browser_key_must_be_a_point_on_the_curve():
    """keys_problem checks the shape; valid_browser_key (the API's check, a domain rule) the point itself."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from backend.domain.push_subscriptions import keys_problem, valid_browser_key
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    on_curve = base64.urlsafe_b64encode(point).decode().rstrip("=")
    off_curve = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("=")
    auth = base64.urlsafe_b64encode(b"\x02" * 16).decode().rstrip("=")
    assert keys_problem(on_curve, auth) == {} and keys_problem(off_curve, auth) == {}
    assert valid_browser_key(on_curve)
    assert not valid_browser_key(off_curve)
    assert not valid_browser_key("not base64 at all!")
