"""POST /api/v1/sync/push under faults: malformed entries, errors mid-batch, reused ids, odd sequences.

The protocol: every entry gets its own result, a well-formed envelope always gets 200, a 5xx is never answered
after something was committed; command ids are the idempotency key per device; seq orders and marks
progress but never gates (a lower or skipped seq with a new id is applied).
"""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from backend.adapters.tables import stock_levels
from backend.adapters.records import SyncCommand
from backend.domain import commands
from backend.extensions import db
from backend.services import messagebus


def adjust(world, seq, delta, warehouse="LON", command_id=None, **extra):
    """A queued 'stock.adjust' command as the phone stores it."""
    return {"id": command_id or str(uuid.uuid4()), "seq": seq, "type": "stock.adjust", "v": 1, "base": {},
            "payload": {"warehouse_id": world.shop.warehouses[warehouse], "product_id": world.shop.products["MUG"],
                        "reason": "count", "on_hand_delta": delta, "note": extra.pop("note", "shelf count")},
            **extra}


def push(client, world, commands_, device, who="floor"):
    return client.post("/api/v1/sync/push", headers=world.headers(who),
                       json={"device_id": device, "commands": commands_})


def on_hand(app, world, warehouse="LON") -> int:
    with app.app_context():
        return db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.warehouse_id == world.shop.warehouses[warehouse],
            stock_levels.c.product_id == world.shop.products["MUG"])).scalar_one()


@pytest.fixture
def device():
    return str(uuid.uuid4())


def by_index(body) -> dict:
    return {r["index"]: r for r in body["results"]}


def test_a_command_whose_seq_is_text_is_rejected_alone_and_the_retry_is_answered_the_same(app, client, world,
                                                                                          device):
    before = on_hand(app, world)
    bad_id = str(uuid.uuid4())
    batch = [adjust(world, 1, -1), {**adjust(world, 2, -5), "id": bad_id, "seq": "two"}, adjust(world, 3, -2)]
    first = push(client, world, batch, device)
    assert first.status_code == 200, first.get_data(as_text=True)
    results = by_index(first.get_json())
    assert [results[i]["status"] for i in (0, 1, 2)] == ["applied", "rejected", "applied"]
    assert (results[1]["id"], results[1]["seq"], results[1]["code"]) == (bad_id, None, "invalid")
    assert "seq" in results[1]["errors"]
    assert on_hand(app, world) == before - 3
    again = push(client, world, batch, device)
    assert again.status_code == 200
    retried = by_index(again.get_json())
    assert [(retried[i]["status"], retried[i]["original_status"]) for i in (0, 1, 2)] == [
        ("duplicate", "applied"), ("duplicate", "rejected"), ("duplicate", "applied")]
    assert on_hand(app, world) == before - 3


@pytest.mark.parametrize("bad", [None, "not an object", 7, {"id": "not-a-uuid", "seq": 2},
                                 {"id": 12, "seq": 2.5, "type": ["x"], "v": "1", "payload": []}])
def test_an_entry_without_a_usable_id_gets_its_own_result_by_index_and_the_good_ones_apply(app, client, world,
                                                                                           device, bad):
    before = on_hand(app, world)
    response = push(client, world, [adjust(world, 1, -1), bad, adjust(world, 3, -1)], device)
    assert response.status_code == 200, response.get_data(as_text=True)
    results = by_index(response.get_json())
    assert len(response.get_json()["results"]) == 3
    assert (results[1]["id"], results[1]["status"], results[1]["code"]) == (None, "rejected", "invalid")
    assert results[0]["status"] == results[2]["status"] == "applied"
    assert on_hand(app, world) == before - 2


def test_an_unexpected_error_after_commits_answers_200_with_what_was_processed(app, client, world, device,
                                                                              monkeypatch):
    real = messagebus.HANDLERS[commands.AdjustStock]

    def breaks_on_boom(cmd, *args):
        if cmd.note == "boom":
            raise RuntimeError("a bug the phone cannot fix")
        return real(cmd, *args)

    monkeypatch.setitem(messagebus.HANDLERS, commands.AdjustStock, breaks_on_boom)
    before = on_hand(app, world)
    batch = [adjust(world, 1, -1), adjust(world, 2, -1, note="boom"), adjust(world, 3, -1)]
    response = push(client, world, batch, device)
    assert response.status_code == 200
    assert response.headers["Retry-After"].isdigit()
    body = response.get_json()
    assert [(r["index"], r["status"]) for r in body["results"]] == [(0, "applied")]
    assert body["last_processed_seq"] == 1
    assert on_hand(app, world) == before - 1
    # The phone sends the rest again; when nothing at all could be processed, nothing was saved: 503.
    retry = push(client, world, batch[1:], device)
    assert retry.status_code == 503 and retry.mimetype == "application/problem+json"
    assert retry.headers["Retry-After"].isdigit()
    assert on_hand(app, world) == before - 1


