"""Core statements compiled once per dialect and run on the DB-API cursor of the session's connection.

The hot path of order intake runs a dozen small statements per request. Executing a Core statement
costs SQLAlchemy a cache-key walk, an execution context and a result object each time, which is
more CPU than the driver's own work. A `Precompiled` statement keeps SQLAlchemy's SQL and types
(it is compiled by SQLAlchemy, values go through the types' own bind and result processors, and
driver errors become the usual `sqlalchemy.exc` errors), but runs on the connection the session's
transaction already holds: same transaction, same locks, same SQL text.
"""
from __future__ import annotations

from collections import namedtuple

from sqlalchemy import bindparam, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, scoped_session

from ..extensions import HELD_WRITE

_CONNECTION = "waybill.connection"  # Session.info key: (root SessionTransaction, its Connection)
_CURSOR = "waybill.cursor"  # DB-API connection info key: a cursor kept for these statements


@event.listens_for(Session, "after_begin")
def _remember_connection(session, transaction, connection) -> None:
    """Keep the connection a session's transaction holds, so each statement need not ask the session."""
    session.info[_CONNECTION] = (transaction, connection)


def transaction_connection(session):
    """The Connection of the session's current transaction (beginning one if needed), cheaply."""
    real = session.registry() if isinstance(session, scoped_session) else session
    remembered = real.info.get(_CONNECTION)
    if remembered is not None:
        transaction = real.get_transaction()
        if transaction is remembered[0] and transaction.is_active:
            return remembered[1]
    return real.connection()


def transaction_driver(session, *, read_ahead: bool = False):
    """(pooled driver connection, dialect) of the session's current transaction, beginning one if needed.

    A write held below the ORM (adapters/sqlite.py HeldWrite) is used as it is: no session transaction.
    `read_ahead`: a read that may run before that write's transaction begins (the token lookup).
    """
    real = session.registry() if isinstance(session, scoped_session) else session
    held = real.info.get(HELD_WRITE)
    if held is not None:
        return held.read_ahead() if read_ahead else held.driver(), held.dialect
    connection = transaction_connection(real)
    return connection.connection, connection.dialect


def _cursor(proxied):
    """A DB-API cursor of the pooled connection, created once and reused (statements run one at a time on it)."""
    dbapi_connection = proxied.dbapi_connection
    kept = proxied.info.get(_CURSOR)
    if kept is None or kept[0] is not dbapi_connection:  # never a cursor of a connection since replaced
        kept = proxied.info[_CURSOR] = (dbapi_connection, dbapi_connection.cursor())
    return kept[1]


def typed_bind(column, name: str | None = None):
    """A named parameter with the column's type (so its value goes through the column's bind processing)."""
    return bindparam(name or column.name, type_=column.type)


class _Form:
    """One statement compiled for one dialect: SQL text, parameter order and value converters."""

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.positional = compiled.positional
        self.names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        binds = [compiled.binds[name] for name in self.names]
        self.keys = [bind.key for bind in binds]  # per driver parameter: its key in the caller's dict
        self.defaults = [bind.value for bind in binds]  # and its value when the caller gives none
        self.any_default = any(value is not None for value in self.defaults)
        # (position, type's bind processor) of the parameters whose values the type converts
        self.processors = [(i, processor) for i, bind in enumerate(binds)
                           if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None]
        columns = list(statement.exported_columns)  # selected columns, or RETURNING's; none for plain DML
        self.returns_rows = bool(columns)
        self.row = namedtuple("Row", [c.name for c in columns], rename=True) if self.returns_rows else None
        self.types = [c.type.dialect_impl(dialect) for c in columns]
        self.dialect = dialect
        self.loaders = ()  # set from the first result's description (some types need the driver's type code)

    def bind(self, params: dict):
        """Driver parameters for one execution: in the dialect's paramstyle, values processed by their types."""
        if self.any_default:
            get = params.get
            values = [get(key, default) for key, default in zip(self.keys, self.defaults)]
        else:
            values = list(map(params.get, self.keys))
        for i, processor in self.processors:
            values[i] = processor(values[i])
        return tuple(values) if self.positional else dict(zip(self.names, values))

    def rows(self, raw, cursor):
        """Driver rows as named tuples, values processed by their column types."""
        if self.loaders == ():
            loaders = [t.result_processor(self.dialect, d[1]) for t, d in zip(self.types, cursor.description)]
            self.loaders = loaders if any(loaders) else None
        if self.loaders is None:
            return [self.row._make(r) for r in raw]
        loaders = self.loaders
        return [self.row._make([f(v) if f is not None else v for f, v in zip(loaders, r)]) for r in raw]


