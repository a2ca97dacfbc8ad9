"""Packing: which box from the catalogue fits an order's items, and what the parcel weighs for the carrier.

Dimensional (volumetric) weight = length x width x height / divisor. With millimetres and the usual
divisor in cm3 per kg (5000 for most couriers), mm3 / divisor is grams exactly:
1 cm3 = 1000 mm3 and cm3 / 5000 kg = cm3 / 5 g = mm3 / 5000 g. Chargeable weight = max(actual, dimensional).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import DomainError

DEFAULT_DIM_DIVISOR = 5000
# Items never fill a box completely: leave room for their shapes and the padding.
FILL_FACTOR = 0.85


class PackingError(DomainError):
    """A parcel that cannot be recorded (unknown box, bad weight)."""

    code = "pack.invalid"
    status = 422


class Box:
    """A box of the catalogue: inner dimensions (mm), the weight it holds and its own weight (g)."""

    id = None  # given when stored

    def __init__(self, code: str, name: str, inner_length_mm: int, inner_width_mm: int, inner_height_mm: int,
                 max_weight_grams: int, tare_grams: int = 0, active: bool = True):
        self.code = code
        self.name = name
        self.inner_length_mm = inner_length_mm
        self.inner_width_mm = inner_width_mm
        self.inner_height_mm = inner_height_mm
        self.max_weight_grams = max_weight_grams
        self.tare_grams = tare_grams
        self.active = active

    @property
    def dims(self) -> tuple:
        """Inner dimensions, largest first."""
        return tuple(sorted((self.inner_length_mm, self.inner_width_mm, self.inner_height_mm), reverse=True))

    @property
    def volume_mm3(self) -> int:
        return self.inner_length_mm * self.inner_width_mm * self.inner_height_mm


@dataclass(frozen=True)
class Item:
    """Units of one product to pack: their size (mm) and weight (g) each."""

    sku: str
    length_mm: int
    width_mm: int
    height_mm: int
    weight_grams: int
    quantity: int = 1

    @property
    def dims(self) -> tuple:
        return tuple(sorted((self.length_mm, self.width_mm, self.height_mm), reverse=True))

    @property
    def volume_mm3(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm * self.quantity


@dataclass(frozen=True)
class BoxSuggestion:
    """The box to use, the expected parcel weight and what the carrier will charge for."""

    box: Box | None
    actual_grams: int
    dimensional_grams: int
    chargeable_grams: int
    reason: str = ""


def dimensional_weight_grams(length_mm: int, width_mm: int, height_mm: int, divisor: int = DEFAULT_DIM_DIVISOR) -> int:
    """L x W x H / divisor, in grams (rounded up, as carriers do)."""
    if divisor <= 0:
        raise PackingError("The dimensional weight divisor must be positive.", code="pack.bad_divisor")
    return math.ceil(length_mm * width_mm * height_mm / divisor)


def chargeable_weight_grams(actual_grams: int, length_mm: int, width_mm: int, height_mm: int,
                            divisor: int = DEFAULT_DIM_DIVISOR) -> int:
    """What a carrier bills: the larger of the real and the dimensional weight."""
    return max(actual_grams, dimensional_weight_grams(length_mm, width_mm, height_mm, divisor))


def fits(box: Box, items) -> bool:
    """Every item fits the box in some rotation, their volume fits with room to spare, the box holds the weight."""
    items = [i for i in items if i.quantity > 0]
    for item in items:
        if any(i > b for i, b in zip(item.dims, box.dims)):
            return False
    volume = sum(i.volume_mm3 for i in items)
    weight = sum(i.weight_grams * i.quantity for i in items)
    return volume <= box.volume_mm3 * FILL_FACTOR and weight <= box.max_weight_grams


def items_to_pack(pick_lines, products: dict) -> list[Item]:
    """What goes in an order's parcel: every unit of its pick lines (picked, or still to pick), with the size and
    weight of its product (`products`: product_id -> product; a size not recorded counts as 1 mm)."""
    units: dict = {}
    for line in pick_lines:
        units[line.product_id] = units.get(line.product_id, 0) + (line.picked_quantity or line.remaining)
    items = []
    for product_id, quantity in units.items():
        p = products[product_id]
        items.append(Item(p.sku, p.length_mm or 1, p.width_mm or 1, p.height_mm or 1, p.weight_g or 0, quantity))
    return items


def suggest_box(items, boxes, divisor: int = DEFAULT_DIM_DIVISOR) -> BoxSuggestion:
    """The smallest active box (by volume, then tare) that fits the items, with the parcel's weights."""
    items = [i for i in items if i.quantity > 0]
    goods = sum(i.weight_grams * i.quantity for i in items)
    candidates = sorted((b for b in boxes if b.active), key=lambda b: (b.volume_mm3, b.tare_grams, b.code))
    for box in candidates:
        if fits(box, items):
            actual = goods + box.tare_grams
            dimensional = dimensional_weight_grams(box.inner_length_mm, box.inner_width_mm, box.inner_height_mm,
                                                   divisor)
            return BoxSuggestion(box, actual, dimensional, max(actual, dimensional))
    return BoxSuggestion(None, goods, 0, goods,
                         reason="No box in the catalogue fits these items together: split them over "
                                "several parcels.")
