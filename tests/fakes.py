"""An in-memory unit of work for service tests: the handlers' own code, no app, no database.

It fits backend/services/unit_of_work.py's UnitOfWork protocol for the repositories these tests use
(catalogue, stock, exception queue, sync log, accounts); "committed" is a copy of what a commit would have
written (its outbox events), so a test can tell a refused command (nothing committed) from an applied one.
"""
from __future__ import annotations

import itertools
from types import SimpleNamespace

from backend.domain.events import DomainEvent
from backend.domain.exception_queue import OPEN, RaisedException


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

    def warehouse_by_code(self, code: str):
        return next((w for w in self._of("Warehouse") if w.code == code), None)

    def customer_by_email(self, email: str):
        return next((c for c in self._of("Customer") if c.email.lower() == email.lower()), None)

    def customer(self, customer_id: int, *, for_update: bool = False):
        return next((c for c in self._of("Customer") if c.id == customer_id), None)

    def customer_by_mail_token(self, token: str, *, for_update: bool = False):
        return next((c for c in self._of("Customer") if getattr(c, "mail_token", None) == token), None)


class FakeStock:
    """Stock levels by (warehouse, product) and the movement ledger."""

    def __init__(self, ids):
        self._ids, self.levels, self.movements = ids, {}, []

    def lock_level(self, warehouse_id: int, product_id: int):
        return self.levels.get((warehouse_id, product_id))

    def lock_levels(self, product_ids) -> list:
        return [level for (_, p), level in self.levels.items() if p in set(product_ids)]

    def lock_levels_of(self, pairs) -> None:
        pass  # nothing to lock in memory

    def add_level(self, level) -> None:
        level.id = next(self._ids)
        self.levels[(level.warehouse_id, level.product_id)] = level

    def add_movement(self, movement) -> None:
        self.movements.append(movement)


class FakeExceptionQueue:
    """The office's exceptions by id, opened by commits as the SQLAlchemy unit of work opens them."""

    def __init__(self, ids):
        self._ids, self.rows = ids, {}

    def open(self, raised: RaisedException, actor_id, command_id) -> DomainEvent:
        row = SimpleNamespace(id=next(self._ids), code=raised.code, message=raised.message, order_id=raised.order_id,
                              raised_by_id=actor_id, command_id=command_id, data=raised.data, status=OPEN,
                              resolution_note="", resolved_at=None, resolved_by_id=None, version=1)
        self.rows[row.id] = row
        return DomainEvent(name="exception.opened", aggregate_type="exception", aggregate_id=row.id,
                           aggregate_version=1, data={"actor_id": actor_id, "code": raised.code,
                                                      "order_id": raised.order_id})

    def lock(self, exception_id: int):
        return self.rows.get(exception_id)

    def open_codes(self, order_id: int) -> set:
        return {r.code for r in self.rows.values() if r.order_id == order_id and r.status == OPEN}


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

    def find_commands(self, device_id: str, command_ids) -> dict:
        found = (self.commands.get((device_id, command_id)) for command_id in command_ids)
        return {row.command_id: row for row in found if row is not None}

    def record_commands(self, device, logged) -> None:
        for row in logged:
            self.commands[(device.id, row.command_id)] = row
            device.last_processed_seq = max(device.last_processed_seq, row.seq or 0)


