"""Warehouse choice: one nearest warehouse when it can, a split by strategy when it must, all shortages at once."""
import pytest

from backend.domain.allocation import Destination, LineRequest, Pick, Shortage, Site, allocate, rank_sites

LON, MAN, GLA = 1, 2, 3
MUG, LAMP, TEE = 10, 20, 30
SITES = [Site(LON, 51.507, 0.02, "GB"), Site(MAN, 53.466, -2.32, "GB"), Site(GLA, 55.86, -4.25, "GB")]
LEEDS = Destination("GB", 53.80, -1.55)  # Manchester ~63 km, London ~276 km, Glasgow ~287 km


def line(key, product_id, quantity, value_minor=10_000):
    return LineRequest(key, product_id, quantity, value_minor)


def test_the_nearest_warehouse_holding_every_line_ships_the_whole_order():
    available = {(LON, MUG): 10, (LON, LAMP): 10, (MAN, MUG): 10, (MAN, LAMP): 10}
    plan = allocate([line(0, MUG, 2), line(1, LAMP, 1)], SITES, available, LEEDS)
    assert (plan.strategy, plan.picks) == ("single_warehouse", [Pick(0, MAN, 2), Pick(1, MAN, 1)])
    assert plan.complete


def test_a_farther_warehouse_holding_everything_beats_splitting_from_the_nearest():
    available = {(MAN, MUG): 10, (LON, MUG): 10, (LON, LAMP): 10}
    plan = allocate([line(0, MUG, 2), line(1, LAMP, 1)], SITES, available, LEEDS)
    assert plan.warehouses == [LON]


def test_two_lines_of_one_product_must_fit_together_for_one_warehouse_to_hold_them():
    available = {(MAN, MUG): 5, (LON, MUG): 6}
    plan = allocate([line(0, MUG, 3), line(1, MUG, 3)], SITES, available, LEEDS)
    assert plan.warehouses == [LON]


def test_without_coordinates_warehouses_in_the_destination_country_come_first_then_by_id():
    sites = [Site(7, 53.0, -2.0, "GB"), Site(4, 48.85, 2.35, "FR"), Site(5, 52.0, -1.0, "GB")]
    assert [s.warehouse_id for s in rank_sites(sites, Destination("gb"))] == [5, 7, 4]


def test_without_coordinates_the_first_same_country_warehouse_holding_everything_ships():
    sites = [Site(4, 48.85, 2.35, "FR"), Site(7, 53.0, -2.0, "GB"), Site(5, 52.0, -1.0, "GB")]
    available = {(4, MUG): 10, (5, MUG): 10, (7, MUG): 10}
    plan = allocate([line(0, MUG, 1)], sites, available, Destination("GB"))
    assert plan.picks == [Pick(0, 5, 1)]


def test_lines_are_split_across_warehouses_when_none_holds_them_all():
    available = {(LON, LAMP): 5, (MAN, TEE): 5}
    plan = allocate([line(0, LAMP, 2), line(1, TEE, 3)], SITES, available, LEEDS)
    assert sorted(plan.picks, key=lambda p: p.key) == [Pick(0, LON, 2), Pick(1, MAN, 3)]
    assert plan.complete


def test_a_valuable_line_is_split_nearest_first_across_warehouses():
    available = {(MAN, MUG): 3, (LON, MUG): 3}
    plan = allocate([line(0, MUG, 5, value_minor=6_000)], SITES, available, LEEDS, min_split_line_minor=2_000)
    assert (plan.picks, plan.complete) == ([Pick(0, MAN, 3), Pick(0, LON, 2)], True)


def test_a_line_worth_less_than_the_split_minimum_is_never_split():
    available = {(MAN, MUG): 3, (LON, MUG): 3}
    plan = allocate([line(0, MUG, 5, value_minor=1_999)], SITES, available, LEEDS, min_split_line_minor=2_000)
    assert plan.picks == [Pick(0, MAN, 3)]
    assert plan.shortages == [Shortage(0, MUG, requested=5, missing=2)]


def test_a_cheap_line_goes_whole_to_a_farther_warehouse_rather_than_split():
    available = {(MAN, MUG): 3, (LON, MUG): 5, (MAN, TEE): 1}
    lines = [line(0, MUG, 5, value_minor=500), line(1, TEE, 1)]
    plan = allocate(lines, SITES, available, LEEDS, min_split_line_minor=2_000)
    assert [p for p in plan.picks if p.key == 0] == [Pick(0, LON, 5)]


def crafted_case():
    """Manchester (nearest) has mugs; London has mugs and lamps; only Glasgow has tees."""
    available = {(MAN, MUG): 5, (LON, MUG): 5, (LON, LAMP): 5, (GLA, TEE): 5}
    lines = [line(0, MUG, 1), line(1, LAMP, 1), line(2, TEE, 1)]
    return lines, available


def test_nearest_first_takes_each_line_from_its_nearest_warehouse():
    lines, available = crafted_case()
    plan = allocate(lines, SITES, available, LEEDS, strategy="nearest_first")
    assert plan.picks == [Pick(0, MAN, 1), Pick(1, LON, 1), Pick(2, GLA, 1)]


def test_fewest_parcels_ships_the_same_order_from_fewer_warehouses():
    lines, available = crafted_case()
    plan = allocate(lines, SITES, available, LEEDS, strategy="fewest_parcels")
    assert sorted(plan.picks, key=lambda p: p.key) == [Pick(0, LON, 1), Pick(1, LON, 1), Pick(2, GLA, 1)]
    assert sorted(plan.warehouses) == [LON, GLA]


def test_every_shortage_is_reported_at_once():
    available = {(MAN, MUG): 2, (LON, MUG): 2}
    lines = [line(0, MUG, 10), line(1, LAMP, 3), line(2, TEE, 4)]
    plan = allocate(lines, SITES, available, LEEDS)
    assert plan.shortages == [Shortage(0, MUG, 10, 6), Shortage(1, LAMP, 3, 3), Shortage(2, TEE, 4, 4)]
    assert not plan.complete


def test_a_shortage_serialises_with_the_line_and_the_missing_units():
    assert Shortage(2, TEE, 4, 1).as_dict() == {"line": 2, "product_id": TEE, "requested": 4, "missing": 1}


@pytest.mark.parametrize("strategy", ["nearest_first", "fewest_parcels"])
def test_the_available_stock_given_is_not_modified(strategy):
    lines, available = crafted_case()
    lines.append(line(3, MUG, 9))
    before = dict(available)
    allocate(lines, SITES, available, LEEDS, strategy=strategy)
    assert available == before


def test_an_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="unknown allocation strategy"):
        allocate([line(0, MUG, 1)], SITES, {(MAN, MUG): 1}, LEEDS, strategy="cheapest")
