"""A phone's `stock.count` v1 replayed on PostgreSQL: it counts a product into a warehouse that has no stock
level for it yet (the level is made in the same transaction as its movement), and a count from an on-hand that
moved since is refused with nothing written."""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from backend.adapters.records import User
from backend.adapters.tables import stock_levels, stock_movements
from backend.extensions import db
from tests.factories import issue_token, standard_shop


def _push(app, token, commands):
    envelopes = [{"id": str(uuid.uuid4()), "seq": n, "type": "stock.count", "v": 1, "payload": payload}
                 for n, payload in enumerate(commands, 1)]
    response = app.test_client().post("/api/v1/sync/push", headers={"Authorization": f"Bearer {token}"},
                                      json={"device_id": str(uuid.uuid4()), "commands": envelopes})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def _level_and_counts(app, warehouse_id, product_id):
    with app.app_context():
        on_hand = db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.product_id == product_id)).scalar()
        counts = db.session.execute(sa.select(sa.func.count()).select_from(stock_movements).where(
            stock_movements.c.reason == "count", stock_movements.c.warehouse_id == warehouse_id,
            stock_movements.c.product_id == product_id)).scalar_one()
        db.session.remove()
    return on_hand, counts


def test_a_count_makes_the_missing_level_and_a_stale_count_is_refused_on_postgresql(pg_app):
    shop = standard_shop(pg_app)
    user_id, _ = shop.user("floor", email="pat@example.com", warehouses=("LON",))
    with pg_app.app_context():
        _, token = issue_token(db.session.get(User, user_id))
    lon, tee = shop.warehouses["LON"], shop.products["TEE"]  # TEE is stocked in Manchester only
    assert _level_and_counts(pg_app, lon, tee) == (None, 0)
    count = {"warehouse_id": lon, "product_id": tee, "on_hand_delta": 6, "expected_on_hand": 0}
    results = _push(pg_app, token, [count, count])  # the second was worked out from the same 0: now stale
    assert [(r["status"], r.get("code")) for r in results] == [("applied", None), ("rejected", "stock.count_stale")]
    assert _level_and_counts(pg_app, lon, tee) == (6, 1)
