"""A push replayed as one batch, on SQLite and PostgreSQL: each command applied exactly once, a refused one alone.

A push runs in one transaction (services/sync_log.replay_batch): what a refused command wrote is undone
without undoing its neighbours, a retried push applies nothing again, and two phones whose pushes touch the
same stock levels in opposite orders both get through (the levels are locked up front in one global order,
so the batches cannot deadlock).
"""
from __future__ import annotations

import logging
import shutil
import threading
import uuid

import pytest
import sqlalchemy as sa

from backend.adapters.records import OfficeException, OutboxEvent, SyncCommand, User
from backend.adapters.tables import stock_levels, stock_movements
from backend.domain import commands
from backend.domain.errors import StockError
from backend.extensions import db
from backend.services import messagebus
from tests.conftest import make_app
from tests.factories import issue_token, standard_shop


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request, tmp_path):
    """The app on a fresh SQLite file, then on the run's PostgreSQL database."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_app")
        return
    path = tmp_path / "waybill.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    application = make_app(f"sqlite:///{path}", BLOB_DIR=str(tmp_path / "blobs"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


class Phone:
    """A floor user's phone: its token, its device id, and the shop it counts stock in."""

    def __init__(self, app, shop, email):
        user_id, _ = shop.user("floor", email=email, warehouses=("LON", "MAN"))
        with app.app_context():
            _, self.token = issue_token(db.session.get(User, user_id))
        self.app, self.shop, self.device = app, shop, str(uuid.uuid4())

    def count(self, seq, delta, sku="MUG", warehouse="LON", note="shelf count"):
        """A queued stock count as the phone stores it."""
        return {"id": str(uuid.uuid4()), "seq": seq, "type": "stock.adjust", "v": 1,
                "payload": {"warehouse_id": self.shop.warehouses[warehouse], "product_id": self.shop.products[sku],
                            "reason": "count", "on_hand_delta": delta, "note": note}}

    def push(self, batch):
        response = self.app.test_client().post("/api/v1/sync/push", headers={"Authorization": f"Bearer {self.token}"},
                                               json={"device_id": self.device, "commands": batch})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()


def ledger(app, shop, sku="MUG", warehouse="LON"):
    """(units on hand, count movements) of one level, and how many commands the sync log holds."""
    warehouse_id, product_id = shop.warehouses[warehouse], shop.products[sku]
    with app.app_context():
        on_hand = db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.product_id == product_id)).scalar_one()
        moves = db.session.execute(sa.select(sa.func.count()).select_from(stock_movements).where(
            stock_movements.c.reason == "count", stock_movements.c.warehouse_id == warehouse_id,
            stock_movements.c.product_id == product_id)).scalar_one()
        logged = db.session.execute(sa.select(sa.func.count()).select_from(SyncCommand)).scalar_one()
        db.session.remove()
    return on_hand, moves, logged


@pytest.fixture
def shop(any_app):
    return standard_shop(any_app)


def test_a_push_with_a_refused_command_in_the_middle_applies_the_others_once_and_reports_it(any_app, shop):
    phone = Phone(any_app, shop, "pat@example.com")
    batch = [phone.count(1, -1), phone.count(2, -2), phone.count(3, -100), phone.count(4, 3), phone.count(5, -4)]
    body = phone.push(batch)
    assert [(r["index"], r["seq"], r["status"]) for r in body["results"]] == [
        (0, 1, "applied"), (1, 2, "applied"), (2, 3, "rejected"), (3, 4, "applied"), (4, 5, "applied")]
    refused = body["results"][2]
    assert (refused["id"], refused["code"]) == (batch[2]["id"], "stock.negative_on_hand")
    assert refused["message"]
    assert body["last_processed_seq"] == 5
    assert ledger(any_app, shop) == (40 - 1 - 2 + 3 - 4, 4, 5)
    # The response was lost: the phone sends the same push again, and nothing is applied twice.
    again = phone.push(batch)
    assert [(r["status"], r["original_status"]) for r in again["results"]] == [
        ("duplicate", "applied"), ("duplicate", "applied"), ("duplicate", "rejected"), ("duplicate", "applied"),
        ("duplicate", "applied")]
    assert again["results"][2]["code"] == "stock.negative_on_hand"
    assert ledger(any_app, shop) == (36, 4, 5)


