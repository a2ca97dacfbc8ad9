"""An API write begins its write transaction before reading its token, and the change then runs in that same
transaction; any other read transaction is ended before a change, so changes start on fresh data."""
import sqlalchemy as sa

from backend.adapters.sqlite import begin_write, fresh_write
from backend.extensions import db


def _transaction(session):
    return session().get_transaction()


def test_a_begun_write_transaction_is_kept_by_the_change_that_follows(app):
    with app.app_context():
        begin_write(db.session)
        begun = _transaction(db.session)
        db.session.execute(sa.text("SELECT 1"))  # the token lookup
        with fresh_write(db.session):
            assert _transaction(db.session) is begun
        db.session.rollback()


def test_a_read_transaction_is_ended_before_a_change(app):
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        read = _transaction(db.session)
        with fresh_write(db.session):
            db.session.execute(sa.text("SELECT 1"))
            assert _transaction(db.session) is not read
        db.session.rollback()


def test_after_a_commit_the_next_change_starts_a_new_transaction(app):
    with app.app_context():
        begin_write(db.session)
        begun = _transaction(db.session)
        db.session.commit()
        db.session.execute(sa.text("SELECT 1"))
        with fresh_write(db.session):
            db.session.execute(sa.text("SELECT 1"))
            assert _transaction(db.session) is not begun
        db.session.rollback()
