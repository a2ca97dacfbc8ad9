"""Plain domain objects read from rows and written back with Core statements: the unit of work's data mapper.

Every aggregate is persisted this one way. A loaded object is an ordinary instance of its domain class
whose attributes are filled from its row (no ORM instrumentation, so reading and changing it costs what
any Python object costs, which matters on the busiest path, order intake). The mapper keeps what it read
(a snapshot); at flush it inserts new objects and their children, writes the columns that differ, and
deletes children taken out of their parent's list. Statements are compiled once (precompiled.py).

Within one transaction a row is one object (an identity map), so two handlers' steps see each other's
changes; the map is forgotten at commit and rollback, as the ORM expires its objects.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from .row_mapping import Mapping, snapshot_json

_ATTACHED = "waybill.data_mapper"  # Session.info key: the mapper of the unit of work running on the session


class _Tracked:
    """What the mapper remembers of a stored object: its row as last read or written, its children's keys."""

    __slots__ = ("mapping", "thing", "row", "child_keys")

    def __init__(self, mapping: Mapping, thing, row: dict, child_keys: dict):
        self.mapping, self.thing, self.row, self.child_keys = mapping, thing, row, child_keys


class DataMapper:
    """One transaction's identity map of stored objects, and the writer of their changes."""

    def __init__(self, session, mappings: dict[type, Mapping]):
        self.session = session
        self.mappings = mappings
        self._known: dict = {}  # (mapping, key) -> object
        self._tracked: dict[int, _Tracked] = {}  # id(object) -> its state
        self._new: list = []  # (mapping, object) staged for insert, in the order they were added

    def attach(self) -> None:
        """Write pending changes before any SELECT run on the session, as the ORM's autoflush would."""
        self.session.info[_ATTACHED] = self

    def detach(self) -> None:
        """Stop writing before SELECTs: the unit of work has ended."""
        if self.session.info.get(_ATTACHED) is self:
            del self.session.info[_ATTACHED]

    # -- reading ------------------------------------------------------------------------------------
    def load(self, mapping: Mapping, statement, *, refresh: bool = False) -> list:
        """The objects of a SELECT over the mapping's table (with their children).

        `refresh`: the rows were read under a lock, so objects already known take the values read (what
        another transaction just committed); otherwise a known object is returned as it stands.
        """
        rows = [row._asdict() for row in self.session.execute(statement)]  # flushes first when attached
        return self.adopt_rows(mapping, rows, refresh=refresh)

    def adopt_rows(self, mapping: Mapping, rows: list[dict], *, refresh: bool = False) -> list:
        """Objects for rows already read (by a repository's own statement), children loaded."""
        fresh = []
        things = [self._adopt(mapping, row, refresh, fresh) for row in rows]
        if mapping.children and fresh:
            self._load_children(mapping, fresh, refresh)
        return things

    def get(self, cls: type, key, *, for_update: bool = False) -> Any | None:
        """One stored object by primary key (from the identity map when already loaded and not locking)."""
        mapping = self.mappings[cls]
        if not for_update:
            known = self._known.get((mapping, key))
            if known is not None:
                return known
        table = mapping.table
        statement = sa.select(table).where(table.c[mapping.key] == key)
        if for_update:
            statement = statement.with_for_update(of=table)
        found = self.load(mapping, statement, refresh=for_update)
        return found[0] if found else None

    def _adopt(self, mapping: Mapping, values: dict, refresh: bool, fresh: list):
        key = values[mapping.key]
        thing = self._known.get((mapping, key))
        if thing is None:
            thing = mapping.build(values)
            self._known[(mapping, key)] = thing
            self._tracked[id(thing)] = _Tracked(mapping, thing, mapping.snapshot(values), {})
            fresh.append(thing)
        elif refresh:
            tracked = self._tracked[id(thing)]
            state = vars(thing)
            for name in mapping.columns:
                state[name] = values.get(name)
            tracked.row = mapping.snapshot(values)
            fresh.append(thing)
        return thing

    def _load_children(self, mapping: Mapping, parents: list, refresh: bool) -> None:
        """Each parent's lists of children, one SELECT per kind of child (ordered as the list is)."""
        parent_keys = [getattr(p, mapping.key) for p in parents]
        for children in mapping.children:
            child_mapping = children.mapping
            table = child_mapping.table
            statement = sa.select(table).where(table.c[children.parent_key].in_(parent_keys)).order_by(
                *children.order_by)
            rows = [row._asdict() for row in self.session.execute(statement)]
            fresh: list = []
            by_parent: dict = {key: [] for key in parent_keys}
            for row in rows:
                by_parent[row[children.parent_key]].append(self._adopt(child_mapping, row, refresh, fresh))
            for parent in parents:
                found = by_parent[getattr(parent, mapping.key)]
                setattr(parent, children.attribute, found)
                self._tracked[id(parent)].child_keys[children.attribute] = [
                    getattr(c, child_mapping.key) for c in found]
            if child_mapping.children and fresh:
                self._load_children(child_mapping, fresh, refresh)

    # -- writing ------------------------------------------------------------------------------------
    def add(self, thing) -> None:
        """Stage a new object (and the children in its lists): inserted at the next flush."""
        self._new.append((self.mappings[type(thing)], thing))

    def register_inserted(self, mapping: Mapping, thing, row: dict, child_keys: dict | None = None) -> None:
        """Track an object a repository inserted itself (its row as written), so later changes are written."""
        self._known[(mapping, row[mapping.key])] = thing
        self._tracked[id(thing)] = _Tracked(mapping, thing, mapping.snapshot(row), child_keys or {})

    def has_new(self) -> bool:
        """Are objects staged for insert (they have no ids until the next flush)?"""
        return bool(self._new)

    def flush(self, *, grouped_updates: bool = False) -> None:
        """Write what changed since the last read or write: inserts, changed columns, dropped children.

        `grouped_updates`: the rows whose same columns changed are updated with one executemany (the end of
        a batch of offline commands: one statement for many stock levels, all locked already), instead of
        one UPDATE each as they are met.
        """
        new, self._new = self._new, []
        for mapping, thing in new:
            if id(thing) not in self._tracked:
                self._insert(mapping, thing)
        batched: dict = {}  # mapping -> new children to insert together
        rekey: list = []  # (parent's state, list attribute, the list) to note once the batch has ids
        updates: dict | None = {} if grouped_updates else None  # (mapping, columns) -> parameters of each row
        for tracked in list(self._tracked.values()):
            self._write_changes(tracked, batched, rekey, updates)
        for (mapping, names), rows in (updates or {}).items():
            if len(rows) == 1:
                mapping.update_statement(names).run(self.session, rows[0])
            else:
                mapping.update_statement(names).run(self.session, many=rows)
        for mapping, things in batched.items():
            self._insert_batch(mapping, things)
        for tracked, attribute, current, key in rekey:
            tracked.child_keys[attribute] = [getattr(c, key) for c in current]
        session = self.session
        if session.new or session.dirty or session.deleted:
            session.flush()  # application rows (outbox, sync log...) staged with the ORM, after the rows they name

    def _row_to_insert(self, mapping: Mapping, thing) -> dict:
        """The new row's values: the object's attributes, column defaults for what it lacks (set on it too)."""
        state = vars(thing)
        row = {}
        for name in mapping.columns:
            if name in state:
                row[name] = state[name]
            elif name in mapping.defaults:
                row[name] = state[name] = mapping.default_of(name)
            else:
                row[name] = getattr(thing, name, None)  # a class-level default, such as `id = None`
        if mapping.generated_key and row[mapping.key] is None:
            del row[mapping.key]
        return row

    def _insert(self, mapping: Mapping, thing) -> None:
        row = self._row_to_insert(mapping, thing)
        returned = mapping.insert_statement(tuple(row)).run(self.session, row)
        key = returned[0][0]
        setattr(thing, mapping.key, key)
        row[mapping.key] = key
        child_keys = {}
        for children in mapping.children:
            for child in getattr(thing, children.attribute):
                setattr(child, children.parent_key, key)
                self._insert(children.mapping, child)
            child_keys[children.attribute] = [getattr(c, children.mapping.key)
                                              for c in getattr(thing, children.attribute)]
        self.register_inserted(mapping, thing, row, child_keys)

    def _insert_batch(self, mapping: Mapping, things: list) -> None:
        """Insert new children without children of their own in one statement, when their batch keys differ."""
        rows = [self._row_to_insert(mapping, thing) for thing in things]
        keys = [tuple(row[c] for c in mapping.batch_key) for row in rows]
        names = tuple(rows[0])
        if len(things) == 1 or len(set(keys)) < len(keys) or any(tuple(row) != names for row in rows):
            for thing in things:
                self._insert(mapping, thing)
            return
        params = {f"{c}_{i}": row[c] for i, row in enumerate(rows) for c in names}
        ids = {tuple(r[1:]): r[0] for r in mapping.insert_many_statement(names, len(rows)).run(self.session, params)}
        for thing, row, key in zip(things, rows, keys):
            row[mapping.key] = ids[key]
            setattr(thing, mapping.key, ids[key])
            self.register_inserted(mapping, thing, row)

    def _write_changes(self, tracked: _Tracked, batched: dict, rekey: list, updates: dict | None = None) -> None:
        mapping, thing, row = tracked.mapping, tracked.thing, tracked.row
        state = vars(thing)
        changed = None
        try:  # the common case, nothing changed, found in one comparison of tuples (flush runs often)
            if mapping.column_values(state) == mapping.column_values(row):
                changed = {}
        except KeyError:  # an attribute the object does not carry: compare column by column
            pass
        if changed is None:
            changed = {name: state.get(name) for name in mapping.columns
                       if name != mapping.key and state.get(name) != row[name]}
        if changed:
            names = tuple(changed)
            if updates is None:
                mapping.update_statement(names).run(self.session, dict(changed, _key=row[mapping.key]))
            else:
                updates.setdefault((mapping, names), []).append(dict(changed, _key=row[mapping.key]))
            json_columns = mapping.json_columns
            row.update((n, snapshot_json(v) if n in json_columns else v) for n, v in changed.items())
        for children in mapping.children:
            current = getattr(thing, children.attribute)
            child_mapping = children.mapping
            key = row[mapping.key]
            for child in current:
                if id(child) not in self._tracked:
                    setattr(child, children.parent_key, key)
                    if child_mapping.batch_key and not child_mapping.children:
                        batched.setdefault(child_mapping, []).append(child)
                    else:
                        self._insert(child_mapping, child)
            kept = {getattr(c, child_mapping.key) for c in current}
            for dropped in tracked.child_keys.get(children.attribute, ()):
                if dropped not in kept:
                    self._delete(child_mapping, dropped)
            rekey.append((tracked, children.attribute, current, child_mapping.key))

    def _delete(self, mapping: Mapping, key) -> None:
        """Delete a child row its parent dropped, its own children first (they belong to it)."""
        thing = self._known.pop((mapping, key), None)
        tracked = self._tracked.pop(id(thing), None) if thing is not None else None
        for children in mapping.children:
            for child_key in (tracked.child_keys.get(children.attribute, ()) if tracked else ()):
                self._delete(children.mapping, child_key)
        mapping.delete_statement().run(self.session, {"_key": key})

    def forget(self) -> None:
        """Drop the identity map (the transaction ended): the next read loads fresh rows."""
        self._known.clear()
        self._tracked.clear()
        self._new.clear()


@event.listens_for(Session, "do_orm_execute")
def _flush_before_select(execute_state) -> None:
    """A repository's SELECT sees the changes its unit of work made so far (a read of its own writes)."""
    if execute_state.is_select:
        mapper = execute_state.session.info.get(_ATTACHED)
        if mapper is not None:
            mapper.flush()
