"""An API write begins its write transaction before reading its token, and the change then runs in that same
transaction; any other read transaction is ended before a change, so changes start on fresh data.

The statements SQLite receives are traced on every connection the pool hands out, so each test reads what
the database saw: which transactions began and ended, on which connection, around which statements.
"""
import threading

import pytest
import sqlalchemy as sa

from backend.adapters.precompiled import Precompiled
from backend.adapters.records import User
from backend.adapters.sqlite import begin_write, fresh_write
from backend.extensions import db
from backend.tokens import token_holder
from tests.factories import Shop, issue_token

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SELECT")
_NO_ONES_NAME = Precompiled(sa.update(User.__table__).where(User.__table__.c.id == -1).values(name="nobody"))


@pytest.fixture
def seen(app):
    """(connection, statement) of every transaction step and SELECT the database receives, in order."""
    log = []

    def trace(dbapi_connection, _record, _proxy):
        dbapi_connection.set_trace_callback(
            lambda sql: log.append((id(dbapi_connection), sql.strip())) if sql.split()[0].upper() in _CONTROL
            else None)

    with app.app_context():
        db.session.remove()
        db.engine.pool.dispose()  # connections made before the trace would go unseen
        sa.event.listen(db.engine, "checkout", trace)
        yield log
        db.session.remove()
        sa.event.remove(db.engine, "checkout", trace)


def statements(log):
    return [sql for _, sql in log]


def test_an_api_writes_token_is_read_on_its_connection_and_the_change_queues_for_the_write_lock_after(app, seen):
    """One connection and one transaction; the write lock is taken for the change, not for the token lookup."""
    assert token_holder("an-unknown-token", for_write=True) is None
    with fresh_write(db.session) as session:
        session.execute(sa.text("SELECT 2"))  # the change
        session.commit()
    lookup, *rest = statements(seen)
    assert lookup.startswith("SELECT api_token.id") and rest == ["BEGIN IMMEDIATE", "SELECT 2", "COMMIT"]
    assert len({connection for connection, _ in seen}) == 1


def test_a_write_begun_before_the_change_is_kept_by_it(app, seen):
    begin_write(db.session)
    db.session.execute(sa.text("SELECT 1"))  # a read in the write (a floor user's warehouses, say)
    with fresh_write(db.session) as session:
        session.execute(sa.text("SELECT 2"))  # the change
        session.commit()
    assert statements(seen) == ["BEGIN IMMEDIATE", "SELECT 1", "SELECT 2", "COMMIT"]
    assert len({connection for connection, _ in seen}) == 1


def test_a_read_transaction_is_ended_before_a_change(app, seen):
    db.session.execute(sa.text("SELECT 1"))
    with fresh_write(db.session) as session:
        session.execute(sa.text("SELECT 2"))
        session.rollback()
    assert statements(seen) == ["BEGIN", "SELECT 1", "ROLLBACK", "BEGIN IMMEDIATE", "SELECT 2", "ROLLBACK"]


def test_after_a_commit_the_next_change_starts_a_new_transaction(app, seen):
    begin_write(db.session)
    db.session.execute(sa.text("SELECT 0"))
    db.session.commit()
    db.session.execute(sa.text("SELECT 1"))
    with fresh_write(db.session) as session:
        session.execute(sa.text("SELECT 2"))
        session.rollback()
    assert statements(seen) == ["BEGIN IMMEDIATE", "SELECT 0", "COMMIT", "BEGIN", "SELECT 1", "ROLLBACK",
                                "BEGIN IMMEDIATE", "SELECT 2", "ROLLBACK"]


def test_the_orm_joins_a_begun_write_and_its_commit_keeps_both(app, seen):
    """A write begun for the request, then ORM work in it (an Idempotency-Key, say): one transaction, one commit."""
    _, email = Shop(app).user("owner")
    with app.app_context():
        seen.clear()
        begin_write(db.session)
        db.session.execute(sa.text("SELECT 1"))
        owner = db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
        owner.name = "Olive Owner"
        db.session.commit()
        assert [sql for sql in statements(seen) if not sql.startswith("SELECT users")] == \
            ["BEGIN IMMEDIATE", "SELECT 1", "COMMIT"]
        assert len({connection for connection, _ in seen}) == 1
        db.session.remove()
        assert db.session.get(User, owner.id).name == "Olive Owner"


@pytest.mark.parametrize("end", ["rollback", "remove"])
def test_a_begun_write_that_ends_without_commit_keeps_nothing_and_lets_the_next_writer_in(app, seen, end):
    Shop(app).user("owner")
    with app.app_context():
        begin_write(db.session)
        db.session.execute(sa.update(User).values(name="Never Saved"))
        db.session.rollback() if end == "rollback" else db.session.remove()
        # Another thread's write starts at once: the first one gave its turn back (it would wait 30 s).
        started = threading.Event()

        def other_writer():
            with app.app_context():
                begin_write(db.session)
                started.set()
                db.session.rollback()

        thread = threading.Thread(target=other_writer)
        thread.start()
        assert started.wait(10)
        thread.join()
        assert "Never Saved" not in db.session.execute(sa.select(User.name)).scalars().all()
    assert ("ROLLBACK" in statements(seen)) and statements(seen)[0] == "BEGIN IMMEDIATE"


def test_a_begun_write_committed_without_the_orm_is_still_heard_by_after_commit_listeners(app, seen):
    """`make run`'s outbox relay wakes on after_commit: a write that never touched the ORM must wake it too."""
    heard = []

    def listener(session):
        heard.append(session)

    sa.event.listen(db.session, "after_commit", listener)
    try:
        begin_write(db.session)
        _NO_ONES_NAME.run(db.session)  # a compiled statement: the ORM takes no part
        db.session.commit()
    finally:
        sa.event.remove(db.session, "after_commit", listener)
    assert statements(seen) == ["BEGIN IMMEDIATE", "COMMIT"]
    assert heard == [db.session()]


def test_a_refused_order_body_never_queues_for_the_write_lock(app, seen):
    """The body is checked before the write begins: a bad one is answered without taking SQLite's write lock."""
    user_id, _ = Shop(app).user("owner")
    with app.app_context():
        _, token = issue_token(db.session.get(User, user_id), "tests")
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/orders", headers=headers).status_code == 200  # notes the token's first use
    seen.clear()
    response = client.post("/api/v1/orders", json={"customer_id": "first", "lines": []}, headers=headers)
    assert response.status_code == 422 and "customer_id" in response.json["errors"]
    assert any(sql.startswith("SELECT api_token.id") for sql in statements(seen))  # the token was read
    assert "BEGIN IMMEDIATE" not in statements(seen)
