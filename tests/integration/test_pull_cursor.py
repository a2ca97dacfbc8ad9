"""The pull cursor never skips a change whose transaction commits after a later one (PostgreSQL)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa

from backend.adapters.records import OutboxEvent, User
from backend.extensions import db
from tests.factories import issue_token, standard_shop


def _insert_event(conn, label: str) -> int:
    """Write one domain event as a service would, in the connection's open transaction."""
    return conn.execute(sa.insert(OutboxEvent.__table__).returning(OutboxEvent.__table__.c.id), {
        "event_id": str(uuid.uuid4()), "name": "stock.adjusted", "aggregate_type": "stock_level",
        "aggregate_id": 1, "aggregate_version": 1, "payload": {"label": label, "warehouse_id": 1},
        "occurred_at": datetime.now(timezone.utc)}).scalar_one()


def test_a_pull_between_two_out_of_order_commits_does_not_lose_the_slower_one(pg_app):
    shop = standard_shop(pg_app)
    user_id, _ = shop.user("owner")
    with pg_app.app_context():
        _, token = issue_token(db.session.get(User, user_id))
        engine = db.engine
    client = pg_app.test_client()

    def pull(cursor=None):
        query = {"cursor": cursor} if cursor else {}
        return client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {token}"},
                          query_string=query).get_json()

    cursor = pull()["cursor"]
    slow, fast = engine.connect(), engine.connect()
    try:
        slow.begin()
        slow_id = _insert_event(slow, "slow")      # takes the lower id and the older transaction...
        with fast.begin():
            fast_id = _insert_event(fast, "fast")  # ...but this one commits first
        assert fast_id > slow_id

        # What a plain "id > cursor" feed would do now: hand out the fast row and move past the slow id.
        with engine.connect() as conn:
            naive = conn.execute(sa.select(OutboxEvent.__table__.c.id).where(OutboxEvent.__table__.c.id > slow_id - 1)
                                 ).scalars().all()
        assert naive == [fast_id]

        between = pull(cursor)
        assert between["changes"] == []  # held back until the older transaction ends
        slow.commit()
    finally:
        slow.close()
        fast.close()

    after = pull(between["cursor"])
    assert [c["payload"]["label"] for c in after["changes"]] == ["slow", "fast"]
    assert pull(after["cursor"])["changes"] == []
