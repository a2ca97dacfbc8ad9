"""The bus runs a command again once after a concurrent change got in the way, and turns a second clash
into a 409; it knows these only as the domain's ConcurrentUpdate and DuplicateRow (the unit of work
translates the database's errors: tests/unit/test_unit_of_work_errors.py)."""
import pytest

from backend.domain import commands
from backend.domain.access import SYSTEM
from backend.domain.errors import ConcurrentUpdate, DuplicateRow
from backend.services import messagebus
from backend.services.messagebus import ConflictingWrite, MessageBus, TooBusy
from backend.services.settings import Settings
from tests.fakes import FakeUnitOfWork

COMMAND = commands.RegisterDevice("phone")


@pytest.fixture
def uows():
    return []


@pytest.fixture
def bus(uows):
    def fresh():
        uows.append(FakeUnitOfWork())
        return uows[-1]
    return MessageBus(fresh, Settings.__new__(Settings))


def failing(monkeypatch, *errors):
    """Make RegisterDevice's handler raise `errors` one run after the other, then answer 'done'."""
    runs = iter(errors)

    def handler(cmd, actor, uow, settings):
        error = next(runs, None)
        if error is not None:
            raise error
        return "done"
    monkeypatch.setitem(messagebus.HANDLERS, commands.RegisterDevice, handler)


@pytest.mark.parametrize("error", [ConcurrentUpdate("deadlock"), DuplicateRow("unique")])
def test_one_clash_is_run_again_in_a_fresh_unit_of_work(bus, uows, monkeypatch, error):
    failing(monkeypatch, error)
    assert bus.handle(COMMAND, SYSTEM) == "done"
    assert len(uows) == 2


def test_a_second_deadlock_is_an_answer_the_caller_can_give_as_503_not_a_crash(bus, uows, monkeypatch):
    failing(monkeypatch, ConcurrentUpdate("first"), ConcurrentUpdate("second"))
    with pytest.raises(TooBusy) as refused:
        bus.handle(COMMAND, SYSTEM)
    assert (refused.value.code, refused.value.status) == ("busy", 503)
    assert "nothing was saved" in str(refused.value)
    assert len(uows) == 2


def test_a_second_duplicate_is_a_conflict_the_caller_can_answer_with_409(bus, uows, monkeypatch):
    failing(monkeypatch, DuplicateRow("first"), DuplicateRow("second"))
    with pytest.raises(ConflictingWrite) as conflict:
        bus.handle(COMMAND, SYSTEM)
    assert (conflict.value.status, conflict.value.code) == (409, "conflict")
    assert isinstance(conflict.value.__cause__, DuplicateRow) and len(uows) == 2


def test_other_errors_are_not_run_again(bus, uows, monkeypatch):
    failing(monkeypatch, RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        bus.handle(COMMAND, SYSTEM)
    assert len(uows) == 1
