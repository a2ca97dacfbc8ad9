"""Proof of delivery, failed attempts and cash settlement as plain rules."""
import pytest

from backend.domain.delivery import (CashLine, CashSettlement, DeliveryAttempt, DeliveryProof, InvalidProof,
                                     SettlementError, cash_shortfalls, check_blob_refs, expected_cash, image_type)


def proof(**overrides):
    fields = dict(stop_id=1, order_id=2, driver_id=3, command_id=None, recipient_name="Sam", occurred_at=None,
                  photo_blob_ids=["p1"], signature_blob_ids=["s1"])
    return DeliveryProof(**{**fields, **overrides})


@pytest.mark.parametrize("head, expected", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"%PDF-1.7\n", None),
    (b"<svg xmlns=", None),
    (b"", None),
])
def test_images_are_told_by_their_magic_bytes(head, expected):
    assert image_type(head) == expected


def test_a_proof_is_pending_until_every_image_is_stored():
    p = proof()
    assert p.status == "pending_upload"
    assert p.complete_if_ready({"p1"}) is False
    assert p.missing({"p1"}) == ["s1"]
    assert p.complete_if_ready({"p1", "s1"}) is True
    assert p.status == "complete"
    assert p.complete_if_ready({"p1", "s1"}) is False  # completes once


def test_a_proof_needs_the_recipients_name():
    with pytest.raises(InvalidProof) as raised:
        proof(recipient_name="  ")
    assert raised.value.field == "recipient_name"


def test_a_proof_needs_a_photo_or_a_signature():
    with pytest.raises(InvalidProof):
        proof(photo_blob_ids=[], signature_blob_ids=[])
    assert proof(photo_blob_ids=[]).blob_ids == ["s1"]


def test_a_position_is_both_coordinates_or_none():
    with pytest.raises(InvalidProof):
        proof(latitude=51.5)


def test_the_same_image_cannot_be_attached_twice():
    with pytest.raises(InvalidProof):
        check_blob_refs([{"id": "a", "role": "photo"}, {"id": "a", "role": "signature"}])
    assert check_blob_refs([{"id": "a", "role": "photo"}, {"id": "b", "role": "signature"}]) == (["a"], ["b"])


def test_a_failed_attempt_needs_a_known_reason_and_other_needs_a_note():
    with pytest.raises(InvalidProof):
        DeliveryAttempt(stop_id=1, order_id=2, driver_id=3, command_id=None, reason="bored")
    with pytest.raises(InvalidProof):
        DeliveryAttempt(stop_id=1, order_id=2, driver_id=3, command_id=None, reason="other")
    attempt = DeliveryAttempt(stop_id=1, order_id=2, driver_id=3, command_id=None, reason="no_one_home")
    assert attempt.reason_text == "No one home"


def test_expected_cash_is_what_the_stops_recorded_and_shortfalls_are_listed():
    lines = [CashLine(1, 1000, 1000), CashLine(2, 2500, 2000), CashLine(3, 0, 0)]
    assert expected_cash(lines) == 3000
    assert cash_shortfalls(lines) == [CashLine(2, 2500, 2000)]


def test_a_settlement_that_does_not_balance_needs_a_note():
    with pytest.raises(SettlementError):
        CashSettlement(run_id=1, expected_minor=3000, counted_minor=2900, currency="GBP", settled_by_id=1)
    short = CashSettlement(run_id=1, expected_minor=3000, counted_minor=2900, currency="GBP", settled_by_id=1,
                           note="coin dropped")
    assert (short.difference_minor, short.balanced) == (-100, False)
    assert CashSettlement(run_id=1, expected_minor=3000, counted_minor=3000, currency="GBP",
                          settled_by_id=1).balanced
