"""Handlers of the office's exception queue."""
from __future__ import annotations

from ..domain import commands
from ..domain.access import Actor, Role, require_role
from ..domain.errors import NotFound
from ..domain.events import DomainEvent, utcnow
from ..domain.exception_queue import RESOLVED, check_resolution
from .unit_of_work import UnitOfWork
from .settings import Settings


def resolve_exception(cmd: commands.ResolveException, actor: Actor, uow: UnitOfWork, settings: Settings):
    """Close an open exception with a note; the first of two managers wins, the second is told."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    row = uow.exception_queue.lock(cmd.exception_id)
    if row is None:
        raise NotFound("No such exception.")
    row.resolution_note = check_resolution(status=row.status, note=cmd.note)
    row.status, row.resolved_at, row.resolved_by_id = RESOLVED, utcnow(), actor.user_id
    row.version += 1
    uow.publish(DomainEvent(name="exception.resolved", aggregate_type="exception", aggregate_id=row.id,
                            aggregate_version=row.version,
                            data={"actor_id": actor.user_id, "order_id": row.order_id}))
    uow.commit()
    return row
