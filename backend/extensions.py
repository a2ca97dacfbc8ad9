"""Flask extensions, created unbound here and bound to an app in create_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints keep alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Session.info key: a write transaction begun on a pooled driver connection, outside the ORM (a HeldWrite of
# adapters/sqlite.py). Kept here, with the session that honours it, so the session needs no adapter import.
HELD_WRITE = "waybill.held_write"


class Session(_FlaskSession):
    """db.session, which also ends a write begun below the ORM: its commit, rollback and close end it too.

    An API write begins its transaction on a pooled driver connection (adapters/sqlite.py, begin_write), and
    its compiled statements run there without the ORM's transaction machinery. If the ORM is needed in that
    write (an Idempotency-Key, a record of the exception queue), `get_bind` hands it that same connection,
    so the ORM joins the transaction instead of opening a second one. The held write is duck-typed:
    `connection()` (for the ORM), `commit()`, `rollback()` (both end the driver's transaction unless the
    ORM's own commit or rollback already did) and `release()` (back to the pool).
    """

    def get_bind(self, *args, **kwargs):
        held = self.info.get(HELD_WRITE)
        if held is not None:
            return held.connection()
        return super().get_bind(*args, **kwargs)

    def commit(self) -> None:
        held = self.info.get(HELD_WRITE)
        if held is None:
            super().commit()
            return
        if self.get_transaction() is None and not (self.new or self.dirty or self.deleted):
            # The ORM took no part in the write: nothing of its own to flush or end (an empty commit of its
            # would cost more than the write's COMMIT). Its after_commit listeners still hear of the commit.
            self._end_held_write(commit=True)
            self.dispatch.after_commit(self)
            return
        super().commit()  # the ORM's work, and the COMMIT; if it raises, the caller's rollback ends the write
        self._end_held_write(commit=True)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_held_write()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_held_write()

    def _end_held_write(self, *, commit: bool = False) -> None:
        held = self.info.pop(HELD_WRITE, None)
        if held is not None:
            try:
                if commit:
                    held.commit()
                else:
                    held.rollback()
            finally:
                held.release()


# expire_on_commit=False: a handler's result (the order just placed) is rendered straight from
# memory after commit instead of being reloaded with three more SELECTs and a new transaction.
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING), session_options={"expire_on_commit": False, "class_": Session})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
socketio = SocketIO()