class Precompiled:
    """A Core statement (SELECT, or DML with or without RETURNING) run without SQLAlchemy's per-call work."""

    def __init__(self, statement):
        self.statement = statement
        self._forms: dict = {}

    def _form(self, dialect) -> _Form:
        # One form per KIND of dialect (tests build an engine per app; production has one).
        key = (dialect.name, dialect.driver, dialect.paramstyle, dialect.server_version_info)
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = _Form(self.statement, dialect)
        return form

    def run(self, session, params: dict | None = None, *, many: list | None = None, read_ahead: bool = False):
        """Execute in the session's transaction; returns the rows (named tuples), or None without any.

        `many`: a list of parameter dicts for one statement without RETURNING (executemany).
        `read_ahead`: a read that may run ahead of the request's held write transaction (see transaction_driver).
        """
        proxied, dialect = transaction_driver(session, read_ahead=read_ahead)
        form = self._form(dialect)
        cursor = _cursor(proxied)
        try:
            if many is not None:
                cursor.executemany(form.sql, [form.bind(p) for p in many])
                return None
            cursor.execute(form.sql, form.bind(params or {}))
            return form.rows(cursor.fetchall(), cursor) if form.returns_rows else None
        except dialect.loaded_dbapi.Error as error:
            raise sa_exc.DBAPIError.instance(form.sql, params if many is None else many, error,
                                             dialect.loaded_dbapi.Error, dialect=dialect,
                                             ismulti=many is not None) from error


class PrecompiledInsert:
    """INSERT of any number of rows as ONE multi-row VALUES statement (no RETURNING).

    For the handful of rows a request writes (ledger, outbox, audit), one statement beats the
    driver's executemany, whose pipeline/batching costs more than it saves at that size.
    """

    def __init__(self, table, columns):
        self.table, self.columns = table, tuple(columns)
        self._sizes: dict = {}

    ROWS_PER_STATEMENT = 50  # bounds the statement's parameters and the number of compiled sizes
    # From this many rows (a batch of offline commands) one single-row INSERT run with executemany wins: the
    # driver parses a long multi-row statement afresh on every run (it caches only short ones).
    MANY_FROM = 10

    def run(self, session, rows: list) -> None:
        """Insert `rows` (dicts with every column) in the session's transaction, in order."""
        if len(rows) >= self.MANY_FROM:
            statement, (names,) = self._statement(1)
            statement.run(session, many=[{name: row[c] for name, c in names} for row in rows])
            return
        for start in range(0, len(rows), self.ROWS_PER_STATEMENT):
            chunk = rows[start:start + self.ROWS_PER_STATEMENT]
            statement, names_by_row = self._statement(len(chunk))
            statement.run(session, {name: row[c] for row, names in zip(chunk, names_by_row) for name, c in names})

    def _statement(self, size: int) -> tuple[Precompiled, list]:
        """The statement for `size` rows, and each row's (parameter name, column) pairs (named once, not per run)."""
        kept = self._sizes.get(size)
        if kept is None:
            names_by_row = [[(f"{c}_{i}", c) for c in self.columns] for i in range(size)]
            statement = Precompiled(self.table.insert().values([
                {c: bindparam(name, type_=self.table.c[c].type) for name, c in names} for names in names_by_row]))
            kept = self._sizes[size] = (statement, names_by_row)
        return kept


class PrecompiledBySize:
    """Precompiled variants of a statement that depends on a count (IN lists, multi-row VALUES)."""

    def __init__(self, build):
        self.build = build  # n -> Core statement
        self._sizes: dict = {}

    def __call__(self, n: int) -> Precompiled:
        statement = self._sizes.get(n)
        if statement is None:
            statement = self._sizes[n] = Precompiled(self.build(n))
        return statement
