"""Read model of the office's exception queue."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..adapters.records import OfficeException, User
from ..domain.exception_queue import OPEN


def list_exceptions(session, *, status: str | None = OPEN, limit: int = 100,
                    exception_id: int | None = None) -> list[dict]:
    """Exceptions, oldest open first (they have waited longest); resolved ones newest first."""
    raiser, resolver = aliased(User), aliased(User)
    query = (sa.select(OfficeException, raiser.name.label("raised_by"), resolver.name.label("resolved_by"))
             .outerjoin(raiser, raiser.id == OfficeException.raised_by_id)
             .outerjoin(resolver, resolver.id == OfficeException.resolved_by_id))
    if status is not None:
        query = query.where(OfficeException.status == status)
    if exception_id is not None:
        query = query.where(OfficeException.id == exception_id)
    order = OfficeException.opened_at.asc() if status == OPEN else OfficeException.opened_at.desc()
    rows = session.execute(query.order_by(order, OfficeException.id).limit(limit)).all()
    return [{"id": e.id, "code": e.code, "message": e.message, "order_id": e.order_id,
             "order_number": f"WB-{e.order_id:06d}" if e.order_id else None, "status": e.status,
             "raised_by": raised_by, "command_id": e.command_id, "data": e.data, "opened_at": e.opened_at,
             "resolved_at": e.resolved_at, "resolved_by": resolved_by, "resolution_note": e.resolution_note}
            for e, raised_by, resolved_by in rows]


def count_open(session) -> int:
    """How many exceptions wait for a person."""
    return session.execute(sa.select(sa.func.count()).where(OfficeException.status == OPEN)).scalar_one()
