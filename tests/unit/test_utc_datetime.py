"""UTCDateTime stores the text SQLAlchemy's own SQLite DATETIME would, and reads it back as the same instant."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from backend.adapters.tables import UTCDateTime

MOMENTS = [
    datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc),  # no microseconds: still written with them
    datetime(2026, 11, 29, 10, 0, 0, 7, tzinfo=timezone.utc),
    datetime(2026, 3, 29, 1, 30, 59, 999999, tzinfo=timezone(timedelta(hours=2))),  # another zone: stored as UTC
    datetime(999, 1, 2, 3, 4, 5, tzinfo=timezone.utc),  # a short year is zero-padded
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_the_sqlite_text_is_the_one_sqlalchemys_datetime_writes(moment):
    dialect = sqlite.dialect()
    ours = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    theirs = sa.DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours(moment) == theirs(moment.astimezone(timezone.utc).replace(tzinfo=None))
    assert ours(None) is None


def test_one_processor_writing_moments_in_turn_and_again_gives_each_its_own_text():
    # The processor keeps the last moment's text: a repeat, a change and a return must each be right.
    dialect = sqlite.dialect()
    ours = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    theirs = sa.DateTime().dialect_impl(dialect).bind_processor(dialect)
    for moment in [MOMENTS[0], MOMENTS[0], MOMENTS[1], MOMENTS[2], MOMENTS[1], MOMENTS[0], MOMENTS[3], MOMENTS[3]]:
        assert ours(moment) == theirs(moment.astimezone(timezone.utc).replace(tzinfo=None))
    with pytest.raises(ValueError, match="naive"):  # the same wall time without a zone is still refused
        ours(MOMENTS[3].replace(tzinfo=None))


def test_processors_of_different_columns_writing_in_turn_each_give_the_right_text():
    # The kept moment is shared by every column's processor; the same instant given in another zone is the same text.
    dialect = sqlite.dialect()
    first, second = (UTCDateTime().dialect_impl(dialect).bind_processor(dialect) for _ in range(2))
    theirs = sa.DateTime().dialect_impl(dialect).bind_processor(dialect)
    same_instant_elsewhere = MOMENTS[1].astimezone(timezone(timedelta(hours=-5)))
    for ours, moment in [(first, MOMENTS[1]), (second, MOMENTS[1]), (second, same_instant_elsewhere),
                         (first, MOMENTS[2]), (second, MOMENTS[0]), (first, MOMENTS[0])]:
        assert ours(moment) == theirs(moment.astimezone(timezone.utc).replace(tzinfo=None))


def test_a_naive_datetime_is_refused():
    dialect = sqlite.dialect()
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().dialect_impl(dialect).bind_processor(dialect)(datetime(2026, 11, 29, 10, 0))


def test_every_moment_comes_back_as_the_same_instant_in_utc(tmp_path):
    md = sa.MetaData()
    table = sa.Table("moment", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", UTCDateTime))
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "at": moment} for i, moment in enumerate(MOMENTS)])
        back = conn.execute(sa.select(table.c.at).order_by(table.c.id)).scalars().all()
        earliest = conn.execute(sa.select(table.c.id).where(table.c.at < MOMENTS[1]).order_by(table.c.id)).scalars()
        assert list(earliest) == [0, 2, 3]  # stored text sorts as time does
    engine.dispose()
    assert back == MOMENTS
    assert all(moment.tzinfo == timezone.utc for moment in back)
