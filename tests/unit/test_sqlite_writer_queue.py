"""SQLite writers of one process queue for their turn instead of sleeping in SQLite's busy handler.

Each test turns SQLite's own busy timeout off, so a writer that did not wait its turn in the queue
fails at once with "database is locked": these tests fail if the queue is taken away.
"""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from backend.adapters import sqlite

md = sa.MetaData()
counters = sa.Table("counter", md, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("value", sa.Integer, nullable=False))


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'queue.db'}", pool_size=10, max_overflow=10)
    sqlite.tune(engine)

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection, _record):  # runs after tune's listener: only the queue makes writers wait
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(counters.insert().values(id=1, value=0))
    yield engine
    engine.dispose()


def _increment(engine, pause_s: float = 0.0) -> None:
    """Read the counter, think, write it back: a read-modify-write that only a real write lock keeps right."""
    with sqlite.write_intent(), engine.begin() as conn:
        value = conn.execute(sa.select(counters.c.value).where(counters.c.id == 1)).scalar_one()
        time.sleep(pause_s)
        conn.execute(counters.update().where(counters.c.id == 1).values(value=value + 1))


def _value(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(counters.c.value)).scalar_one()


def _run_threads(count: int, target) -> list:
    errors = []

    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - every failure is collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_concurrent_writers_take_turns_and_none_is_refused_or_lost(engine):
    errors = _run_threads(8, lambda: [_increment(engine, pause_s=0.001) for _ in range(15)])
    assert errors == []
    assert _value(engine) == 120


def test_a_writer_waits_for_the_one_writing_and_goes_on_once_it_commits(engine):
    inside, release = threading.Event(), threading.Event()
    finished = []

    def first():
        with sqlite.write_intent(), engine.begin() as conn:
            conn.execute(counters.update().values(value=counters.c.value + 1))
            inside.set()
            release.wait(10)
            finished.append("first")  # about to commit: the second writer cannot be done before this

    def second():
        inside.wait(10)
        _increment(engine)
        finished.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(10)
    time.sleep(0.2)
    assert finished == []  # the second writer is still queued, not failed
    release.set()
    for thread in threads:
        thread.join(10)
    assert finished == ["first", "second"]  # it went on after the commit, not before
    assert _value(engine) == 2


def test_a_write_that_fails_and_rolls_back_gives_the_turn_to_the_next_writer(engine):
    with pytest.raises(RuntimeError), sqlite.write_intent(), engine.begin() as conn:
        conn.execute(counters.update().values(value=99))
        raise RuntimeError("the handler failed")
    assert _run_threads(1, lambda: _increment(engine)) == []
    assert _value(engine) == 1


def test_a_connection_invalidated_mid_write_gives_the_turn_back(engine):
    conn = engine.connect()
    with sqlite.write_intent():
        conn.begin()
    conn.invalidate()
    conn.close()
    assert _run_threads(1, lambda: _increment(engine)) == []
    assert _value(engine) == 1


def test_readers_never_queue_behind_a_writer(engine):
    inside, release = threading.Event(), threading.Event()

    def writer():
        with sqlite.write_intent(), engine.begin() as conn:
            conn.execute(counters.update().values(value=5))
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(10)
        started = time.monotonic()
        assert _value(engine) == 0  # WAL: the committed value
        assert time.monotonic() - started < 5  # not after the queue's 30 s wait
    finally:
        release.set()
        thread.join(10)
    assert _value(engine) == 5


def test_a_write_refused_by_another_process_lock_is_sqlalchemys_error_and_frees_the_turn(engine, tmp_path):
    other_process = sqlite3.connect(tmp_path / "queue.db", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # e.g. a CLI command writing; no busy wait in this test
    try:
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            _increment(engine)
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
    assert _run_threads(1, lambda: _increment(engine)) == []  # the failed BEGIN gave its turn back
    assert _value(engine) == 1
