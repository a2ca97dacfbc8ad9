"""Writes domain events to the outbox and order changes to the audit trail, inside the caller's transaction."""
from __future__ import annotations

from dataclasses import replace

from .precompiled import PrecompiledInsert, transaction_connection, transaction_driver
from .records import AuditEvent, OutboxEvent

# The channel a relay in another process LISTENs on (see outbox_signal.py). PostgreSQL delivers a NOTIFY
# only when its transaction commits, and folds repeats within one transaction into one.
OUTBOX_CHANNEL = "waybill_outbox"

# Exactly these columns: the others keep their server defaults (e.g. the outbox's txid on PostgreSQL).
_INSERT_OUTBOX = PrecompiledInsert(OutboxEvent.__table__, ("event_id", "name", "aggregate_type", "aggregate_id",
                                                           "aggregate_version", "payload", "occurred_at"))
_INSERT_AUDIT = PrecompiledInsert(AuditEvent.__table__, ("order_id", "actor_id", "action", "from_status",
                                                         "to_status", "data", "created_at"))


_PLAIN = frozenset({str, int, float, bool, type(None), list, dict})  # most values: stored as they are


def _json_safe(data: dict) -> dict:
    """Enums and other str-like values become plain strings for the JSON column."""
    return {k: (v if type(v) in _PLAIN else v.value if hasattr(v, "value") else v) for k, v in data.items()}


def write_events(session, events) -> None:
    """Insert one outbox row per event, and one audit row per order event, in the open transaction.

    Plain multi-row INSERTs: these rows are never read back in the request, so building ORM objects
    for them would only cost time on every write.
    """
    outbox_rows, audit_rows = [], []
    for event in events:
        data = _json_safe(event.data)
        outbox_rows.append({"event_id": event.event_id, "name": event.name, "aggregate_type": event.aggregate_type,
                            "aggregate_id": event.aggregate_id, "aggregate_version": event.aggregate_version,
                            "payload": data, "occurred_at": event.occurred_at})
        if event.aggregate_type == "order":
            audit_rows.append({"order_id": event.aggregate_id, "actor_id": data.get("actor_id"),
                               "action": event.name, "from_status": data.get("from_status"),
                               "to_status": data.get("to_status"), "data": data, "created_at": event.occurred_at})
    if outbox_rows:  # compiled once, run on the transaction's connection (see precompiled.py)
        _INSERT_OUTBOX.run(session, outbox_rows)
        if transaction_driver(session)[1].name == "postgresql":  # wake the relay process at commit, not at its next poll
            transaction_connection(session).exec_driver_sql(f"NOTIFY {OUTBOX_CHANNEL}")
    if audit_rows:
        _INSERT_AUDIT.run(session, audit_rows)


def with_aggregate_id(event, aggregate_id):
    """An event recorded before its aggregate had an id, completed after the insert."""
    return event if event.aggregate_id is not None else replace(event, aggregate_id=aggregate_id)