def test_the_same_command_id_from_another_users_phone_is_its_own_command(app, client, world):
    shared_id = str(uuid.uuid4())
    floor_before, manager_before = on_hand(app, world, "LON"), on_hand(app, world, "MAN")
    mine = push(client, world, [adjust(world, 1, -1, command_id=shared_id)], str(uuid.uuid4())).get_json()
    theirs = push(client, world, [adjust(world, 1, -2, "MAN", command_id=shared_id)], str(uuid.uuid4()),
                  who="manager").get_json()
    assert theirs["results"][0]["status"] == "applied"
    assert theirs["results"][0]["events"] != mine["results"][0]["events"]
    assert (on_hand(app, world, "LON"), on_hand(app, world, "MAN")) == (floor_before - 1, manager_before - 2)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(SyncCommand)
                                  .where(SyncCommand.command_id == shared_id)).scalar_one() == 2


def test_a_lower_seq_with_a_new_id_is_applied_and_does_not_move_progress_back(app, client, world, device):
    before = on_hand(app, world)
    assert push(client, world, [adjust(world, 5, -1)], device).get_json()["last_processed_seq"] == 5
    body = push(client, world, [adjust(world, 2, -1)], device).get_json()
    assert (body["results"][0]["status"], body["last_processed_seq"]) == ("applied", 5)
    assert on_hand(app, world) == before - 2


def test_a_gap_in_seq_is_not_waited_for(app, client, world, device):
    push(client, world, [adjust(world, 1, -1)], device)
    body = push(client, world, [adjust(world, 4, -1)], device).get_json()
    assert (body["results"][0]["status"], body["last_processed_seq"]) == ("applied", 4)


def test_a_renumbered_retry_of_the_same_command_is_a_duplicate(app, client, world, device):
    command = adjust(world, 1, -1)
    push(client, world, [command], device)
    before = on_hand(app, world)
    result = push(client, world, [{**command, "seq": 9}], device).get_json()["results"][0]
    assert (result["status"], result["original_status"], result["seq"]) == ("duplicate", "applied", 1)
    assert on_hand(app, world) == before


def test_an_id_reused_for_a_different_command_is_refused_and_never_gets_the_first_outcome(app, client, world,
                                                                                         device):
    command = adjust(world, 1, -1)
    first = push(client, world, [command], device).get_json()["results"][0]
    before = on_hand(app, world)
    reused = adjust(world, 2, -7, command_id=command["id"])
    result = push(client, world, [reused], device).get_json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "id_reused")
    assert "events" not in result and first["events"]
    assert on_hand(app, world) == before


@pytest.mark.parametrize("where", ["payload", "type", "base key"])
def test_a_command_carrying_text_that_is_not_text_is_rejected_alone_and_stored_without_it(app, client, world, device,
                                                                                          where):
    before = on_hand(app, world)
    bad = adjust(world, 2, -5, note="shelf \ud83d")
    if where == "type":
        bad = {**adjust(world, 2, -5), "type": "stock.adjust\ud83d"}
    elif where == "base key":
        bad = {**adjust(world, 2, -5), "base": {"\ud83d": 1}}
    first = push(client, world, [adjust(world, 1, -1), bad, adjust(world, 3, -2)], device)
    assert first.status_code == 200, first.get_data(as_text=True)
    results = by_index(first.get_json())
    assert [results[i]["status"] for i in (0, 1, 2)] == ["applied", "rejected", "applied"]
    assert (results[1]["id"], results[1]["code"]) == (bad["id"], "invalid")
    assert on_hand(app, world) == before - 3
    again = by_index(push(client, world, [bad], device).get_json())[0]  # the retry gets the stored answer
    assert (again["status"], again["original_status"]) == ("duplicate", "rejected")
