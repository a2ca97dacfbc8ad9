"""Handlers run on the in-memory unit of work (tests/fakes.py): their rules, with no app and no database.

The same behaviours run on SQLite and PostgreSQL through the bus in tests/integration (stock service,
sync replay) and tests/e2e (the sync endpoints).
"""
import pytest

from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.catalogue import Product, Warehouse
from backend.domain.errors import DomainError, Forbidden, StockError
from backend.services import messagebus, sync_log
from backend.services.messagebus import MessageBus
from backend.services.settings import Settings
from tests.fakes import FakeUnitOfWork

MANAGER = Actor(user_id=7, role=Role.MANAGER)
SETTINGS = Settings.__new__(Settings)  # adjust_stock and the sync log read no setting


@pytest.fixture
def uow():
    uow = FakeUnitOfWork()
    uow.catalogue.add(Warehouse("MAN", "Manchester", {}, 53.48, -2.24))
    uow.catalogue.add(Product("MUG", "Mug", 800, "GBP"))
    return uow


@pytest.fixture
def bus(uow):
    return MessageBus(lambda: uow, SETTINGS)


def adjust(uow, delta, reason="adjustment"):
    warehouse, product = uow.catalogue.things
    return commands.AdjustStock(warehouse.id, product.id, reason, on_hand_delta=delta, note="counted")


def envelope(command_id="c1", seq=1):
    return {"id": command_id, "seq": seq, "type": "stock.adjust", "v": 1, "payload": {"delta": 2}}


def test_an_adjustment_makes_the_level_and_one_ledger_movement(bus, uow):
    level = bus.handle(adjust(uow, 5, "received"), MANAGER)
    assert (level.on_hand, level.reserved) == (5, 0)
    assert [(m.reason, m.on_hand_delta, m.actor_id) for m in uow.stock.movements] == [("received", 5, 7)]
    assert [e.name for e in uow.committed[-1]] == ["stock.adjusted"]


def test_stock_never_goes_negative_and_nothing_is_committed(bus, uow):
    with pytest.raises(StockError):
        bus.handle(adjust(uow, -1), MANAGER)
    assert uow.committed == []


def test_floor_staff_of_another_warehouse_are_refused(bus, uow):
    with pytest.raises(Forbidden):
        bus.handle(adjust(uow, 1), Actor(user_id=8, role=Role.FLOOR, warehouse_ids=frozenset({999})))
    assert uow.committed == []


def test_a_replayed_command_is_logged_in_the_commit_of_its_change(bus, uow):
    bus.handle(commands.RegisterDevice("phone"), MANAGER)
    replayed = bus.handle(commands.ReplayCommand("phone", envelope(), adjust(uow, 2)), MANAGER)
    assert (replayed.status, replayed.stored) == (sync_log.APPLIED, None)
    assert replayed.outcome["events"][0]["name"] == "stock.adjusted"
    stored = uow.sync_log.find_command("phone", "c1")
    assert (stored.status, stored.outcome) == (sync_log.APPLIED, replayed.outcome)
    assert uow.sync_log.devices["phone"].last_processed_seq == 1


def test_a_retried_command_gets_its_stored_outcome_and_is_not_applied_again(bus, uow):
    bus.handle(commands.RegisterDevice("phone"), MANAGER)
    first = bus.handle(commands.ReplayCommand("phone", envelope(), adjust(uow, 2)), MANAGER)
    again = bus.handle(commands.ReplayCommand("phone", envelope(), adjust(uow, 2)), MANAGER)
    assert again.status == sync_log.DUPLICATE and again.stored.outcome == first.outcome
    assert uow.stock.lock_level(*[t.id for t in uow.catalogue.things]).on_hand == 2


def test_a_command_that_opens_an_exception_is_applied_with_exception(bus, uow, monkeypatch):
    def adjust_and_flag(cmd, actor, uow, settings):
        uow.open_exception("stock.count_differs", "The count differs.")
        uow.commit()

    monkeypatch.setitem(messagebus.HANDLERS, commands.AdjustStock, adjust_and_flag)
    bus.handle(commands.RegisterDevice("phone"), MANAGER)
    replayed = bus.handle(commands.ReplayCommand("phone", envelope(), adjust(uow, 2)), MANAGER)
    assert replayed.status == sync_log.APPLIED_WITH_EXCEPTION
    (opened,) = uow.exception_queue.rows.values()
    assert replayed.outcome["exceptions"] == [{"id": opened.id, "code": "stock.count_differs",
                                               "message": "The count differs."}]
    assert (opened.command_id, opened.raised_by_id) == ("c1", MANAGER.user_id)