def test_what_a_refused_command_wrote_is_undone_and_its_neighbours_stay(any_app, shop, monkeypatch):
    real = messagebus.HANDLERS[commands.AdjustStock]

    def writes_then_refuses(cmd, actor, uow, settings):
        if cmd.note == "flag, save, then refuse":  # an exception row inserted by the step, then undone with it
            uow.open_exception("stock.count_differs", "The count differs.")
            real(cmd, actor, uow, settings)
            raise StockError("The shelf was recounted meanwhile.", code="stock.recounted")
        if cmd.note != "refuse after writing":
            return real(cmd, actor, uow, settings)
        level = uow.stock.lock_level(cmd.warehouse_id, cmd.product_id)
        level.on_hand += 1000  # written to the database by the flush below, after the push's savepoint
        uow.flush()
        raise StockError("The shelf was recounted meanwhile.", code="stock.recounted")

    monkeypatch.setitem(messagebus.HANDLERS, commands.AdjustStock, writes_then_refuses)
    phone = Phone(any_app, shop, "pat@example.com")
    body = phone.push([phone.count(1, -1), phone.count(2, 5, note="refuse after writing"), phone.count(3, -2),
                       phone.count(4, 7, note="flag, save, then refuse"), phone.count(5, -3)])
    assert [(r["status"], r.get("code")) for r in body["results"]] == [
        ("applied", None), ("rejected", "stock.recounted"), ("applied", None), ("rejected", "stock.recounted"),
        ("applied", None)]
    assert ledger(any_app, shop) == (40 - 1 - 2 - 3, 3, 5)
    with any_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(OfficeException)).scalar_one() == 0
        adjusted = db.session.execute(sa.select(sa.func.count()).select_from(OutboxEvent).where(
            OutboxEvent.name == "stock.adjusted", OutboxEvent.payload["reason"].as_string() == "count")
        ).scalar_one()
        db.session.remove()
    assert adjusted == 3  # one event per applied count, none of the refused ones


def test_a_push_whose_commands_all_repeat_an_earlier_one_answers_each_as_a_duplicate(any_app, shop):
    phone = Phone(any_app, shop, "pat@example.com")
    first = phone.count(1, -1)
    body = phone.push([first, {**first, "seq": 2}, phone.count(3, -1)])
    assert [r["status"] for r in body["results"]] == ["applied", "duplicate", "applied"]
    assert ledger(any_app, shop) == (38, 2, 2)


def test_two_phones_pushing_the_same_levels_in_opposite_orders_both_get_through(pg_app, caplog):
    shop = standard_shop(pg_app)
    phones = [Phone(pg_app, shop, f"picker{i}@example.com") for i in range(4)]
    levels = [("MUG", "LON"), ("MUG", "MAN"), ("LAMP", "LON"), ("TEE", "MAN")]
    pushes = []
    for i, phone in enumerate(phones):
        walk = levels if i % 2 == 0 else levels[::-1]
        pushes.append([[phone.count(20 * round_ + n + 1, 1, sku=sku, warehouse=warehouse)
                        for n, (sku, warehouse) in enumerate(walk * 5)] for round_ in range(3)])
    start, answers, failures = threading.Barrier(len(phones)), [], []

    def send(phone, batches):
        start.wait()
        try:
            for batch in batches:
                answers.extend(phone.push(batch)["results"])
        except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
            failures.append(error)

    with caplog.at_level(logging.WARNING, logger="backend.sync.replay"):
        threads = [threading.Thread(target=send, args=pair) for pair in zip(phones, pushes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert [r["status"] for r in answers] == ["applied"] * (4 * 3 * 20)
    assert not [r for r in caplog.records if "failed as a batch" in r.getMessage()]  # no deadlock, no fallback
    assert ledger(pg_app, shop, "MUG", "LON") == (40 + 4 * 3 * 5, 4 * 3 * 5, 4 * 3 * 20)
    assert ledger(pg_app, shop, "TEE", "MAN")[:2] == (5 + 60, 60)
