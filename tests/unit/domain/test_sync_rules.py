"""The conflict rules of offline sync: facts are kept (with an exception when they clash), requests may be refused."""
import pytest

from backend.domain import sync_rules as rules
from backend.domain.sync_rules import Outcome


@pytest.mark.parametrize("status", ["shipped", "out_for_delivery"])
def test_a_delivery_on_the_way_is_applied(status):
    assert rules.confirm_delivery(order_status=status, stop_delivered=False).outcome is Outcome.APPLY


def test_a_delivery_after_a_cancel_is_recorded_and_opens_an_exception():
    verdict = rules.confirm_delivery(order_status="cancelled", stop_delivered=False)
    assert (verdict.outcome, verdict.code) == (Outcome.EXCEPTION, "delivery.after_cancel")
    assert verdict.applies and "cancelled" in verdict.message


def test_a_second_confirmation_from_another_phone_is_kept_as_evidence_and_flagged():
    verdict = rules.confirm_delivery(order_status="delivered", stop_delivered=True)
    assert (verdict.outcome, verdict.code) == (Outcome.EXCEPTION, "delivery.already_confirmed")


def test_a_delivery_of_an_order_not_yet_shipped_is_a_fact_for_the_office():
    verdict = rules.confirm_delivery(order_status="packed", stop_delivered=False)
    assert (verdict.outcome, verdict.code) == (Outcome.EXCEPTION, "delivery.unexpected_state")


def test_a_failed_attempt_after_the_delivery_is_history_only():
    assert rules.failed_attempt(stop_status="delivered").outcome is Outcome.NOOP
    assert rules.failed_attempt(stop_status="pending").outcome is Outcome.APPLY
    # One visit is one attempt: a second "not delivered" for the same stop is history only.
    again = rules.failed_attempt(stop_status="failed")
    assert (again.outcome, again.code) == (Outcome.NOOP, "attempt.already_recorded")


def test_a_pick_within_the_allocation_is_applied_in_full():
    verdict = rules.record_pick(still_allocated=5, picked=3)
    assert (verdict.outcome, verdict.quantity, verdict.surplus) == (Outcome.APPLY, 3, 0)


@pytest.mark.parametrize(("still", "picked", "applied", "surplus"), [(2, 5, 2, 3), (0, 4, 0, 4), (-1, 1, 0, 1)])
def test_a_pick_beyond_a_shrunk_allocation_applies_what_is_needed_and_puts_the_rest_back(still, picked, applied,
                                                                                          surplus):
    verdict = rules.record_pick(still_allocated=still, picked=picked)
    assert (verdict.outcome, verdict.code) == (Outcome.EXCEPTION, "pick.allocation_shrank")
    assert (verdict.quantity, verdict.surplus) == (applied, surplus)
    assert f"put {surplus} back" in verdict.message


def test_a_pick_on_a_list_someone_else_claimed_is_recorded_and_flagged():
    verdict = rules.record_pick(still_allocated=3, picked=3, claimed_by_other=True)
    assert (verdict.outcome, verdict.code, verdict.quantity) == (Outcome.EXCEPTION, "pick.list_claimed_by_other", 3)


def test_a_pick_of_nothing_is_a_programming_error_not_a_fact():
    with pytest.raises(ValueError):
        rules.record_pick(still_allocated=3, picked=0)


def test_a_short_pick_is_always_accepted():
    assert rules.short_pick().outcome is Outcome.APPLY


def test_claiming_a_free_list_is_applied_your_own_is_a_noop_someone_elses_is_refused():
    assert rules.claim_pick_list(claimed_by=None, actor_id=7).outcome is Outcome.APPLY
    assert rules.claim_pick_list(claimed_by=7, actor_id=7).outcome is Outcome.NOOP
    verdict = rules.claim_pick_list(claimed_by=8, actor_id=7)
    assert (verdict.outcome, verdict.code) == (Outcome.REJECT, "pick_list.claimed")
    assert not verdict.applies


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"order_status": "cancelled"}, "pack.order_cancelled"),
    ({"order_status": "payment_hold"}, "pack.order_held"),
    ({"order_version": 9, "base_version": 7}, "pack.order_changed"),
    ({"all_lines_picked": False}, "pack.not_fully_picked"),
])
def test_closing_a_pack_is_refused_with_what_to_do(kwargs, code):
    args = {"all_lines_picked": True, "order_status": "picking", "order_version": 7, "base_version": 7, **kwargs}
    verdict = rules.close_pack(**args)
    assert (verdict.outcome, verdict.code) == (Outcome.REJECT, code)
    assert verdict.message


def test_closing_a_complete_unchanged_pack_is_applied_and_closing_it_again_is_a_noop():
    assert rules.close_pack(all_lines_picked=True, order_status="picking", order_version=4,
                            base_version=4).outcome is Outcome.APPLY
    assert rules.close_pack(all_lines_picked=True, order_status="picking", order_version=4,
                            base_version=None).outcome is Outcome.APPLY
    assert rules.close_pack(all_lines_picked=True, order_status="packed", order_version=5,
                            base_version=4).outcome is Outcome.NOOP


def test_reaching_the_status_an_order_already_has_is_a_noop():
    assert rules.reach_status(current="delivered", target="delivered").outcome is Outcome.NOOP
    assert rules.reach_status(current="shipped", target="delivered").outcome is Outcome.APPLY
