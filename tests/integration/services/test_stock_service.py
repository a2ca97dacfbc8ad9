"""Stock adjustments through the bus: scoped to the floor's warehouses, never negative, always the ledger."""
import pytest
import sqlalchemy as sa

from backend.adapters.tables import stock_levels, stock_movements
from backend.adapters.records import OutboxEvent
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.errors import Forbidden
from backend.extensions import db
from tests.factories import refused, run, standard_shop


@pytest.fixture
def shop(app):
    return standard_shop(app)


# Actors are built directly where only role and scope matter: a real account costs an argon2 hash (~0.5 s).
MANAGER = Actor(user_id=None, role=Role.MANAGER)


@pytest.fixture
def floor_man(shop):
    """Floor staff assigned to Manchester only."""
    return Actor(user_id=None, role=Role.FLOOR, warehouse_ids=frozenset({shop.warehouses["MAN"]}))


def adjust(shop, code, sku, delta, reason="adjustment"):
    return commands.AdjustStock(shop.warehouses[code], shop.products[sku], reason, on_hand_delta=delta,
                                note="counted")


def levels(app) -> dict:
    """(on_hand, reserved, incoming) per (warehouse id, product id), as the level rows say."""
    with app.app_context():
        rows = db.session.execute(sa.select(stock_levels.c.warehouse_id, stock_levels.c.product_id,
                                            stock_levels.c.on_hand, stock_levels.c.reserved,
                                            stock_levels.c.incoming)).all()
    return {(w, p): (h, r, i) for w, p, h, r, i in rows}


def ledger_sums(app) -> dict:
    """(on_hand, reserved, incoming) per (warehouse id, product id), summed from the movement ledger."""
    m = stock_movements.c
    with app.app_context():
        rows = db.session.execute(sa.select(m.warehouse_id, m.product_id, sa.func.sum(m.on_hand_delta),
                                            sa.func.sum(m.reserved_delta), sa.func.sum(m.incoming_delta))
                                  .group_by(m.warehouse_id, m.product_id)).all()
    return {(w, p): (h, r, i) for w, p, h, r, i in rows}


def row_counts(app) -> tuple:
    """(levels, movements, outbox events)."""
    with app.app_context():
        return tuple(db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                     for t in (stock_levels, stock_movements, OutboxEvent.__table__))


def test_floor_staff_can_adjust_stock_in_their_own_warehouse(app, shop, floor_man):
    run(app, adjust(shop, "MAN", "MUG", -2), floor_man)
    assert levels(app)[(shop.warehouses["MAN"], shop.products["MUG"])] == (8, 0, 0)


def test_an_adjustment_is_written_to_the_ledger_with_who_and_why(app, shop):
    _, email = shop.user("floor", warehouses=("MAN",))
    floor_man = shop.actor(email)
    run(app, adjust(shop, "MAN", "TEE", 3, reason="received"), floor_man)
    m = stock_movements.c
    with app.app_context():
        row = db.session.execute(sa.select(m.reason, m.on_hand_delta, m.note, m.actor_id)
                                 .order_by(m.id.desc()).limit(1)).one()
    assert tuple(row) == ("received", 3, "counted", floor_man.user_id)


def test_floor_staff_cannot_adjust_stock_in_another_warehouse(app, shop, floor_man):
    before = row_counts(app)
    refused(app, adjust(shop, "LON", "MUG", -2), floor_man, Forbidden)
    assert row_counts(app) == before
    assert levels(app)[(shop.warehouses["LON"], shop.products["MUG"])] == (40, 0, 0)


def test_a_customer_cannot_adjust_stock(app, shop):
    casey = Actor(user_id=None, role=Role.CUSTOMER, customer_id=shop.customers["casey"])
    refused(app, adjust(shop, "MAN", "MUG", 5), casey, Forbidden)


def test_an_adjustment_that_would_make_on_hand_negative_is_refused_and_writes_nothing(app, shop, floor_man):
    before_counts, before_levels = row_counts(app), levels(app)
    error = refused(app, adjust(shop, "MAN", "MUG", -11), floor_man)
    assert error.code == "stock.negative_on_hand"
    assert (row_counts(app), levels(app)) == (before_counts, before_levels)


def test_an_adjustment_of_a_product_never_stocked_there_writes_nothing_when_refused(app, shop, floor_man):
    before = row_counts(app)
    error = refused(app, adjust(shop, "MAN", "LAMP", -1), floor_man)  # no LAMP level in Manchester yet
    assert error.code == "stock.negative_on_hand"
    assert row_counts(app) == before


def test_units_promised_to_orders_cannot_be_adjusted_away(app, shop, floor_man):
    shop.place(MANAGER, [("MUG", 8)])  # reserved in Manchester, the nearest to Leeds
    error = refused(app, adjust(shop, "MAN", "MUG", -3), floor_man)
    assert error.code == "stock.insufficient"


def test_order_movements_cannot_be_made_by_hand(app, shop, floor_man):
    error = refused(app, adjust(shop, "MAN", "MUG", 1, reason="reserved"), floor_man)
    assert error.code == "stock.reason_not_manual"


def test_stock_levels_equal_the_ledger_sums_after_a_mixed_scenario(app, shop, floor_man):
    manager = MANAGER
    accepted = shop.place(manager, [("MUG", 3), ("TEE", 1)])
    short = shop.place(manager, [("LAMP", 10)])
    split = shop.place(manager, [("LAMP", 1), ("TEE", 2)])
    held = shop.place(manager, [("MUG", 2)], billing_address={"country": "FR"})
    run(app, commands.AcceptOrder(accepted), manager)
    run(app, commands.RejectOrder(short), manager)
    shop.stock("LAMP", "MAN", 4)
    run(app, commands.CancelOrder(split), manager)
    run(app, commands.RejectPaymentHold(held), manager)
    run(app, adjust(shop, "MAN", "MUG", -1), floor_man)
    run(app, commands.AdjustStock(shop.warehouses["MAN"], shop.products["TEE"], "expected", incoming_delta=6),
        floor_man)
    late = shop.place(manager, [("LAMP", 3), ("MUG", 4)])
    run(app, commands.AcceptOrder(late), manager)

    assert levels(app) == ledger_sums(app)
    assert sum(reserved for _, reserved, _ in levels(app).values()) == 3 + 1 + 3 + 4
