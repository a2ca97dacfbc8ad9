"""Reads of the offline sync: how far a device's queue has been replayed."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.records import Device


def last_processed_seq(session, device_id: str) -> int:
    """How far the server has replayed this device's queue (the highest seq processed)."""
    last = session.execute(sa.select(Device.last_processed_seq).where(Device.id == device_id)).scalar_one()
    session.rollback()
    return last
