"""Exceptions are written with the fact that raised them, and leave the queue only by a person's note."""
import pytest
import sqlalchemy as sa

from backend.adapters.records import OfficeException, OutboxEvent
from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.errors import Forbidden, NotFound
from backend.domain.exception_queue import ExceptionAlreadyResolved, InvalidResolution
from backend.extensions import db
from tests.factories import refused, run, standard_shop

MANAGER = Actor(user_id=None, role=Role.MANAGER)


@pytest.fixture
def order_id(app):
    shop = standard_shop(app)
    return shop.place(MANAGER, [("MUG", 1)])


def open_one(app, order_id, *, commit=True):
    """Open an exception the way a handler does: in its unit of work, with its change."""
    with app.app_context(), bus().uow_factory() as uow:
        uow.actor_id = None
        uow.open_exception("delivery.after_cancel", "Handed over after a cancel.", order_id=order_id,
                           data={"stop_id": 3})
        if commit:
            uow.commit()
        return db.session.execute(sa.select(OfficeException.id).order_by(OfficeException.id.desc())).scalar()


def test_an_exception_is_written_with_its_event_in_the_same_commit(app, order_id):
    exception_id = open_one(app, order_id)
    with app.app_context():
        row = db.session.get(OfficeException, exception_id)
        assert (row.code, row.status, row.order_id, row.data) == ("delivery.after_cancel", "open", order_id,
                                                                  {"stop_id": 3})
        event = db.session.execute(sa.select(OutboxEvent).where(OutboxEvent.name == "exception.opened")).scalar_one()
        assert (event.aggregate_type, event.aggregate_id) == ("exception", exception_id)


def test_an_exception_of_a_change_that_is_rolled_back_is_not_kept(app, order_id):
    assert open_one(app, order_id, commit=False) is None


def test_a_manager_resolves_an_exception_with_a_note_once(app, order_id):
    exception_id = open_one(app, order_id)
    row = run(app, commands.ResolveException(exception_id, "Customer keeps it; refunded."), MANAGER)
    assert (row.status, row.resolution_note) == ("resolved", "Customer keeps it; refunded.")
    assert row.resolved_at is not None
    refused(app, commands.ResolveException(exception_id, "Again"), MANAGER, ExceptionAlreadyResolved)


def test_an_exception_does_not_leave_the_queue_without_a_note_or_by_floor_staff(app, order_id):
    exception_id = open_one(app, order_id)
    refused(app, commands.ResolveException(exception_id, "  "), MANAGER, InvalidResolution)
    refused(app, commands.ResolveException(exception_id, "done"), Actor(user_id=None, role=Role.FLOOR), Forbidden)
    refused(app, commands.ResolveException(exception_id, "done"), Actor(user_id=None, role=Role.DRIVER), Forbidden)
    refused(app, commands.ResolveException(exception_id + 1, "done"), MANAGER, NotFound)
    with app.app_context():
        assert db.session.get(OfficeException, exception_id).status == "open"
