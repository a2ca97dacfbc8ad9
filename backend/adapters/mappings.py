"""Which table stores each domain class, and which lists of children an aggregate owns (data_mapper.py)."""
from __future__ import annotations

from ..domain.catalogue import BinLocation, Customer, Product, Warehouse
from ..domain.delivery import Blob, CashSettlement, DeliveryAttempt, DeliveryProof
from ..domain.dispatch import DeliveryRun, RunStop
from ..domain.orders import LineAllocation, Order, OrderLine
from ..domain.packing import Box
from ..domain.picking import PickLine, PickList
from ..domain.shipping import Shipment
from ..domain.stock import StockLevel
from .data_mapper import DataMapper
from .row_mapping import Children, Mapping
from .fulfilment_tables import (blobs, boxes, cash_settlements, delivery_attempts, delivery_proofs, delivery_runs,
                                pick_lines, pick_lists, run_stops, shipments)
from .tables import bins, customers, line_allocations, order_lines, orders, products, stock_levels, warehouses

PRODUCT = Mapping(Product, products)
WAREHOUSE = Mapping(Warehouse, warehouses)
BIN = Mapping(BinLocation, bins)
CUSTOMER = Mapping(Customer, customers)
STOCK_LEVEL = Mapping(StockLevel, stock_levels)

LINE_ALLOCATION = Mapping(LineAllocation, line_allocations, batch_key=("order_line_id", "warehouse_id"))
ORDER_LINE = Mapping(OrderLine, order_lines, [Children("allocations", LINE_ALLOCATION, "order_line_id")])
ORDER = Mapping(Order, orders, [Children("lines", ORDER_LINE, "order_id")])

SHIPMENT = Mapping(Shipment, shipments)
RUN_STOP = Mapping(RunStop, run_stops)
DELIVERY_RUN = Mapping(DeliveryRun, delivery_runs, [Children("stops", RUN_STOP, "run_id", order_by=("position", "id"))])

BLOB = Mapping(Blob, blobs)
DELIVERY_PROOF = Mapping(DeliveryProof, delivery_proofs)
DELIVERY_ATTEMPT = Mapping(DeliveryAttempt, delivery_attempts)
CASH_SETTLEMENT = Mapping(CashSettlement, cash_settlements)

PICK_LINE = Mapping(PickLine, pick_lines)
PICK_LIST = Mapping(PickList, pick_lists, [Children("lines", PICK_LINE, "pick_list_id")])
BOX = Mapping(Box, boxes)

# Every stored domain class: what DataMapper.add and .get look a class up in.
MAPPINGS = {m.cls: m for m in (PRODUCT, WAREHOUSE, BIN, CUSTOMER, STOCK_LEVEL, LINE_ALLOCATION, ORDER_LINE, ORDER,
                               SHIPMENT, RUN_STOP, DELIVERY_RUN, BLOB, DELIVERY_PROOF, DELIVERY_ATTEMPT,
                               CASH_SETTLEMENT, PICK_LINE, PICK_LIST, BOX)}


def reader(session) -> DataMapper:
    """A data mapper for reads outside a unit of work: pages and API answers (it never writes)."""
    return DataMapper(session, MAPPINGS)
