"""Delivery runs: nearest-neighbour stop order, ETAs, and the rules for changing a run."""
from datetime import date, datetime, timedelta, timezone

import pytest

from backend.domain.catalogue import distance_km
from backend.domain.dispatch import (DeliveryRun, DispatchError, Point, RunStop, estimate_etas,
                                     nearest_neighbour)
from backend.domain.shipping import sniff_label_format
from backend.domain.sync_rules import Outcome, reorder_run

WAREHOUSE = (51.507, 0.02)  # east London


def test_nearest_neighbour_visits_the_closest_unvisited_stop_each_time():
    far = Point("far", 51.75, -1.26)       # Oxford
    near = Point("near", 51.52, -0.10)     # central London
    middle = Point("middle", 51.50, -0.45)  # Heathrow
    plan = nearest_neighbour(WAREHOUSE, [far, near, middle])
    assert plan.order == ("near", "middle", "far")
    assert plan.unlocated == ()


def test_nearest_neighbour_moves_on_from_the_last_stop_not_the_warehouse():
    # Depot at lon 0.02. Ranked from the depot it would be a, c, b; from a, b is nearer than c.
    a, b, c = Point("a", 51.507, 0.10), Point("b", 51.507, 0.20), Point("c", 51.507, -0.08)
    assert nearest_neighbour(WAREHOUSE, [c, b, a]).order == ("a", "b", "c")


def test_stops_without_coordinates_go_last_and_are_named():
    plan = nearest_neighbour(WAREHOUSE, [Point("lost", None, None), Point("near", 51.52, -0.10),
                                         Point("also-lost", 51.5, None)])
    assert plan.order == ("near", "lost", "also-lost")
    assert plan.unlocated == ("lost", "also-lost")


def test_eta_is_distance_at_average_speed_plus_service_time_per_stop():
    start = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
    a, b = Point("a", 51.507, -0.10), Point("b", 51.507, -0.30)
    etas = estimate_etas(WAREHOUSE, [a, b], start, speed_kmh=30, service_minutes=5)
    leg1 = distance_km(*WAREHOUSE, 51.507, -0.10) / 30
    leg2 = distance_km(51.507, -0.10, 51.507, -0.30) / 30
    assert abs(etas[0] - (start + timedelta(hours=leg1))) < timedelta(seconds=1)
    assert abs(etas[1] - (start + timedelta(hours=leg1 + leg2, minutes=5))) < timedelta(seconds=1)


def test_a_stop_without_coordinates_has_no_eta_and_the_next_is_timed_from_the_last_known_place():
    start = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
    etas = estimate_etas(WAREHOUSE, [Point("lost", None, None), Point("a", 51.507, -0.10)], start,
                         speed_kmh=30, service_minutes=5)
    assert etas[0] is None
    assert abs(etas[1] - (start + timedelta(hours=distance_km(*WAREHOUSE, 51.507, -0.10) / 30))) < timedelta(seconds=1)


def _run_with(n):
    run = DeliveryRun(driver_id=7, warehouse_id=1, run_date=date(2026, 11, 29))
    for i in range(1, n + 1):
        stop = run.add_stop(RunStop(shipment_id=100 + i, order_id=200 + i, position=1))
        stop.id = i
    return run


def test_adding_stops_numbers_them_and_moves_the_version():
    run = _run_with(3)
    assert [s.position for s in run.ordered_stops] == [1, 2, 3]
    assert run.version == 4


def test_the_same_shipment_cannot_be_on_a_run_twice():
    run = _run_with(1)
    with pytest.raises(DispatchError) as raised:
        run.add_stop(RunStop(shipment_id=101, order_id=201, position=1))
    assert raised.value.code == "run.duplicate_shipment"


def test_reorder_must_list_every_stop_once():
    run = _run_with(3)
    for bad in ([1, 2], [1, 2, 2], [1, 2, 3, 4]):
        with pytest.raises(DispatchError) as raised:
            run.set_order(bad)
        assert raised.value.code == "run.bad_order"


def test_move_stop_shifts_the_others():
    run = _run_with(4)
    run.move_stop(4, 1)
    assert [s.id for s in run.ordered_stops] == [4, 1, 2, 3]
    assert [s.position for s in run.ordered_stops] == [1, 2, 3, 4]
    with pytest.raises(DispatchError):
        run.move_stop(1, 9)


def test_a_delivered_stop_keeps_its_place():
    run = _run_with(3)
    run.start(actor_id=7)
    run.stop(1).status = "delivered"
    with pytest.raises(DispatchError) as raised:
        run.set_order([2, 1, 3])
    assert raised.value.code == "run.stop_done"
    run.set_order([1, 3, 2])
    assert [s.id for s in run.ordered_stops] == [1, 3, 2]


def test_start_needs_stops_and_a_planned_run_and_stops_adding():
    empty = DeliveryRun(driver_id=7, warehouse_id=1, run_date=date(2026, 11, 29))
    with pytest.raises(DispatchError):
        empty.start(actor_id=7)
    run = _run_with(1)
    run.start(actor_id=7)
    assert run.status == "out"
    assert run.pending_events()[-1].name == "run.started"
    with pytest.raises(DispatchError) as raised:
        run.add_stop(RunStop(shipment_id=999, order_id=1, position=1))
    assert raised.value.code == "run.not_editable"


def test_finish_only_when_no_stop_is_pending():
    run = _run_with(2)
    run.start(actor_id=7)
    run.stop(1).status = "delivered"
    with pytest.raises(DispatchError):
        run.finish(actor_id=7)
    run.stop(2).status = "failed"
    run.finish(actor_id=7)
    assert run.status == "done"


def test_cash_to_collect_cannot_be_negative():
    with pytest.raises(DispatchError):
        RunStop(shipment_id=1, order_id=1, position=1, cod_due_minor=-1)


def test_reorder_rule_rejects_a_stale_base_and_a_finished_run():
    assert reorder_run(run_status="planned", run_version=3, base_version=3, same_order=False).outcome == Outcome.APPLY
    stale = reorder_run(run_status="out", run_version=4, base_version=3, same_order=False)
    assert (stale.outcome, stale.code) == (Outcome.REJECT, "run.changed")
    assert reorder_run(run_status="done", run_version=3, base_version=3, same_order=False).outcome == Outcome.REJECT
    assert reorder_run(run_status="out", run_version=4, base_version=3, same_order=True).outcome == Outcome.NOOP


def test_label_format_is_told_by_magic_bytes():
    assert sniff_label_format(b"%PDF-1.4\n...") == "pdf"
    assert sniff_label_format(b"\x89PNG\r\n\x1a\nxxxx") == "png"
    assert sniff_label_format(b"^XA^FO50,50^FDhi^FS^XZ") == "zpl"
    assert sniff_label_format(b"<html>") is None
