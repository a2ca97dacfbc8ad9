"""Stock handlers: adjustments and receipts, each one ledger movement."""
from __future__ import annotations

from ..domain import commands
from ..domain.access import Actor, Role, require_role, require_warehouse
from ..domain.errors import NotFound, StockError
from ..domain.stock import MovementReason, StockLevel
from .reservations import stock_event
from .unit_of_work import UnitOfWork
from .settings import Settings

MANUAL_REASONS = {MovementReason.RECEIVED, MovementReason.ADJUSTMENT, MovementReason.COUNT,
                  MovementReason.EXPECTED}


def _locked_or_new_level(uow: UnitOfWork, warehouse_id: int, product_id: int) -> StockLevel:
    """The product's level in the warehouse, locked; a new empty one (stored now) if it had none."""
    level = uow.stock.lock_level(warehouse_id, product_id)
    if level is None:
        level = StockLevel(warehouse_id, product_id)
        uow.stock.add_level(level)
    return level


def adjust_stock(cmd: commands.AdjustStock, actor: Actor, uow: UnitOfWork, settings: Settings) -> StockLevel:
    """Apply a manual stock change (receipt, correction, expected delivery) to one level."""
    require_role(actor, Role.OWNER, Role.MANAGER, Role.FLOOR)
    require_warehouse(actor, cmd.warehouse_id)
    reason = MovementReason(cmd.reason)
    if reason not in MANUAL_REASONS:
        raise StockError(f"'{reason.value}' movements are made by orders, not by hand.", code="stock.reason_not_manual",
                         field="reason")
    if cmd.on_hand_delta == 0 and cmd.incoming_delta == 0:
        raise StockError("Nothing to change: both deltas are zero.", code="stock.empty_adjustment", field="on_hand_delta")
    if uow.catalogue.warehouse(cmd.warehouse_id) is None:
        raise NotFound("No such warehouse.", field="warehouse_id")
    if uow.catalogue.product(cmd.product_id) is None:
        raise NotFound("No such product.", field="product_id")
    level = _locked_or_new_level(uow, cmd.warehouse_id, cmd.product_id)
    if cmd.expected_on_hand is not None and level.on_hand != cmd.expected_on_hand:
        # The difference was worked out from a number that is no longer true: applying it would be wrong.
        raise StockError(f"On hand changed from {cmd.expected_on_hand} to {level.on_hand} since this count was "
                         "started; count the shelf again.", code="stock.count_stale", field="on_hand_delta")
    movement = level.apply(reason, on_hand_delta=cmd.on_hand_delta, incoming_delta=cmd.incoming_delta,
                           note=cmd.note, actor_id=actor.user_id)
    uow.stock.add_movement(movement)
    uow.publish(stock_event("stock.adjusted", level, movement, None))
    uow.commit()
    return level


def assign_bin(cmd: commands.AssignBin, actor: Actor, uow: UnitOfWork, settings: Settings) -> StockLevel:
    """Say where a product is shelved in a warehouse (pick lists walk bins in code order)."""
    require_role(actor, Role.OWNER, Role.MANAGER, Role.FLOOR)
    require_warehouse(actor, cmd.warehouse_id)
    bin_id = uow.picking.bin_id(cmd.warehouse_id, cmd.bin_code)
    if bin_id is None:
        raise NotFound(f"No bin {cmd.bin_code} in this warehouse.", field="bin_code")
    if uow.catalogue.product(cmd.product_id) is None:
        raise NotFound("No such product.", field="product_id")
    level = _locked_or_new_level(uow, cmd.warehouse_id, cmd.product_id)
    level.bin_id = bin_id
    uow.commit()
    return level
