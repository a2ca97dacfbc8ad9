"""The stock ledger check every end-to-end flow finishes with: levels agree with their movements.

A flow that strands or double-counts stock (a short pick reallocated, a parcel returned to the warehouse,
an order cancelled and undone) shows up here as a level whose counters differ from the sum of its ledger
rows, or as a negative count or more reserved than is on the shelf.
"""
from __future__ import annotations

import sqlalchemy as sa

from backend.adapters.tables import stock_levels, stock_movements


def ledger_problems(connection) -> list[str]:
    """Every way the stock levels disagree with the ledger, in words; empty when it balances."""
    sums = (sa.select(stock_movements.c.warehouse_id, stock_movements.c.product_id,
                      sa.func.sum(stock_movements.c.on_hand_delta), sa.func.sum(stock_movements.c.reserved_delta),
                      sa.func.sum(stock_movements.c.incoming_delta))
            .group_by(stock_movements.c.warehouse_id, stock_movements.c.product_id))
    from_ledger = {(w, p): (int(a or 0), int(b or 0), int(c or 0)) for w, p, a, b, c in connection.execute(sums)}
    problems = []
    levels = connection.execute(sa.select(stock_levels.c.warehouse_id, stock_levels.c.product_id,
                                          stock_levels.c.on_hand, stock_levels.c.reserved,
                                          stock_levels.c.incoming))
    for warehouse_id, product_id, on_hand, reserved, incoming in levels:
        where = f"warehouse {warehouse_id} product {product_id}"
        summed = from_ledger.pop((warehouse_id, product_id), (0, 0, 0))
        if (on_hand, reserved, incoming) != summed:
            problems.append(f"{where}: level (on hand, reserved, incoming) {(on_hand, reserved, incoming)} "
                            f"but the ledger sums to {summed}")
        if min(on_hand, reserved, incoming) < 0 or reserved > on_hand:
            problems.append(f"{where}: impossible level on hand {on_hand}, reserved {reserved}")
    problems += [f"warehouse {w} product {p}: ledger rows {s} but no level" for (w, p), s in from_ledger.items()
                 if any(s)]
    return problems


def assert_ledger_balanced(engine) -> None:
    """Fail with every disagreement listed when the ledger does not balance."""
    with engine.connect() as connection:
        problems = ledger_problems(connection)
    assert not problems, "stock ledger out of balance:\n" + "\n".join(problems)