def test_the_first_manager_resolves_an_exception_and_the_second_is_told(bus, uow):
    uow.open_exception("stock.count_differs", "The count differs.")
    uow.commit()
    (opened,) = uow.exception_queue.rows
    resolved = bus.handle(commands.ResolveException(opened, "recounted"), MANAGER)
    assert (resolved.status, resolved.resolution_note, resolved.resolved_by_id) == ("resolved", "recounted", 7)
    assert [e.name for e in uow.committed[-1]] == ["exception.resolved"]
    with pytest.raises(DomainError):
        bus.handle(commands.ResolveException(opened, "me too"), Actor(user_id=8, role=Role.MANAGER))
    assert resolved.resolution_note == "recounted"


def test_floor_staff_cannot_resolve_exceptions(bus, uow):
    with pytest.raises(Forbidden):
        bus.handle(commands.ResolveException(1, "done"), Actor(user_id=8, role=Role.FLOOR))


def test_a_rejection_is_logged_so_a_retry_gets_the_same_answer(bus, uow):
    bus.handle(commands.RegisterDevice("phone"), MANAGER)
    outcome = {"code": "stock.negative", "message": "No."}
    first = bus.handle(commands.RecordReplayOutcome("phone", envelope(), sync_log.REJECTED, outcome), MANAGER)
    again = bus.handle(commands.RecordReplayOutcome("phone", envelope(), sync_log.REJECTED, outcome), MANAGER)
    assert (first.status, first.outcome) == (sync_log.REJECTED, outcome)
    assert again.stored.status == sync_log.REJECTED and again.stored.outcome == outcome


def test_a_device_belongs_to_the_user_who_registered_it(bus):
    assert bus.handle(commands.RegisterDevice("phone"), MANAGER) is True
    assert bus.handle(commands.RegisterDevice("phone"), MANAGER) is True
    assert bus.handle(commands.RegisterDevice("phone"), Actor(user_id=9, role=Role.DRIVER)) is False


def test_the_bus_runs_before_commit_inside_the_transaction_just_before_it_commits(bus, uow):
    seen = []
    bus.handle(adjust(uow, 1), MANAGER, before_commit=lambda: seen.append(len(uow.committed)))
    assert seen == [0] and len(uow.committed) == 1


def test_a_refused_command_never_runs_before_commit(bus, uow):
    seen = []
    with pytest.raises(StockError):
        bus.handle(adjust(uow, -1), MANAGER, before_commit=lambda: seen.append("placed"))
    assert seen == [] and uow.committed == []


def test_a_batch_applies_each_command_once_and_a_refused_one_alone(bus, uow):
    bus.handle(commands.RegisterDevice("phone"), MANAGER)
    batch = (commands.ReplayCommand("phone", envelope("c1", 1), adjust(uow, 5)),
             commands.ReplayCommand("phone", envelope("c2", 2), adjust(uow, -50)),  # more than the shelf holds
             commands.ReplayCommand("phone", envelope("c1", 1), adjust(uow, 5)),  # the same id twice in a push
             commands.ReplayCommand("phone", envelope("c3", 3), adjust(uow, -2)))
    results = bus.handle(commands.ReplayBatch("phone", batch), MANAGER)
    assert [r.status for r in results] == [sync_log.APPLIED, sync_log.REJECTED, sync_log.DUPLICATE, sync_log.APPLIED]
    assert results[1].outcome["code"] == "stock.negative_on_hand"
    assert [m.on_hand_delta for m in uow.stock.movements] == [5, -2]
    assert [e.name for e in uow.committed[-1]] == ["stock.adjusted", "stock.adjusted"]  # one commit for the push
    assert uow.sync_log.find_command("phone", "c2").status == sync_log.REJECTED
    assert uow.sync_log.devices["phone"].last_processed_seq == 3
    again = bus.handle(commands.ReplayBatch("phone", batch), MANAGER)
    assert [r.status for r in again] == [sync_log.DUPLICATE] * 4
    assert [r.stored.status for r in again] == [sync_log.APPLIED, sync_log.REJECTED, sync_log.APPLIED,
                                                sync_log.APPLIED]
    assert len(uow.stock.movements) == 2 and uow.committed[-1] == []  # nothing written again
