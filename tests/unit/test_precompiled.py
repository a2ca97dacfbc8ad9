"""Precompiled statements behave like SQLAlchemy's own execution: same types, errors and transaction."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.adapters.tables import UTCDateTime
from backend.adapters.precompiled import Precompiled, PrecompiledInsert

md = sa.MetaData()
things = sa.Table("thing", md, sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("code", sa.String(10), nullable=False, unique=True),
                  sa.Column("data", sa.JSON, nullable=False), sa.Column("seen_at", UTCDateTime, nullable=False),
                  sa.Column("active", sa.Boolean, nullable=False))
COLUMNS = ("code", "data", "seen_at", "active")
INSERT = PrecompiledInsert(things, COLUMNS)
BY_CODE = Precompiled(sa.select(things).where(things.c.code == sa.bindparam("code", type_=sa.String)))
NOON = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def session(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'p.db'}")
    md.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def row(i):
    return {"code": f"C{i}", "data": {"n": i, "tags": ["a"]}, "seen_at": NOON, "active": i % 2 == 0}


def test_many_rows_go_in_order_in_chunks_with_their_types(session):
    INSERT.run(session, [row(i) for i in range(120)])  # more than one statement's worth
    session.commit()
    stored = session.execute(sa.select(things).order_by(things.c.id)).all()
    assert [r.code for r in stored] == [f"C{i}" for i in range(120)]
    found = BY_CODE.run(session, {"code": "C7"})[0]
    assert (found.data, found.seen_at, found.active) == ({"n": 7, "tags": ["a"]}, NOON, False)
    assert found.seen_at.tzinfo is not None  # the column type's result processing ran


def test_a_driver_error_is_sqlalchemys_error_and_the_transaction_rolls_back(session):
    INSERT.run(session, [row(1)])
    with pytest.raises(IntegrityError):
        INSERT.run(session, [row(2), row(1)])
    session.rollback()
    assert session.execute(sa.select(sa.func.count()).select_from(things)).scalar_one() == 0


def test_nothing_is_kept_without_a_commit(session):
    INSERT.run(session, [row(3)])
    assert BY_CODE.run(session, {"code": "C3"})  # visible inside the transaction
    session.rollback()
    assert BY_CODE.run(session, {"code": "C3"}) == []
