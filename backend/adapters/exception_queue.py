"""Rows of the office's exception queue, written in the caller's transaction."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.events import DomainEvent
from ..domain.exception_queue import OPEN
from .records import OfficeException


def open_exceptions(session, raised, actor_id: int | None, command_id: str | None) -> list[DomainEvent]:
    """Insert the raised exceptions; return an `exception.opened` event for each (live queue, audit)."""
    events = []
    for item in raised:
        row = OfficeException(code=item.code, message=item.message[:500], order_id=item.order_id,
                              raised_by_id=actor_id, command_id=command_id, data=item.data, status=OPEN,
                              resolution_note="", version=1)
        session.add(row)
        session.flush()
        events.append(DomainEvent(name="exception.opened", aggregate_type="exception", aggregate_id=row.id,
                                  aggregate_version=1, data={"actor_id": actor_id, "code": item.code,
                                                             "order_id": item.order_id}))
    return events


class ExceptionRepository:
    """Loads exceptions for resolution, locked so two managers cannot both resolve one."""

    def __init__(self, session):
        self.session = session

    def lock(self, exception_id: int) -> OfficeException | None:
        """The exception row, locked for update.

        Only its own row: PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins that load
        the users who raised and resolved it.
        """
        return self.session.execute(sa.select(OfficeException).where(OfficeException.id == exception_id)
                                    .with_for_update(of=OfficeException)
                                    .execution_options(populate_existing=True)).scalar_one_or_none()

    def open_codes(self, order_id: int) -> set[str]:
        """The codes of the order's exceptions still open (a declined capture holds its parcel until resolved)."""
        return set(self.session.execute(sa.select(OfficeException.code).where(
            OfficeException.order_id == order_id, OfficeException.status == OPEN)).scalars())
