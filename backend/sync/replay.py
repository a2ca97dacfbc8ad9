"""Idempotent replay of a device's offline commands through the same handlers as the online forms.

A push runs in one transaction: each command with its log row (a refused one undone alone), the device's
progress with them, one commit (services/sync_log.replay_batch). A retried push (lost response, killed
page) finds the stored outcomes instead of applying them twice, and one bad command is answered on its
own without blocking the ones after it.

What `id` and `seq` mean (README, "Offline sync, conflicts and the exception queue"):
- The command `id` is the idempotency key, scoped to the device: (device, id) is replayed at most once.
  The same id again with the same type, version and payload is a `duplicate` (the stored outcome, whatever
  its seq: a phone may renumber a queue it rebuilt). The same id with different content is never run and
  never returns the first command's outcome: it is `rejected/id_reused` (a client bug a person must see).
- `seq` orders replay within a batch and is the device's progress marker (`last_processed_seq` = the
  highest seq processed). It is not a gate: a command with a NEW id whose seq is at or below
  `last_processed_seq` (commands from before a reinstall, a queue re-created on the phone) is applied like
  any other, and a gap in seq is not waited for (a missing command may never come; waiting would wedge the
  queue). Nothing is lost and, with the id as the key, nothing is applied twice.
- A malformed entry (null, not an object, a bad id, a `seq` that is not an integer, ...) gets its own
  `rejected/invalid` result: stored under its id when the id is a usable UUID, otherwise answered with
  `id: null` and its `index` in the pushed batch so the phone can tell which one it was.
"""
from __future__ import annotations

import logging
import uuid

from marshmallow import Schema, ValidationError, fields, validate

from ..domain import commands
from ..domain.errors import DomainError
from ..edge.problems import flatten_errors
from ..edge.text import Text, invalid_text_paths
from ..queries.sync import last_processed_seq
from .commands import COMMAND_TYPES

log = logging.getLogger(__name__)

# The statuses of the sync log (services/sync_log.py writes them): applied, applied_with_exception (a person
# in the office must look at it), duplicate, rejected.
APPLIED, DUPLICATE, REJECTED = "applied", "duplicate", "rejected"
MAX_SEQ = 2**31 - 1


class EnvelopeSchema(Schema):
    """What every queued command carries besides its payload (the phone's command log, pwa/static/js/commandlog.js)."""

    id = fields.UUID(required=True)
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_SEQ))
    type = Text(required=True, validate=validate.Length(1, 64))
    v = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True)
    base = fields.Dict(load_default=dict)
    payload = fields.Dict(required=True)
    blob_refs = fields.List(fields.Dict(), load_default=list)


_ENVELOPE = EnvelopeSchema()  # built once: a schema instance deep-copies its fields


class ReplayInterrupted(Exception):
    """Replay stopped on an unexpected error; `results` holds what was processed (and committed) before."""

    def __init__(self, results: list):
        super().__init__("replay interrupted")
        self.results = results


def _answer(envelope: dict, status: str, outcome: dict) -> dict:
    return {"id": envelope["id"], "seq": envelope["seq"], "status": status, **outcome}


def _same_command(stored, envelope: dict) -> bool:
    return (stored.type, stored.version, stored.payload) == (envelope["type"], envelope["v"], envelope["payload"])


def _duplicate(stored, envelope: dict) -> dict:
    """The stored outcome again; an id reused for a different command gets neither a run nor that outcome."""
    if not _same_command(stored, envelope):
        return {"id": envelope["id"], "seq": envelope["seq"], "status": REJECTED, "code": "id_reused",
                "message": "This phone already sent a different command with the same id; it was not applied."}
    return {"id": stored.command_id, "seq": stored.seq or None, "status": DUPLICATE,
            "original_status": stored.status, **stored.outcome}


def _answer_of(replayed, envelope: dict) -> dict:
    """The answer for a logged command: its outcome, or the outcome of its earlier run if it was a retry."""
    if replayed.stored is not None:
        return _duplicate(replayed.stored, envelope)
    return _answer(envelope, replayed.status, replayed.outcome)


def _usable_seq(value) -> int | None:
    return value if type(value) is int and 1 <= value <= MAX_SEQ else None


def _salvage(raw) -> dict:
    """What can be kept of a malformed entry: every value checked, so storing and answering it cannot fail."""
    entry = raw if isinstance(raw, dict) else {}
    try:
        command_id = str(uuid.UUID(entry.get("id"))) if isinstance(entry.get("id"), str) else None
    except ValueError:
        command_id = None
    kind, version, payload = entry.get("type"), entry.get("v"), entry.get("payload")
    return {"id": command_id, "seq": _usable_seq(entry.get("seq")),
            "type": kind[:64] if isinstance(kind, str) and not invalid_text_paths(kind) else "",
            "v": version if type(version) is int and 0 <= version <= MAX_SEQ else 0,
            # A payload that is not storable text is kept out of the log; the phone still has it.
            "payload": payload if isinstance(payload, dict) and not invalid_text_paths(payload) else {},
            "occurred_at": None}


