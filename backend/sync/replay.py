"""Idempotent replay of a device's offline commands through the same handlers as the online forms.

Each command runs in its own transaction together with its log row and the device's progress, so a
retried push (lost response, killed page) finds the stored outcome instead of applying it twice, and
one bad command is answered on its own without blocking the ones after it.
"""
from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.exc import IntegrityError

from ..adapters.records import Device
from ..adapters.sqlite import fresh_write
from ..adapters.sync_log import find_command, lock_device, record_command
from ..api.problems import flatten_errors
from ..api.schemas import Text
from ..domain.errors import DomainError
from .commands import COMMAND_TYPES

APPLIED, DUPLICATE, REJECTED = "applied", "duplicate", "rejected"
# Applied, and a person in the office must look at it (a fact that clashed with the plan).
APPLIED_WITH_EXCEPTION = "applied_with_exception"


class EnvelopeSchema(Schema):
    """What every queued command carries besides its payload (SYNC.md, "Client: the command log")."""

    id = fields.UUID(required=True)
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    type = Text(required=True, validate=validate.Length(1, 64))
    v = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True)
    base = fields.Dict(load_default=dict)
    payload = fields.Dict(required=True)
    blob_refs = fields.List(fields.Dict(), load_default=list)


class _Duplicate(Exception):
    """The command was replayed before; carries its stored log row."""

    def __init__(self, stored):
        super().__init__(stored.command_id)
        self.stored = stored


class _Recorder:
    """Bus hooks that put the command's log row and the device's progress in the handler's transaction."""

    def __init__(self, device_id: str, envelope: dict):
        self.device_id, self.envelope, self.outcome = device_id, envelope, None

    def started(self, uow) -> None:
        uow.command_id = self.envelope["id"]
        self.device = lock_device(uow.session, self.device_id)
        stored = find_command(uow.session, self.envelope["id"])
        if stored is not None:
            raise _Duplicate(stored)

    def committing(self, uow, events) -> None:
        self.outcome = {"events": [{"name": e.name, "aggregate": e.aggregate_type, "id": e.aggregate_id,
                                    "version": e.aggregate_version} for e in events]}
        opened = [e for e in events if e.name == "exception.opened"]
        self.status = APPLIED
        if opened:
            self.status = APPLIED_WITH_EXCEPTION
            self.outcome["exceptions"] = [{"id": e.aggregate_id, "code": raised.code, "message": raised.message}
                                          for raised, e in zip(uow.exceptions, opened)]
        record_command(uow.session, self.device, self.envelope, self.status, self.outcome)


def _answer(envelope: dict, status: str, outcome: dict) -> dict:
    return {"id": envelope["id"], "seq": envelope["seq"], "status": status, **outcome}


def _duplicate(stored) -> dict:
    return {"id": stored.command_id, "seq": stored.seq, "status": DUPLICATE, "original_status": stored.status,
            **stored.outcome}


def _store(session, device_id: str, envelope: dict, status: str, outcome: dict) -> dict:
    """Store an outcome reached without the handler's transaction, unless a twin push stored one first."""
    with fresh_write(session):
        device = lock_device(session, device_id)
        stored = find_command(session, envelope["id"])
        if stored is not None:
            session.rollback()
            return _duplicate(stored)
        record_command(session, device, envelope, status, outcome)
        session.commit()
    return _answer(envelope, status, outcome)


def _reject(session, device_id: str, envelope: dict, code: str, message: str, errors=None) -> dict:
    """A permanent rejection, stored so that a retry gets the same answer; the device moves on."""
    outcome = {"code": code, "message": message, **({"errors": errors} if errors else {})}
    return _store(session, device_id, envelope, REJECTED, outcome)


def replay_one(bus, session, actor, device_id: str, raw) -> dict:
    """Replay one queued command and say what became of it."""
    try:
        envelope = EnvelopeSchema().load(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        # Without a usable id nothing can be stored; the phone keeps the command for a person to see.
        given = raw.get("id") if isinstance(raw, dict) else None
        return {"id": given, "seq": raw.get("seq") if isinstance(raw, dict) else None, "status": REJECTED,
                "code": "invalid", "message": "This command is malformed.", "errors": flatten_errors(exc.messages)}
    envelope["id"] = str(envelope["id"])
    known = COMMAND_TYPES.get((envelope["type"], envelope["v"]))
    if known is None:
        return _reject(session, device_id, envelope, "upgrade_required",
                       f"This server does not know '{envelope['type']}' version {envelope['v']}; update the app.")
    schema, build = known
    try:
        payload = schema.load(envelope["payload"])
    except ValidationError as exc:
        return _reject(session, device_id, envelope, "invalid", "Some fields are not valid.",
                       flatten_errors(exc.messages))
    recorder = _Recorder(device_id, envelope)
    try:
        bus.handle(build(payload), actor, hooks=recorder)
    except _Duplicate as dup:
        return _duplicate(dup.stored)
    except DomainError as exc:
        return _reject(session, device_id, envelope, exc.code, exc.message)
    if recorder.outcome is None:  # the handler changed nothing and so never committed
        return _store(session, device_id, envelope, APPLIED, {"events": []})
    return _answer(envelope, recorder.status, recorder.outcome)


def register_device(session, actor, device_id: str):
    """The caller's device row, created on first push; a device belongs to one user (None otherwise)."""
    with fresh_write(session):
        device = lock_device(session, device_id)
        if device is None:
            device = Device(id=device_id, user_id=actor.user_id)
            session.add(device)
            try:
                session.commit()
            except IntegrityError:  # the same phone's other tab registered it a moment ago
                session.rollback()
                device = lock_device(session, device_id)
        else:
            session.rollback()
    return device if device is not None and device.user_id == actor.user_id else None


def replay(bus, session, actor, device_id: str, raw_commands) -> dict:
    """Replay a pushed batch in seq order; one result per command and the device's progress."""
    ordered = sorted(raw_commands, key=lambda c: c.get("seq") if isinstance(c, dict) and
                     isinstance(c.get("seq"), int) else 0)
    results = [replay_one(bus, session, actor, device_id, raw) for raw in ordered]
    last = session.execute(sa.select(Device.last_processed_seq).where(Device.id == device_id)).scalar_one()
    session.rollback()
    return {"results": results, "last_processed_seq": last}