class FakeAccounts:
    """Users, sign-ins, API tokens and security log rows, as plain records numbered as they are added."""

    def __init__(self, ids):
        self._ids = ids
        self.users, self.sign_ins, self.tokens, self.security_events = {}, [], {}, []

    def user(self, user_id: int):
        return self.users.get(user_id)

    def user_by_email(self, email: str):
        return next((u for u in self.users.values() if u.email == email), None)

    def add_user(self, *, email, name, password_hash, role, customer_id, warehouse_ids):
        user = SimpleNamespace(id=next(self._ids), email=email, name=name, password_hash=password_hash, role=role,
                               customer_id=customer_id, active=True, warehouse_ids=set(warehouse_ids))
        self.users[user.id] = user
        return user

    def set_password(self, user, password_hash, now, *, revoke_tokens: bool) -> None:
        user.password_hash = password_hash
        for row in self.sign_ins + (list(self.tokens.values()) if revoke_tokens else []):
            if row.user_id == user.id and row.revoked_at is None:
                row.revoked_at = now

    def add_sign_in(self, *, user_id, token_hash, remember, user_agent, now, expires_at):
        row = SimpleNamespace(id=next(self._ids), user_id=user_id, token_hash=token_hash, remember=remember,
                              user_agent=user_agent, created_at=now, last_seen_at=now, expires_at=expires_at,
                              revoked_at=None)
        self.sign_ins.append(row)
        return row

    def end_sign_in(self, user_id, token_hash, now) -> None:
        for row in self.sign_ins:
            if (row.user_id, row.token_hash, row.revoked_at) == (user_id, token_hash, None):
                row.revoked_at = now

    def end_sign_ins(self, user_id, now) -> int:
        live = [row for row in self.sign_ins if row.user_id == user_id and row.revoked_at is None]
        for row in live:
            row.revoked_at = now
        return len(live)

    def add_token(self, *, user_id, name, token_hash, now):
        token = SimpleNamespace(id=next(self._ids), user_id=user_id, name=name, token_hash=token_hash,
                                created_at=now, last_used_at=None, revoked_at=None)
        self.tokens[token.id] = token
        return token

    def token(self, token_id: int):
        return self.tokens.get(token_id)

    def revoke_token(self, token_id, now) -> None:
        if self.tokens[token_id].revoked_at is None:
            self.tokens[token_id].revoked_at = now

    def add_security_event(self, kind, *, user_id, email, actor_id=None, client_ip="") -> None:
        self.security_events.append(SimpleNamespace(kind=kind, user_id=user_id, email=email, actor_id=actor_id,
                                                    client_ip=client_ip))


class FakeUnitOfWork:
    """Repositories in memory; commit keeps the events it would write (`committed`), rollback forgets.

    What a handler changed before a rollback stays changed in memory (there is no database to undo it):
    tests of refusals check `committed`, which a refused command never reaches.
    """

    def __init__(self):
        ids = itertools.count(1)
        self.catalogue = FakeCatalogue(ids)
        self.stock = FakeStock(ids)
        self.exception_queue = FakeExceptionQueue(ids)
        self.sync_log = FakeSyncLog()
        self.accounts = FakeAccounts(ids)
        self.exceptions: list[RaisedException] = []
        self.exceptions_opened: list[RaisedException] = []
        self.command_id = self.actor_id = None
        self.committed: list[list] = []  # the events of each commit
        self._events, self._callbacks = [], []
        self._step = self._step_events = None
        self._batch_events: list = []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.rollback()

    def track(self, aggregate):
        return aggregate

    def publish(self, event) -> None:
        self._events.append(event)

    def open_exception(self, code: str, message: str, *, order_id=None, data=None, conflict=True) -> None:
        self.exceptions.append(RaisedException(code, message, order_id, dict(data or {}), conflict))

    def before_commit(self, callback) -> None:
        self._callbacks.append(callback)

    def flush(self) -> None:
        pass

    def commit(self) -> None:
        events, self._events = list(self._events), []
        events += [self.exception_queue.open(raised, self.actor_id, self.command_id) for raised in self.exceptions]
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(events)
        self.exceptions_opened, self.exceptions = self.exceptions, []
        if self._step is not None:  # a batch step: kept with the batch, committed with it
            self._step_events = events
            self._batch_events += events
            return
        self.committed.append(self._batch_events + events)
        self._batch_events = []

    def rollback(self) -> None:
        self._events, self._callbacks, self.exceptions = [], [], []
        self._step, self._batch_events = None, []

    def begin_batch(self) -> None:
        # What undo_batch restores: the levels' values and the ledger as they were (memory has no savepoint).
        self._batch_mark = ({key: dict(vars(level)) for key, level in self.stock.levels.items()},
                            len(self.stock.movements))

    def begin_step(self) -> None:
        self._step, self._step_events = object(), None

    def end_step(self):
        self._step = None
        events, self._step_events = self._step_events, None
        return events

    def checkpoint(self) -> None:
        pass  # memory holds everything anyway; the batch's events wait for its commit

    def undo_batch(self) -> None:
        levels, movements = self._batch_mark
        for key in list(self.stock.levels):
            if key in levels:
                vars(self.stock.levels[key]).update(levels[key])
            else:
                del self.stock.levels[key]
        del self.stock.movements[movements:]
        self._step = self._step_events = None
        self._events, self._callbacks, self.exceptions, self._batch_events = [], [], [], []
