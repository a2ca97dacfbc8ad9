"""On PostgreSQL, a batch pushed again while the first push is still running is applied exactly once."""
from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa

from backend.adapters.tables import stock_levels, stock_movements
from backend.adapters.records import SyncCommand, User
from backend.extensions import db
from tests.factories import issue_token, standard_shop


def test_the_same_batch_pushed_by_six_racing_requests_is_applied_once(pg_app):
    shop = standard_shop(pg_app)
    user_id, _ = shop.user("floor", warehouses=("LON",))
    with pg_app.app_context():
        _, token = issue_token(db.session.get(User, user_id))
    device = str(uuid.uuid4())
    batch = [{"id": str(uuid.uuid4()), "seq": n, "type": "stock.adjust", "v": 1,
              "payload": {"warehouse_id": shop.warehouses["LON"], "product_id": shop.products["MUG"],
                          "reason": "count", "on_hand_delta": -1}} for n in range(1, 6)]
    start, answers = threading.Barrier(6), []

    def send():
        client = pg_app.test_client()
        start.wait()
        answers.append(client.post("/api/v1/sync/push", headers={"Authorization": f"Bearer {token}"},
                                   json={"device_id": device, "commands": batch}))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200] * 6
    applied = [r for a in answers for r in a.get_json()["results"] if r["status"] == "applied"]
    assert sorted(r["seq"] for r in applied) == [1, 2, 3, 4, 5]
    with pg_app.app_context():
        on_hand = db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.warehouse_id == shop.warehouses["LON"],
            stock_levels.c.product_id == shop.products["MUG"])).scalar_one()
        counts = db.session.execute(sa.select(sa.func.count()).select_from(stock_movements)
                                    .where(stock_movements.c.reason == "count")).scalar_one()
        logged = db.session.execute(sa.select(sa.func.count()).select_from(SyncCommand)).scalar_one()
    assert (on_hand, counts, logged) == (40 - 5, 5, 5)
