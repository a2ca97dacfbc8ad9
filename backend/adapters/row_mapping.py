"""How a domain class is stored: its table, the children it owns, and the statements that write its rows."""
from __future__ import annotations

import operator

from typing import Any, Iterable

import sqlalchemy as sa

from ..domain.events import RecordsEvents
from .precompiled import Precompiled


def snapshot_json(value):
    """A copy of a JSON value (dicts, lists, scalars) that later in-place edits of the original cannot reach.

    copy.deepcopy does the same for any object, at several times the cost: order intake takes four.
    """
    if isinstance(value, dict):
        return {key: snapshot_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snapshot_json(item) for item in value]
    return value


class Children:
    """A one-to-many an aggregate owns: its parent's list attribute, the child mapping and the foreign key."""

    def __init__(self, attribute: str, mapping: "Mapping", parent_key: str, order_by: Iterable[str] = ("id",)):
        self.attribute, self.mapping, self.parent_key = attribute, mapping, parent_key
        self.order_by = tuple(mapping.table.c[name] for name in order_by)


class Mapping:
    """How one domain class is stored: its table, the lists of children it owns, the statements it needs."""

    def __init__(self, cls: type, table: sa.Table, children: Iterable[Children] = (), *,
                 batch_key: tuple[str, ...] = ()):
        self.cls, self.table, self.children = cls, table, tuple(children)
        # Columns that tell new rows of one flush apart: they are then inserted in one statement, each
        # matched to its returned id by these values (never by RETURNING's order, which SQL leaves open).
        self.batch_key = batch_key
        self.columns = tuple(column.name for column in table.c)
        # The columns' values of a row or of an object's attributes, in one C call (KeyError if one is missing).
        self.column_values = operator.itemgetter(*self.columns)
        key = table.primary_key.columns.values()[0]
        self.key = key.name
        self.generated_key = isinstance(key.type, sa.Integer)  # ids the database hands out
        self.json_columns = frozenset(c.name for c in table.c if isinstance(c.type, sa.JSON))
        self.defaults = {c.name: c.default for c in table.c if c.default is not None and c.name != self.key}
        self.records_events = issubclass(cls, RecordsEvents)
        self._inserts: dict = {}  # column names -> INSERT ... RETURNING key
        self._updates: dict = {}  # column names -> UPDATE ... WHERE key
        self._delete = Precompiled(sa.delete(table).where(key == sa.bindparam("_key", type_=key.type)))

    def build(self, values: dict) -> Any:
        """An object of the class from a row's values, the way a stored one is made: no __init__."""
        thing = self.cls.__new__(self.cls)
        state = vars(thing)
        for name in self.columns:
            state[name] = values.get(name)
        for children in self.children:
            state[children.attribute] = []
        if self.records_events:
            state["events"] = []  # a stored aggregate carries no pending events
        return thing

    def snapshot(self, values: dict) -> dict:
        """The columns as written, JSON values copied so in-place edits show as changes."""
        json_columns = self.json_columns
        return {name: snapshot_json(values.get(name)) if name in json_columns else values.get(name)
                for name in self.columns}

    def insert_statement(self, names: tuple) -> Precompiled:
        statement = self._inserts.get(names)
        if statement is None:
            table = self.table
            statement = self._inserts[names] = Precompiled(
                sa.insert(table).values({n: sa.bindparam(n, type_=table.c[n].type) for n in names})
                .returning(table.c[self.key]))
        return statement

    def insert_many_statement(self, names: tuple, n: int) -> Precompiled:
        statement = self._inserts.get((names, n))
        if statement is None:
            table = self.table
            statement = self._inserts[(names, n)] = Precompiled(
                sa.insert(table).values([{c: sa.bindparam(f"{c}_{i}", type_=table.c[c].type) for c in names}
                                         for i in range(n)])
                .returning(table.c[self.key], *(table.c[c] for c in self.batch_key)))
        return statement

    def update_statement(self, names: tuple) -> Precompiled:
        statement = self._updates.get(names)
        if statement is None:
            table, key = self.table, self.table.c[self.key]
            statement = self._updates[names] = Precompiled(
                sa.update(table).where(key == sa.bindparam("_key", type_=key.type))
                .values({n: sa.bindparam(n, type_=table.c[n].type) for n in names}))
        return statement

    def delete_statement(self) -> Precompiled:
        return self._delete

    def default_of(self, name: str):
        """The Python-side default of a column (what the ORM would have filled in at insert)."""
        default = self.defaults[name]
        return default.arg(None) if default.is_callable else default.arg
