"""The picking and packing API with bearer tokens: batch, read, claim, scan, pick, short, suggest a box, close a
pack, reduce a line; role and warehouse checks; every error is application/problem+json."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.adapters.tables import stock_levels
from backend.bootstrap import bus
from backend.domain import commands
from backend.extensions import db
from tests.e2e.conftest import assert_problem, csrf_token_of, sign_in
from tests.factories import allocated_order, picking_setup


@pytest.fixture
def batch(app, world):
    """Boxes and London bins; two allocated London orders (A: 2 MUG + 1 LAMP, B: 2 LAMP) not yet batched."""
    picking_setup(world.shop)
    manager = world.actor("manager")
    a = allocated_order(world.shop, manager, [("MUG", 2), ("LAMP", 1)])
    b = allocated_order(world.shop, manager, [("LAMP", 2)])
    return a, b


def _create(client, world, who="manager", **body):
    return client.post("/api/v1/pick-lists", headers=world.headers(who),
                       json={"warehouse_id": world.shop.warehouses["LON"], **body})


def test_a_manager_batches_orders_and_the_floor_reads_the_walk_in_bin_order(client, world, batch):
    a, b = batch
    response = _create(client, world)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/pick-lists/{body['id']}"
    assert [(l["bin_code"], l["sku"], l["order_id"]) for l in body["lines"]] == [
        ("A-01", "MUG", a), ("B-02", "LAMP", a), ("B-02", "LAMP", b)]
    read = client.get(f"/api/v1/pick-lists/{body['id']}", headers=world.headers("floor"))
    assert read.status_code == 200 and read.get_json()["progress"]["units"] == 5
    listed = client.get("/api/v1/pick-lists", headers=world.headers("floor")).get_json()
    assert [p["id"] for p in listed] == [body["id"]]


@pytest.mark.parametrize("who", ["driver", "customer"])
def test_only_the_office_and_the_floor_batch_orders(client, world, batch, who, unchanged_rows):
    with unchanged_rows():
        assert_problem(_create(client, world, who=who), 403)


def test_a_picker_batches_only_in_their_own_warehouse(client, world, batch, unchanged_rows):
    with unchanged_rows():
        assert_problem(_create(client, world, who="floor", warehouse_id=world.shop.warehouses["MAN"]), 403)
    assert _create(client, world, who="floor").status_code == 201


def test_a_picker_starts_a_pick_list_from_the_pick_lists_page(client, world, batch):
    a, b = batch
    sign_in(client, world.emails["floor"])
    queue = client.get("/floor").get_data(as_text=True)
    assert "Start a pick list from the waiting orders" in queue
    page = client.get("/floor/pick-lists").get_data(as_text=True)
    assert f"WB-{a:06d}" in page and "Start a pick list with the ticked orders" in page
    # Only the picker's own warehouse offers a list to start.
    assert f'name="warehouse_id" value="{world.shop.warehouses["LON"]}"' in page
    assert f'name="warehouse_id" value="{world.shop.warehouses["MAN"]}"' not in page
    created = client.post("/floor/pick-lists", follow_redirects=True, data={
        "csrf_token": csrf_token_of(page), "warehouse_id": world.shop.warehouses["LON"], "order_ids": [a, b]})
    assert "Pick list 1 created with" in created.get_data(as_text=True)


def test_nothing_to_batch_and_an_unknown_order_are_problems_with_the_field(client, world, batch):
    body = assert_problem(_create(client, world, order_ids=[999999]), 409)
    assert body["code"] == "pick_list.order_not_waiting" and "order_ids" in body["errors"]
    assert _create(client, world).status_code == 201
    assert assert_problem(_create(client, world), 409)["code"] == "pick_list.nothing_to_pick"
    assert_problem(client.post("/api/v1/pick-lists", headers=world.headers("manager"), json={"warehouse_id": "x"}), 422)


def test_claim_pick_short_and_pack_through_the_api(app, client, world, batch):
    a, b = batch
    list_id = _create(client, world).get_json()["id"]
    floor = world.headers("floor")
    claimed = client.post(f"/api/v1/pick-lists/{list_id}/claim", headers=floor)
    assert claimed.status_code == 200 and claimed.get_json()["claimed_by_id"] == world.user_ids["floor"]
    wrong = assert_problem(client.post(f"/api/v1/pick-lists/{list_id}/scan", headers=floor,
                                       json={"scanned": "TEE"}), 409)
    assert wrong["code"] == "pick.wrong_item" and "scanned" in wrong["errors"]
    for _ in range(2):
        scanned = client.post(f"/api/v1/pick-lists/{list_id}/scan", headers=floor, json={"scanned": "MUG"})
        assert scanned.status_code == 200
    lines = {(l["order_id"], l["sku"]): l for l in client.get(f"/api/v1/pick-lists/{list_id}", headers=floor)
             .get_json()["lines"]}
    assert lines[(a, "MUG")]["picked_quantity"] == 2
    wrong_line = assert_problem(client.post(f"/api/v1/pick-lines/{lines[(a, 'LAMP')]['id']}/pick", headers=floor,
                                            json={"quantity": 1, "scanned": "MUG"}), 409)
    assert "Take LAMP from bin B-02" in wrong_line["detail"]
    assert client.post(f"/api/v1/pick-lines/{lines[(a, 'LAMP')]['id']}/pick", headers=floor,
                       json={"quantity": 1}).status_code == 200
    short = client.post(f"/api/v1/pick-lines/{lines[(b, 'LAMP')]['id']}/short", headers=floor, json={"missing": 2})
    assert short.status_code == 200
    suggestion = client.get(f"/api/v1/packing/orders/{a}/suggestion", headers=floor).get_json()
    assert suggestion["box"]["code"] == "S" and suggestion["divisor"] == 5000
    assert suggestion["chargeable_grams"] == max(suggestion["actual_grams"], suggestion["dimensional_grams"])
    order = client.get(f"/api/v1/orders/{a}", headers=world.headers("manager")).get_json()
    packed = client.post(f"/api/v1/packing/orders/{a}/close", headers=floor,
                         json={"parcels": [{"box_code": "S", "weight_grams": 2700}], "order_version": order["version"]})
    assert packed.status_code == 200, packed.get_json()
    assert packed.get_json()["status"] == "packed"
    assert client.get(f"/api/v1/orders/{b}", headers=world.headers("manager")).get_json()["status"] == "backordered"


def test_a_second_picker_is_refused_the_claim_with_a_problem(client, world, batch):
    list_id = _create(client, world).get_json()["id"]
    assert client.post(f"/api/v1/pick-lists/{list_id}/claim", headers=world.headers("manager")).status_code == 200
    body = assert_problem(client.post(f"/api/v1/pick-lists/{list_id}/claim", headers=world.headers("floor")), 409)
    assert body["code"] == "pick_list.claimed"


def test_floor_staff_of_another_warehouse_cannot_see_or_touch_the_list(app, client, world, batch):
    list_id = _create(client, world).get_json()["id"]
    _, email = world.shop.user("floor", warehouses=("MAN",))
    from tests.factories import api_headers
    manchester = api_headers(client, email)
    assert_problem(client.get(f"/api/v1/pick-lists/{list_id}", headers=manchester), 404)
    assert_problem(client.post(f"/api/v1/pick-lists/{list_id}/claim", headers=manchester), 403)
    assert_problem(client.get(f"/api/v1/pick-lists/{list_id}", headers=world.headers("driver")), 403)


def test_packing_a_changed_order_is_refused_and_bad_parcels_name_the_field(client, world, batch):
    a, _ = batch
    list_id = _create(client, world, order_ids=[a]).get_json()["id"]
    floor = world.headers("floor")
    client.post(f"/api/v1/pick-lists/{list_id}/claim", headers=floor)
    for line in client.get(f"/api/v1/pick-lists/{list_id}", headers=floor).get_json()["lines"]:
        client.post(f"/api/v1/pick-lines/{line['id']}/pick", headers=floor, json={"quantity": line["quantity"]})
    order = client.get(f"/api/v1/orders/{a}", headers=world.headers("manager")).get_json()
    bad = assert_problem(client.post(f"/api/v1/packing/orders/{a}/close", headers=floor, json={
        "parcels": [{"box_code": "NOPE", "weight_grams": 100}], "order_version": order["version"]}), 422)
    assert "parcels.0.box_code" in bad["errors"]
    assert_problem(client.post(f"/api/v1/packing/orders/{a}/close", headers=floor, json={"parcels": []}), 422)
    mug = next(l for l in order["lines"] if l["sku"] == "MUG")
    reduced = client.post(f"/api/v1/orders/{a}/lines/{mug['id']}/reduce", headers=world.headers("manager"),
                          json={"quantity": 1, "reason": "customer asked"})
    assert reduced.status_code == 200 and reduced.get_json()["lines"][0]["quantity"] == 1
    changed = assert_problem(client.post(f"/api/v1/packing/orders/{a}/close", headers=floor, json={
        "parcels": [{"box_code": "S", "weight_grams": 2000}], "order_version": order["version"]}), 409)
    assert changed["code"] == "pack.order_changed"
    assert_problem(client.post(f"/api/v1/orders/{a}/lines/{mug['id']}/reduce", headers=floor,
                               json={"quantity": 1}), 403)


# -- the pages without JavaScript ----------------------------------------------------------------------------
def test_the_pick_list_page_works_without_javascript_claim_scan_wrong_item_and_pack(app, client, world, batch):
    a, _ = batch
    with app.app_context():
        list_id = bus().handle(commands.CreatePickList(world.shop.warehouses["LON"], (a,)), world.actor("manager")).id
    sign_in(client, world.emails["floor"])
    home = client.get("/floor").get_data(as_text=True)
    assert f"Pick list {list_id}" in home
    page = client.get(f"/floor/pick-lists/{list_id}").get_data(as_text=True)
    token = csrf_token_of(page)
    assert "Suggested box: <strong>S</strong>" in page
    claimed = client.post(f"/floor/pick-lists/{list_id}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert "Claimed by you." in claimed.get_data(as_text=True)
    wrong = client.post(f"/floor/pick-lists/{list_id}/scan", data={"csrf_token": token, "scanned": "TEE"})
    assert wrong.status_code == 409
    assert "Wrong item: TEE is not on this pick list. Put it back." in wrong.get_data(as_text=True)
    for code in ("MUG", "MUG", "LAMP"):
        scanned = client.post(f"/floor/pick-lists/{list_id}/scan", data={"csrf_token": token, "scanned": code})
        assert scanned.status_code == 302
    page = client.get(f"/floor/pick-lists/{list_id}").get_data(as_text=True)
    version = page.split('name="order_version" value="')[1].split('"')[0]
    packed = client.post(f"/floor/pick-lists/{list_id}/orders/{a}/pack", follow_redirects=True, data={
        "csrf_token": token, "box_code": "S", "weight_grams": "2700", "order_version": version,
        "order_status": "picking"})
    assert "<strong>Packed</strong>: S box, 2700 g" in packed.get_data(as_text=True)
    no_csrf = client.post(f"/floor/pick-lists/{list_id}/claim", data={})
    assert no_csrf.status_code == 400


def test_a_manager_batches_orders_on_the_pick_lists_page(app, client, world, batch):
    a, b = batch
    sign_in(client, world.emails["manager"])
    page = client.get("/floor/pick-lists").get_data(as_text=True)
    assert f"WB-{a:06d}" in page and f"WB-{b:06d}" in page
    created = client.post("/floor/pick-lists", follow_redirects=True, data={
        "csrf_token": csrf_token_of(page), "warehouse_id": world.shop.warehouses["LON"], "order_ids": [b]})
    assert created.status_code == 200
    assert "Pick list 1 created with 1 lines." in created.get_data(as_text=True)
    with app.app_context():
        reserved = db.session.execute(sa.select(stock_levels.c.reserved).where(
            stock_levels.c.warehouse_id == world.shop.warehouses["LON"],
            stock_levels.c.product_id == world.shop.products["LAMP"])).scalar_one()
    assert reserved == 3  # batching moves no stock


def test_a_short_pick_reaches_the_offices_exception_queue_page(app, client, world, batch):
    _, b = batch
    with app.app_context():
        pick_list = bus().handle(commands.CreatePickList(world.shop.warehouses["LON"], (b,)), world.actor("manager"))
        bus().handle(commands.ShortPick(pick_list.lines[0].id, 2), world.actor("floor"))
    sign_in(client, world.emails["manager"])
    page = client.get("/office/exceptions/").get_data(as_text=True)
    assert f"LAMP: 2 missing from bin B-02 in WB-{b:06d}" in page


@pytest.mark.parametrize("path", ["/floor/pick-lists/99999999999999999999", "/floor/pick-lists/0"])
def test_an_impossible_pick_list_id_is_a_404_not_a_crash(app, world, path):
    from tests.e2e.conftest import sign_in
    client = app.test_client()
    sign_in(client, world.emails["floor"])
    assert client.get(path).status_code == 404
