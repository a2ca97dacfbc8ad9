"""Pick lists: allocated orders of one warehouse batched into one walk, lines sorted by bin.

A picker claims a list, records picks (scan, hardware scanner or tap: always a delta) and reports what
is missing on the shelf (a short pick). Progress is derived from the lines, never stored twice.
"""
from __future__ import annotations

from enum import Enum

from .errors import DomainError
from .events import utcnow


class PickListStatus(str, Enum):
    """Open (nobody has it), claimed (a picker walks it), done (every line picked or reported short)."""

    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"


class PickingError(DomainError):
    """A pick that cannot be recorded as asked (wrong item, bad quantity)."""

    code = "pick.invalid"
    status = 409


def bin_sort_key(bin_code: str | None, sku: str) -> tuple:
    """Walking order: shelved lines by bin code (A-01-02 before A-02-01), then SKU; lines without a bin last."""
    return (bin_code is None, bin_code or "", sku)


class PickLine:
    """Units of one order line to take from one bin."""

    id = None  # given when stored
    pick_list_id = None  # set when its list is stored

    def __init__(self, order_id: int, order_line_id: int, product_id: int, sku: str, bin_code: str | None,
                 quantity: int, barcode: str | None = None):
        if quantity <= 0:
            raise PickingError("A pick line needs at least one unit.", code="pick.bad_quantity")
        self.order_id = order_id
        self.order_line_id = order_line_id
        self.product_id = product_id
        self.sku = sku
        self.bin_code = bin_code
        self.barcode = barcode
        self.quantity = quantity
        self.picked_quantity = 0
        self.short_quantity = 0

    @property
    def remaining(self) -> int:
        """Units still to take from the shelf (never negative)."""
        return max(self.quantity - self.picked_quantity - self.short_quantity, 0)

    @property
    def complete(self) -> bool:
        """Every unit was picked or reported missing."""
        return self.remaining == 0

    def matches(self, scanned: str | None) -> bool:
        """A scanned barcode (or typed SKU) names this line's product; nothing scanned (a tap) always matches."""
        if not scanned:
            return True
        code = scanned.strip()
        return code == (self.barcode or "") or code.upper() == self.sku.upper()

    def pick(self, quantity: int) -> None:
        """Add picked units (the rule has already capped them at what is still needed)."""
        if quantity < 0:
            raise PickingError("A pick cannot be negative.", code="pick.bad_quantity")
        self.picked_quantity += quantity

    def report_short(self, missing: int) -> int:
        """Record units not found on the shelf; returns how many count (at most what was still to pick)."""
        if missing <= 0:
            raise PickingError("Say how many units are missing (at least one).", code="pick.bad_quantity",
                               field="missing")
        counted = min(missing, self.remaining)
        self.short_quantity += counted
        return counted

    def shrink(self, units: int) -> int:
        """The order needs `units` fewer (the office reduced it); returns units already picked beyond the need."""
        self.quantity = max(self.quantity - units, 0)
        return max(self.picked_quantity - (self.quantity - self.short_quantity), 0)


class PickList:
    """Lines of several orders in one warehouse, walked in bin order by the picker who claimed it."""

    id = None  # given when stored

    def __init__(self, warehouse_id: int, created_by_id: int | None = None):
        self.warehouse_id = warehouse_id
        self.created_by_id = created_by_id
        self.status = PickListStatus.OPEN.value
        self.claimed_by_id = None
        self.claimed_at = None
        self.version = 1
        self.created_at = utcnow()
        self.lines = []

    def add_line(self, line: PickLine) -> None:
        """Add a line; the walk order is derived from bins (see `walk`)."""
        self.lines.append(line)

    @property
    def walk(self) -> list:
        """Lines in the order a picker meets them on the shelves."""
        return sorted(self.lines, key=lambda l: (*bin_sort_key(l.bin_code, l.sku), l.order_id, l.id or 0))

    @property
    def order_ids(self) -> list:
        """The orders on this list, in the order they were added."""
        seen = []
        for line in self.lines:
            if line.order_id not in seen:
                seen.append(line.order_id)
        return seen

    def lines_of(self, order_id: int) -> list:
        """This list's lines of one order."""
        return [line for line in self.lines if line.order_id == order_id]

    @property
    def progress(self) -> dict:
        """Units picked, short and still to pick, and lines done (derived, never stored)."""
        return {"lines": len(self.lines), "lines_done": sum(1 for l in self.lines if l.complete),
                "units": sum(l.quantity for l in self.lines),
                "picked": sum(l.picked_quantity for l in self.lines),
                "short": sum(l.short_quantity for l in self.lines),
                "remaining": sum(l.remaining for l in self.lines)}

    def claim(self, actor_id: int) -> None:
        """Give the list to a picker (the sync rule has checked nobody else has it)."""
        self.claimed_by_id = actor_id
        self.claimed_at = utcnow()
        if self.status == PickListStatus.OPEN.value:
            self.status = PickListStatus.CLAIMED.value
        self.version += 1

    def touched(self) -> None:
        """A line changed: bump the version and close the list once every line is done."""
        self.version += 1
        if self.lines and all(line.complete for line in self.lines):
            self.status = PickListStatus.DONE.value
        elif self.status == PickListStatus.DONE.value:
            self.status = PickListStatus.CLAIMED.value if self.claimed_by_id else PickListStatus.OPEN.value


def order_fully_picked(lines, allocated_by_line: dict) -> bool:
    """Every unit still allocated to the order (in these lines' warehouse) has been picked.

    `allocated_by_line` maps order_line_id -> units allocated now in the list's warehouse.
    """
    if not lines:
        return False
    picked: dict = {}
    for line in lines:
        if not line.complete:
            return False
        picked[line.order_line_id] = picked.get(line.order_line_id, 0) + line.picked_quantity
    return all(picked.get(line_id, 0) >= units for line_id, units in allocated_by_line.items() if units > 0)


def uncovered_units(order, warehouse_id: int, covered: dict) -> dict:
    """order_line_id -> units reserved in the warehouse that no pick line covers yet."""
    result = {}
    for line in order.lines:
        here = sum(a.quantity for a in line.allocations if a.warehouse_id == warehouse_id)
        missing = here - covered.get(line.id, 0)
        if missing > 0:
            result[line.id] = missing
    return result


def ready_to_pack(order, pick_lines) -> bool:
    """Every unit the order still has allocated was picked on these lines, and nothing is missing (backordered)."""
    allocated = {line.id: line.allocated_quantity for line in order.lines}
    return order.fully_allocated and order_fully_picked(pick_lines, allocated)
