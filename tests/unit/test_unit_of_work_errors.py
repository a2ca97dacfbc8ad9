"""The SQLAlchemy unit of work names a database error that ends it in the domain's words, after rolling back:
a broken constraint is DuplicateRow, PostgreSQL's deadlock and serialization failure are ConcurrentUpdate,
and anything else goes through as it is."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from backend.domain.errors import ConcurrentUpdate, DuplicateRow

md = sa.MetaData()
things = sa.Table("thing", md, sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("code", sa.String(10), nullable=False, unique=True))


@pytest.fixture
def session(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'u.db'}")
    md.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


class PostgresError(Exception):
    """What psycopg raises: its SQLSTATE on `sqlstate`."""

    def __init__(self, sqlstate):
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def test_a_broken_unique_constraint_is_a_duplicate_row_and_nothing_is_kept(session):
    with pytest.raises(DuplicateRow) as raised:
        with SqlAlchemyUnitOfWork(session):
            session.execute(things.insert(), [{"code": "A"}])
            session.execute(things.insert(), [{"code": "A"}])
    assert isinstance(raised.value.__cause__, sa.exc.IntegrityError)
    assert session.execute(sa.select(sa.func.count()).select_from(things)).scalar_one() == 0


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_serialization_failure_is_a_concurrent_update(session, sqlstate):
    with pytest.raises(ConcurrentUpdate) as raised:
        with SqlAlchemyUnitOfWork(session):
            raise OperationalError("UPDATE stock_level ...", {}, PostgresError(sqlstate))
    assert raised.value.__cause__.orig.sqlstate == sqlstate


def test_any_other_operational_error_goes_through_as_it_is(session):
    with pytest.raises(OperationalError, match="no such table"):
        with SqlAlchemyUnitOfWork(session):
            session.execute(sa.text("SELECT * FROM nowhere"))
    with pytest.raises(OperationalError, match="57014"):
        with SqlAlchemyUnitOfWork(session):
            raise OperationalError("SELECT ...", {}, PostgresError("57014"))  # query cancelled: not retried


def test_an_error_of_the_handler_goes_through_untouched(session):
    with pytest.raises(LookupError):
        with SqlAlchemyUnitOfWork(session):
            raise LookupError("not a database error")
