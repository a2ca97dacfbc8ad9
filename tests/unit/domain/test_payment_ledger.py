"""The payments ledger: balance = captured - refunded + cash and transfers received; the status follows it."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from backend.domain.payment_ledger import EntryKind, PaymentEntry, PaymentLedger, RefundTooLarge, part_share
from backend.domain.payment_webhooks import sign, signature_matches

K = EntryKind


def ledger(*entries) -> PaymentLedger:
    return PaymentLedger([PaymentEntry(kind, amount, "GBP", reference, parent=parent)
                          for kind, amount, reference, parent in entries], currency="GBP")


def auth(amount=3000):
    return (K.AUTHORIZED, amount, "auth_1", "")


def cap(amount, reference="cap_1"):
    return (K.CAPTURED, amount, reference, "auth_1")


def refund(amount, capture="cap_1"):
    return (K.REFUNDED, amount, "ref", capture)


def status(book, total=3000, method="card", current="unpaid"):
    return book.status(method=method, total_minor=total, current=current)


def test_an_empty_ledger_leaves_the_status_a_person_set():
    assert status(ledger(), current="authorized") == "authorized"


def test_an_authorization_alone_is_authorized_with_nothing_in_the_balance():
    book = ledger(auth())
    assert (status(book), book.balance_minor, book.capturable_minor) == ("authorized", 0, 3000)


def test_a_capture_of_part_of_the_total_is_partly_paid():
    book = ledger(auth(), cap(1000))
    assert (status(book), book.balance_minor, book.capturable_minor) == ("partly_paid", 1000, 2000)


def test_captures_that_reach_the_total_are_paid():
    assert status(ledger(auth(), cap(1000), cap(2000, "cap_2"))) == "paid"


def test_a_refund_of_part_is_partly_refunded_and_of_all_is_refunded():
    assert status(ledger(auth(), cap(3000), refund(500))) == "partly_refunded"
    book = ledger(auth(), cap(3000), refund(3000))
    assert (status(book), book.balance_minor) == ("refunded", 0)


def test_a_void_before_any_capture_is_voided_and_releases_the_rest():
    book = ledger(auth(), (K.VOIDED, 3000, "auth_1", "auth_1"))
    assert (status(book), book.capturable_minor, book.open_authorization) == ("voided", 0, None)


def test_cash_collected_counts_in_the_balance_and_short_cash_is_still_collected_at_the_door():
    book = ledger((K.COD_COLLECTED, 1000, "", ""))
    assert book.balance_minor == 1000
    assert status(book, method="cash_on_delivery", current="collect_on_delivery") == "collect_on_delivery"
    assert status(ledger((K.COD_COLLECTED, 3000, "", "")), method="cash_on_delivery") == "paid"


def test_a_bank_transfer_received_in_full_is_paid():
    assert status(ledger((K.TRANSFER_RECEIVED, 3000, "BANK-1", "")), method="bank_transfer",
                  current="awaiting_funds") == "paid"


def test_a_refund_above_what_was_captured_is_refused_with_the_amount_field():
    book = ledger(auth(), cap(1000), refund(400))
    with pytest.raises(RefundTooLarge) as raised:
        book.refund_plan(601)
    assert (raised.value.code, raised.value.field, raised.value.details["refundable_minor"]) == \
        ("payment.refund_exceeds_captured", "amount_minor", 600)
    assert "£6.00" in raised.value.message


def test_nothing_captured_means_nothing_to_refund():
    with pytest.raises(RefundTooLarge):
        ledger(auth()).refund_plan(1)


@pytest.mark.parametrize("amount", [0, -5])
def test_a_refund_must_be_above_zero(amount):
    with pytest.raises(RefundTooLarge):
        ledger(auth(), cap(1000)).refund_plan(amount)


def test_a_refund_spreads_over_captures_newest_first_within_what_each_has_left():
    book = ledger(auth(), cap(1000, "cap_1"), cap(2000, "cap_2"), refund(1500, "cap_2"))
    assert book.refund_plan(700) == [("cap_2", 500), ("cap_1", 200)]


def test_a_part_costs_its_lines_gross_share_and_the_last_part_takes_the_rest():
    lines = [SimpleNamespace(id=1, quantity=7, net_minor=7000, tax_minor=1400)]
    assert part_share(lines, {1: 5}, total_minor=8995, captured_minor=0, last_part=False) == 6000
    assert part_share(lines, {1: 2}, total_minor=8995, captured_minor=6000, last_part=True) == 2995


def test_a_part_share_rounds_down_so_the_buyer_is_never_overcharged():
    lines = [SimpleNamespace(id=1, quantity=3, net_minor=1000, tax_minor=0)]
    assert part_share(lines, {1: 1}, total_minor=1000, captured_minor=0, last_part=False) == 333


def test_a_webhook_signature_matches_only_the_secret_and_the_exact_bytes():
    body = b'{"id":"evt_1"}'
    assert signature_matches("s3cret", body, sign("s3cret", body))
    assert not signature_matches("s3cret", body + b" ", sign("s3cret", body))
    assert not signature_matches("s3cret", body, sign("other", body))
    assert not signature_matches("s3cret", body, None)
    assert not signature_matches("", body, sign("", body))  # no secret configured: nothing is trusted
