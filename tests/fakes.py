"""An in-memory unit of work for service tests: the handlers' own code, no app, no database.

It fits backend/services/unit_of_work.py's UnitOfWork protocol for the repositories these tests use
(catalogue, stock, sync log); "committed" is a copy of what a commit would have written (its outbox
events), so a test can tell a refused command (nothing committed) from an applied one.
"""
from __future__ import annotations

import itertools
from types import SimpleNamespace

from backend.domain.exception_queue import RaisedException


class FakeCatalogue:
    """Products, warehouses and customers by id, numbered as they are added."""

    def __init__(self, ids):
        self._ids, self.things = ids, []

    def add(self, thing) -> None:
        if getattr(thing, "id", None) is None:
            thing.id = next(self._ids)
        self.things.append(thing)

    def _of(self, kind: str):
        return [t for t in self.things if type(t).__name__ == kind]

    def products_by_sku(self, skus) -> dict:
        return {p.sku: p for p in self._of("Product") if p.sku in set(skus)}

    def product(self, product_id: int):
        return next((p for p in self._of("Product") if p.id == product_id), None)

    def product_by_sku(self, sku: str):
        return next((p for p in self._of("Product") if p.sku == sku), None)

    def warehouse(self, warehouse_id: int):
        return next((w for w in self._of("Warehouse") if w.id == warehouse_id), None)

    def customer_by_email(self, email: str):
        return next((c for c in self._of("Customer") if c.email.lower() == email.lower()), None)


class FakeStock:
    """Stock levels by (warehouse, product) and the movement ledger."""

    def __init__(self, ids):
        self._ids, self.levels, self.movements = ids, {}, []

    def lock_level(self, warehouse_id: int, product_id: int):
        return self.levels.get((warehouse_id, product_id))

    def lock_levels(self, product_ids) -> list:
        return [level for (_, p), level in self.levels.items() if p in set(product_ids)]

    def add_level(self, level) -> None:
        level.id = next(self._ids)
        self.levels[(level.warehouse_id, level.product_id)] = level

    def add_movement(self, movement) -> None:
        self.movements.append(movement)


class FakeSyncLog:
    """Devices and their logged commands."""

    def __init__(self):
        self.devices, self.commands = {}, {}

    def lock_device(self, device_id: str):
        return self.devices.get(device_id)

    def add_device(self, device_id: str, user_id: int):
        device = SimpleNamespace(id=device_id, user_id=user_id, last_processed_seq=0)
        self.devices[device_id] = device
        return device

    def find_command(self, device_id: str, command_id: str):
        return self.commands.get((device_id, command_id))

    def record_command(self, device, envelope: dict, status: str, outcome: dict) -> None:
        self.commands[(device.id, envelope["id"])] = SimpleNamespace(
            command_id=envelope["id"], seq=envelope["seq"], type=envelope["type"], version=envelope["v"],
            payload=envelope["payload"], status=status, outcome=outcome)
        device.last_processed_seq = max(device.last_processed_seq, envelope["seq"] or 0)


class FakeUnitOfWork:
    """Repositories in memory; commit keeps the events it would write (`committed`), rollback forgets.

    What a handler changed before a rollback stays changed in memory (there is no database to undo it):
    tests of refusals check `committed`, which a refused command never reaches.
    """

    def __init__(self):
        ids = itertools.count(1)
        self.catalogue = FakeCatalogue(ids)
        self.stock = FakeStock(ids)
        self.sync_log = FakeSyncLog()
        self.exceptions: list[RaisedException] = []
        self.command_id = self.actor_id = None
        self.committed: list[list] = []  # the events of each commit
        self._events, self._callbacks = [], []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.rollback()

    def track(self, aggregate):
        return aggregate

    def publish(self, event) -> None:
        self._events.append(event)

    def open_exception(self, code: str, message: str, *, order_id=None, data=None) -> None:
        self.exceptions.append(RaisedException(code, message, order_id, dict(data or {})))

    def before_commit(self, callback) -> None:
        self._callbacks.append(callback)

    def flush(self) -> None:
        pass

    def commit(self) -> None:
        events, self._events = list(self._events), []
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(events)
        self.committed.append(events)
        self.exceptions = []

    def rollback(self) -> None:
        self._events, self._callbacks, self.exceptions = [], [], []
