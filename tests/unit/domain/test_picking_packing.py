"""Pick lists (bin walk, progress, picks, short picks) and the box choice with dimensional weight."""
import pytest

from backend.domain.orders import OrderStatus, TRANSITIONS
from backend.domain.packing import (Box, Item, PackingError, chargeable_weight_grams, dimensional_weight_grams,
                                    fits, suggest_box)
from backend.domain.picking import PickingError, PickLine, PickList, order_fully_picked


def _list(*lines):
    pick_list = PickList(warehouse_id=1)
    for i, line in enumerate(lines, start=1):
        line.id = i
        pick_list.add_line(line)
    return pick_list


def test_a_pick_list_is_walked_in_bin_order_with_unshelved_lines_last():
    pick_list = _list(PickLine(1, 11, 5, "LAMP", "B-01-01", 1), PickLine(2, 21, 6, "MUG", None, 2),
                      PickLine(1, 12, 6, "MUG", "A-02-01", 2), PickLine(2, 22, 7, "TEE", "A-01-02", 1))
    assert [(l.sku, l.bin_code) for l in pick_list.walk] == [
        ("TEE", "A-01-02"), ("MUG", "A-02-01"), ("LAMP", "B-01-01"), ("MUG", None)]
    assert pick_list.order_ids == [1, 2]


def test_progress_is_derived_from_picks_and_short_picks_and_the_list_is_done_when_every_line_is():
    first, second = PickLine(1, 11, 5, "MUG", "A-01", 3), PickLine(1, 12, 6, "LAMP", "A-02", 2)
    pick_list = _list(first, second)
    first.pick(3)
    second.pick(1)
    assert second.report_short(5) == 1  # only what was still to pick counts as missing
    pick_list.touched()
    assert pick_list.progress == {"lines": 2, "lines_done": 2, "units": 5, "picked": 4, "short": 1, "remaining": 0}
    assert pick_list.status == "done"


def test_a_scan_matches_the_lines_barcode_or_sku_and_a_tap_always_does():
    line = PickLine(1, 11, 5, "MUG-BLUE", "A-01", 1, barcode="5012345678900")
    assert line.matches("5012345678900") and line.matches("mug-blue") and line.matches(None)
    assert not line.matches("5012345678917")


def test_a_short_pick_of_nothing_is_refused():
    with pytest.raises(PickingError):
        PickLine(1, 11, 5, "MUG", "A-01", 1).report_short(0)


def test_shrinking_a_line_below_what_was_picked_says_how_many_to_put_back():
    line = PickLine(1, 11, 5, "MUG", "A-01", 3)
    line.pick(2)
    assert line.shrink(2) == 1
    assert (line.quantity, line.remaining) == (1, 0)


def test_claiming_sets_the_picker_and_bumps_the_version():
    pick_list = _list(PickLine(1, 11, 5, "MUG", "A-01", 1))
    pick_list.claim(7)
    assert (pick_list.claimed_by_id, pick_list.status, pick_list.version) == (7, "claimed", 2)


def test_an_order_is_fully_picked_only_when_every_allocated_unit_was_picked():
    line = PickLine(1, 11, 5, "MUG", "A-01", 2)
    line.pick(2)
    assert order_fully_picked([line], {11: 2})
    assert not order_fully_picked([line], {11: 3})  # one more unit reallocated here later
    assert not order_fully_picked([], {11: 0})


def test_a_short_pick_can_backorder_an_order_being_picked():
    assert OrderStatus.BACKORDERED in TRANSITIONS[OrderStatus.PICKING]


# -- packing -------------------------------------------------------------------------------------------
SMALL = Box("S", "Small", 200, 150, 100, 2000, tare_grams=100)
MEDIUM = Box("M", "Medium", 300, 250, 200, 10000, tare_grams=250)
LONG = Box("L", "Long", 600, 150, 150, 15000, tare_grams=300)


def test_dimensional_weight_of_millimetres_over_the_divisor_is_grams():
    # 40 x 30 x 20 cm = 24000 cm3 / 5000 = 4.8 kg
    assert dimensional_weight_grams(400, 300, 200, 5000) == 4800
    assert dimensional_weight_grams(400, 300, 200, 6000) == 4000
    assert chargeable_weight_grams(1000, 400, 300, 200) == 4800
    assert chargeable_weight_grams(9000, 400, 300, 200) == 9000
    with pytest.raises(PackingError):
        dimensional_weight_grams(1, 1, 1, 0)


def test_the_smallest_box_that_fits_is_suggested_with_its_chargeable_weight():
    mugs = [Item("MUG", 120, 90, 100, 350, 2)]
    suggestion = suggest_box(mugs, [MEDIUM, SMALL, LONG], divisor=5000)
    assert suggestion.box is SMALL
    assert suggestion.actual_grams == 800  # two mugs and the box
    assert suggestion.dimensional_grams == 600  # 200 x 150 x 100 / 5000
    assert suggestion.chargeable_grams == 800


def test_a_long_item_fits_a_box_only_when_rotated_to_its_longest_side():
    rod = Item("ROD", 50, 550, 50, 500)  # 55 cm long, lying any way round
    assert fits(LONG, [rod]) and not fits(MEDIUM, [rod])
    assert suggest_box([rod], [SMALL, MEDIUM, LONG]).box is LONG


def test_weight_over_what_a_box_holds_moves_to_a_bigger_box_and_none_fits_says_so():
    heavy = [Item("KETTLEBELL", 100, 100, 100, 2500)]
    assert suggest_box(heavy, [SMALL, MEDIUM]).box is MEDIUM
    nothing = suggest_box([Item("CHAIR", 900, 500, 120, 6500)], [SMALL, MEDIUM, LONG])
    assert nothing.box is None and "several parcels" in nothing.reason


def test_inactive_boxes_are_never_suggested():
    retired = Box("XS", "Extra small", 200, 150, 100, 2000, active=False)
    assert suggest_box([Item("MUG", 120, 90, 100, 350)], [retired, MEDIUM]).box is MEDIUM


def test_what_goes_in_the_parcel_is_every_picked_unit_with_its_products_size():
    from types import SimpleNamespace

    from backend.domain.packing import items_to_pack
    picked, waiting, other = PickLine(1, 11, 5, "MUG", "A-01", 3), PickLine(1, 12, 5, "MUG", "A-02", 2), \
        PickLine(1, 13, 6, "TEE", None, 1)
    picked.pick(3)  # picked: its picked units; the others count what is still to pick
    products = {5: SimpleNamespace(sku="MUG", length_mm=120, width_mm=90, height_mm=100, weight_g=350),
                6: SimpleNamespace(sku="TEE", length_mm=None, width_mm=None, height_mm=None, weight_g=None)}
    assert items_to_pack([picked, waiting, other], products) == [Item("MUG", 120, 90, 100, 350, 5),
                                                                 Item("TEE", 1, 1, 1, 0, 1)]


def test_an_order_is_ready_to_pack_when_fully_allocated_and_every_allocated_unit_is_picked():
    from types import SimpleNamespace

    from backend.domain.picking import ready_to_pack
    line = PickLine(1, 11, 5, "MUG", "A-01", 2)
    order = SimpleNamespace(lines=[SimpleNamespace(id=11, allocated_quantity=2)], fully_allocated=True)
    assert not ready_to_pack(order, [line])
    line.pick(2)
    assert ready_to_pack(order, [line])
    order.fully_allocated = False  # a unit was backordered: nothing ships half-packed
    assert not ready_to_pack(order, [line])
