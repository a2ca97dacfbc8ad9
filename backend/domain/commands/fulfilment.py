"""Commands of the floor and the dispatcher: pick lists, picks, packing, shipments and runs."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CreateShipment:
    """Hand a packed order to a carrier ('own_fleet' or an external carrier's code): label and tracking."""

    order_id: int
    carrier: str
    service: str = "standard"
    warehouse_id: int | None = None  # the part to ship; None: the packed part of the sender's warehouse


@dataclass(frozen=True)
class AssignToRun:
    """The office puts own-fleet shipments on a driver's run for a day (stops ordered nearest first)."""

    driver_id: int
    run_date: object  # datetime.date
    shipment_ids: tuple
    # When the run leaves on the shop's clock (datetime.time); None keeps the run's start (or the shop's usual).
    planned_start: object = None


@dataclass(frozen=True)
class MoveStop:
    """Move one stop of a run to another position (1..n)."""

    run_id: int
    stop_id: int
    position: int
    base_version: int | None = None


@dataclass(frozen=True)
class ReorderRun:
    """Put a run's stops in this order (the driver's own order); `base_version` is the run they saw."""

    run_id: int
    stop_ids: tuple
    base_version: int | None = None


@dataclass(frozen=True)
class StartRun:
    """The driver leaves with the run (or the office dispatches it): its orders go out for delivery."""

    run_id: int


@dataclass(frozen=True)
class CreatePickList:
    """A manager batches allocated orders of one warehouse into a pick list (no order ids: all waiting)."""

    warehouse_id: int
    order_ids: tuple = ()


@dataclass(frozen=True)
class ClaimPickList:
    """A picker asks for a pick list (a request: refused if another picker has it)."""

    pick_list_id: int


@dataclass(frozen=True)
class RecordPick:
    """A picker took `quantity` units for a pick line (a fact, as a delta); `scanned` is the barcode or SKU."""

    pick_line_id: int
    quantity: int = 1
    scanned: str | None = None


@dataclass(frozen=True)
class ScanPick:
    """A picker scanned a barcode on a pick list: one unit for the next line of that product."""

    pick_list_id: int
    scanned: str


@dataclass(frozen=True)
class ShortPick:
    """A picker found `missing` units fewer on the shelf than the line needs (a fact)."""

    pick_line_id: int
    missing: int


@dataclass(frozen=True)
class ClosePack:
    """A packer closes an order's parcel(s): ((box_code, weight_grams), ...) (a request, checked against base)."""

    order_id: int
    parcels: tuple
    base_version: int | None = None
    base_status: str | None = None
    warehouse_id: int | None = None  # the part to pack; None: the picked part of the packer's warehouse


@dataclass(frozen=True)
class ReduceOrderLine:
    """The office reduces an order line's quantity before it ships (stock released, pick lines shrunk)."""

    order_id: int
    order_line_id: int
    quantity: int
    reason: str = ""


@dataclass(frozen=True)
class AssignBin:
    """Say which bin of a warehouse a product is kept in (pick lists walk the bins in order)."""

    warehouse_id: int
    product_id: int
    bin_code: str


@dataclass(frozen=True)
class CreateBox:
    """Add a box to the packing catalogue."""

    code: str
    name: str
    inner_length_mm: int
    inner_width_mm: int
    inner_height_mm: int
    max_weight_grams: int
    tare_grams: int = 0
