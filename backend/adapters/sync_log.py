"""Devices and the log of replayed offline commands (the idempotency store of the sync protocol)."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.events import utcnow
from .precompiled import PrecompiledInsert
from .records import Device, SyncCommand

_INSERT_COMMANDS = PrecompiledInsert(SyncCommand.__table__, (
    "command_id", "device_id", "seq", "type", "version", "payload", "status", "outcome", "occurred_at", "received_at"))


class SyncLogRepository:
    """The sync log of one unit of work: each command is written in the transaction of what it did."""

    def __init__(self, session):
        self.session = session

    def lock_device(self, device_id: str) -> Device | None:
        """The device row, locked: one device's commands are replayed one at a time, in order."""
        return self.session.execute(sa.select(Device).where(Device.id == device_id).with_for_update()
                                    .execution_options(populate_existing=True)).scalar_one_or_none()

    def add_device(self, device_id: str, user_id: int) -> Device:
        """Register a phone for its user (a unique-key race with its other tab surfaces at commit)."""
        device = Device(id=device_id, user_id=user_id)
        self.session.add(device)
        return device

    def find_command(self, device_id: str, command_id: str) -> SyncCommand | None:
        """A command this device already sent, by its client-generated id (ids are scoped to their device:
        another user's phone may use the same id, and must never see this one's outcome)."""
        return self.session.execute(sa.select(SyncCommand).where(
            SyncCommand.device_id == device_id, SyncCommand.command_id == command_id)).scalar_one_or_none()

    def record_command(self, device: Device, envelope: dict, status: str, outcome: dict) -> None:
        """Store a command's outcome and move the device's progress on, in the caller's transaction."""
        seq = envelope["seq"] or 0  # 0: a malformed command stored without a usable seq
        self.session.add(SyncCommand(command_id=envelope["id"], device_id=device.id, seq=seq,
                                     type=envelope["type"], version=envelope["v"], payload=envelope["payload"],
                                     status=status, outcome=outcome, occurred_at=envelope.get("occurred_at")))
        device.last_processed_seq = max(device.last_processed_seq, seq)
        device.last_seen_at = utcnow()
        self.session.flush()

    def find_commands(self, device_id: str, command_ids) -> dict[str, SyncCommand]:
        """The commands of this list the device already sent, by id: one query for a whole push."""
        wanted = sorted(set(command_ids))
        if not wanted:
            return {}
        found = self.session.execute(sa.select(SyncCommand).where(
            SyncCommand.device_id == device_id, SyncCommand.command_id.in_(wanted))).scalars()
        return {row.command_id: row for row in found}

    def record_commands(self, device: Device, logged) -> None:
        """Store many outcomes (objects with command_id, seq, type, version, payload, status, outcome,
        occurred_at) in one statement, and move the device's progress on, in the caller's transaction."""
        if not logged:
            return
        now = utcnow()
        _INSERT_COMMANDS.run(self.session, [
            {"command_id": c.command_id, "device_id": device.id, "seq": c.seq or 0, "type": c.type,
             "version": c.version, "payload": c.payload, "status": c.status, "outcome": c.outcome,
             "occurred_at": c.occurred_at, "received_at": now} for c in logged])
        device.last_processed_seq = max(device.last_processed_seq, *(c.seq or 0 for c in logged))
        device.last_seen_at = now
        self.session.flush()