def _refuse_text_that_is_not_text(raw) -> None:
    """A command carrying a string that cannot be stored (a lone surrogate) is malformed, on its own."""
    problems = invalid_text_paths(raw)
    if problems:
        raise ValidationError(problems)


def _item(device_id: str, raw):
    """A pushed entry checked at the edge: the command to replay (ReplayCommand), a rejection to log
    (RecordReplayOutcome), or the answer of an entry without a usable id (a dict: nothing to log it under)."""
    try:
        _refuse_text_that_is_not_text(raw)
        envelope = _ENVELOPE.load(raw)
    except ValidationError as exc:
        envelope = _salvage(raw)
        errors = flatten_errors(exc.messages)
        if envelope["id"] is None:  # nothing to store it under: answered by its index in the batch
            return {"id": None, "seq": envelope["seq"], "status": REJECTED, "code": "invalid",
                    "message": "This command is malformed.", "errors": errors}
        return _rejection(device_id, envelope, "invalid", "This command is malformed.", errors)
    envelope["id"] = str(envelope["id"])
    known = COMMAND_TYPES.get((envelope["type"], envelope["v"]))
    if known is None:
        return _rejection(device_id, envelope, "upgrade_required",
                          f"This server does not know '{envelope['type']}' version {envelope['v']}; update the app.")
    schema, build = known
    try:
        payload = schema.load(envelope["payload"])
    except ValidationError as exc:
        return _rejection(device_id, envelope, "invalid", "Some fields are not valid.", flatten_errors(exc.messages))
    try:
        return commands.ReplayCommand(device_id, envelope, build(payload))
    except DomainError as exc:
        return _rejection(device_id, envelope, exc.code, exc.message)


def _rejection(device_id: str, envelope: dict, code: str, message: str, errors=None) -> commands.RecordReplayOutcome:
    """A permanent rejection, logged so that a retry gets the same answer; the device moves on."""
    outcome = {"code": code, "message": message, **({"errors": errors} if errors else {})}
    return commands.RecordReplayOutcome(device_id, envelope, REJECTED, outcome)


def replay_one(bus, actor, device_id: str, item) -> dict:
    """Replay one checked entry (see _item) in its own transaction and say what became of it."""
    if isinstance(item, dict):
        return item
    if isinstance(item, commands.RecordReplayOutcome):
        return _answer_of(bus.handle(item, actor), item.envelope)
    try:
        replayed = bus.handle(item, actor)
    except DomainError as exc:
        return _answer_of(bus.handle(_rejection(device_id, item.envelope, exc.code, exc.message), actor),
                          item.envelope)
    return _answer_of(replayed, item.envelope)


def register_device(bus, actor, device_id: str) -> bool:
    """Register the caller's device on its first push; False if it belongs to another user."""
    return bus.handle(commands.RegisterDevice(device_id), actor)


def _in_seq_order(raw_commands) -> list:
    return sorted(enumerate(raw_commands),
                  key=lambda entry: _usable_seq(entry[1].get("seq") if isinstance(entry[1], dict) else None) or 0)


def replay(bus, session, actor, device_id: str, raw_commands) -> dict:
    """Replay a pushed batch in seq order; one result per entry (with its `index`) and the device's progress.

    The whole push runs as one bus command (one transaction, one commit: see
    services/sync_log.replay_batch). If that fails as a whole (a deadlock twice, a bug in one handler),
    nothing of it was saved, and the push is replayed again command by command, each in its own transaction.
    """
    checked = [(index, _item(device_id, raw)) for index, raw in _in_seq_order(raw_commands)]
    batch = tuple(item for _, item in checked if not isinstance(item, dict))
    try:
        replayed = iter(bus.handle(commands.ReplayBatch(device_id, batch), actor) if batch else ())
    except Exception:
        session.rollback()
        log.warning("push of device %s failed as a batch; replaying it command by command", device_id,
                    exc_info=True)
        return replay_one_by_one(bus, session, actor, device_id, checked)
    results = [{**(item if isinstance(item, dict) else _answer_of(next(replayed), item.envelope)), "index": index}
               for index, item in checked]
    return {"results": results, "last_processed_seq": last_processed_seq(session, device_id)}


def replay_one_by_one(bus, session, actor, device_id: str, checked) -> dict:
    """Replay checked entries each in its own transaction (the slow way, after a batch failed as a whole).

    Each command commits on its own, so an unexpected error stops the batch where it happened and raises
    ReplayInterrupted with the results of the entries before it: those are committed and must be answered.
    """
    results = []
    for index, item in checked:
        try:
            results.append({**replay_one(bus, actor, device_id, item), "index": index})
        except Exception:
            session.rollback()
            log.exception("replaying entry %s of device %s failed; the rest of the batch waits", index, device_id)
            raise ReplayInterrupted(results)
    return {"results": results, "last_processed_seq": last_processed_seq(session, device_id)}
