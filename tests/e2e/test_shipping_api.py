"""Shipping and dispatch over HTTP, with the external carrier as a small real HTTP server."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from backend.adapters.fulfilment_tables import shipments
from backend.adapters.tables import stock_movements
from backend.domain.orders import Order
from backend.extensions import db
from tests.carrier import PDF_LABEL, carrier  # noqa: F401  (fixture)
from tests.e2e.conftest import _app_on_copy, _dispose, assert_problem
from tests.factories import LONDON, packed_order, stored

TODAY = datetime.now(timezone.utc).date().isoformat()


@pytest.fixture
def app(tmp_path, world_template, carrier):
    """The e2e world, with the external carrier 'express' pointing at the local fake (1.5 s timeout: time enough for a loaded CI machine)."""
    application = _app_on_copy(world_template[0], tmp_path / "waybill.db", CARRIER_API_URL=carrier.url,
                               CARRIER_API_KEY="test-key", CARRIER_CODE="express", CARRIER_TIMEOUT_SECONDS=1.5)
    yield application
    _dispose(application)


def _packed(world, lines=(("MUG", 1),), **kw):
    return packed_order(world.shop, world.actor("owner"), lines, **kw)


def _ship(client, world, order_id, carrier_code="own_fleet", who="manager"):
    return client.post("/api/v1/shipments", json={"order_id": order_id, "carrier": carrier_code},
                       headers=world.headers(who))


def _order_status(app, order_id):
    with app.app_context():
        return stored(Order, order_id).status


def _shipped_movements(app, order_id):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(stock_movements).where(
            stock_movements.c.order_id == order_id, stock_movements.c.reason == "shipped")).scalar_one()


def test_external_carrier_success_gives_tracking_and_a_downloadable_pdf_label(client, world, app, carrier):
    order_id = _packed(world)
    response = _ship(client, world, order_id, "express")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["tracking_number"] == "EXP00000001GB" and body["label_format"] == "pdf"
    assert response.headers["Location"] == f"/api/v1/shipments/{body['id']}"
    label = client.get(body["label_url"], headers=world.headers("manager"))
    assert label.status_code == 200 and label.mimetype == "application/pdf" and label.data == PDF_LABEL
    assert "attachment" in label.headers["Content-Disposition"]
    assert _order_status(app, order_id) == "shipped" and _shipped_movements(app, order_id) == 1


@pytest.mark.parametrize("mode,status,code", [("error500", 502, "carrier.unavailable"),
                                              ("slow", 504, "carrier.timeout"),
                                              ("error422", 422, "carrier.rejected")])
def test_carrier_failure_is_a_problem_and_nothing_is_written(client, world, app, carrier, mode, status, code):
    order_id = _packed(world)
    carrier.mode, carrier.delay = mode, 3.0
    body = assert_problem(_ship(client, world, order_id, "express"), status)
    assert body["code"] == code
    assert _order_status(app, order_id) == "packed" and _shipped_movements(app, order_id) == 0
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(shipments)).scalar_one() == 0
    carrier.mode = "ok"  # the packer tries again once the carrier is back
    assert _ship(client, world, order_id, "express").status_code == 201


def test_shipping_validates_fields_and_roles(client, world):
    order_id = _packed(world)
    body = assert_problem(client.post("/api/v1/shipments", json={"carrier": "own_fleet"},
                                      headers=world.headers("manager")), 422)
    assert "order_id" in body["errors"]
    assert assert_problem(_ship(client, world, order_id, "pigeon"), 422)["errors"]["carrier"]
    assert_problem(_ship(client, world, order_id, who="customer"), 403)
    assert_problem(_ship(client, world, order_id, who="driver"), 403)


def test_shipments_and_labels_are_visible_only_to_who_may_see_them(client, world):
    sid = _ship(client, world, _packed(world)).get_json()["id"]
    assert_problem(client.get(f"/api/v1/shipments/{sid}", headers=world.headers("customer")), 404)
    assert_problem(client.get(f"/api/v1/shipments/{sid}/label", headers=world.headers("driver")), 404)
    # Casey's MUG leaves from Manchester: London floor staff do not see it, the office does.
    assert_problem(client.get(f"/api/v1/shipments/{sid}", headers=world.headers("floor")), 404)
    assert client.get(f"/api/v1/shipments/{sid}", headers=world.headers("owner")).status_code == 200


def _own_fleet_run(client, world, addresses):
    ids = []
    for address in addresses:
        order_id = _packed(world, (("LAMP", 1),), customer="robin", address=address)
        ids.append(_ship(client, world, order_id).get_json()["id"])
    response = client.post("/api/v1/runs", json={"driver_id": world.user_ids["driver"], "run_date": TODAY,
                                                 "shipment_ids": ids}, headers=world.headers("manager"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


NEAR = dict(LONDON, name="Near", latitude=51.507, longitude=-0.05)
FAR = dict(LONDON, name="Far", latitude=51.507, longitude=-0.40)
NOWHERE = {k: v for k, v in LONDON.items() if k not in ("latitude", "longitude")}


def test_manager_builds_a_run_driver_reorders_and_starts_it(client, world, app):
    run = _own_fleet_run(client, world, [FAR, NOWHERE, NEAR])
    assert [s["address"]["name"] for s in run["stops"]] == ["Near", "Far", NOWHERE["name"]]
    assert [s["located"] for s in run["stops"]] == [True, True, False]
    assert run["stops"][2]["eta"] is None and run["stops"][0]["eta"]
    stop_ids = [s["id"] for s in run["stops"]]
    mine = client.get("/api/v1/runs", headers=world.headers("driver")).get_json()
    assert [r["id"] for r in mine] == [run["id"]]
    reordered = client.post(f"/api/v1/runs/{run['id']}/reorder", headers=world.headers("driver"),
                            json={"stop_ids": stop_ids[::-1], "base_version": run["version"]})
    assert reordered.status_code == 200, reordered.get_json()
    assert [s["id"] for s in reordered.get_json()["stops"]] == stop_ids[::-1]
    stale = client.post(f"/api/v1/runs/{run['id']}/reorder", headers=world.headers("driver"),
                        json={"stop_ids": stop_ids, "base_version": run["version"]})
    assert assert_problem(stale, 409)["code"] == "run.changed"
    moved = client.post(f"/api/v1/runs/{run['id']}/stops/{stop_ids[0]}/move", headers=world.headers("manager"),
                        json={"position": 1})
    assert moved.get_json()["stops"][0]["id"] == stop_ids[0]
    started = client.post(f"/api/v1/runs/{run['id']}/start", json={}, headers=world.headers("driver"))
    assert started.status_code == 200 and started.get_json()["status"] == "out"
    with app.app_context():
        assert {stored(Order, s["order_id"]).status for s in run["stops"]} == {"out_for_delivery"}


def test_runs_are_the_offices_to_build_and_only_the_drivers_own_to_see(client, world):
    run = _own_fleet_run(client, world, [NEAR])
    for who in ("customer", "floor"):
        assert_problem(client.get(f"/api/v1/runs/{run['id']}", headers=world.headers(who)), 404)
    assert client.get("/api/v1/runs", headers=world.headers("customer")).get_json() == []
    body = assert_problem(client.post("/api/v1/runs", headers=world.headers("driver"), json={
        "driver_id": world.user_ids["driver"], "run_date": TODAY, "shipment_ids": [1]}), 403)
    assert body["code"] == "forbidden"
    bad = assert_problem(client.post("/api/v1/runs", headers=world.headers("manager"), json={
        "driver_id": world.user_ids["driver"], "run_date": "tomorrow", "shipment_ids": []}), 422)
    assert {"run_date", "shipment_ids"} <= set(bad["errors"])
    assert_problem(client.post(f"/api/v1/runs/{run['id']}/reorder", headers=world.headers("driver"),
                               json={"stop_ids": [run["stops"][0]["id"], 999]}), 409)
    # The same schema as the offline run.reorder: each stop once, checked before the run is touched.
    twice = assert_problem(client.post(f"/api/v1/runs/{run['id']}/reorder", headers=world.headers("driver"),
                                       json={"stop_ids": [run["stops"][0]["id"]] * 2}), 422)
    assert twice["errors"] == {"stop_ids": ["List each stop once."]}


# -- offline: the driver's reorder as a queued command ---------------------------------------------
def _reorder_command(seq, run_id, stop_ids, base_version):
    import uuid
    return {"id": str(uuid.uuid4()), "seq": seq, "type": "run.reorder", "v": 1,
            "occurred_at": "2026-11-29T08:00:00+00:00", "base": {"run_version": base_version},
            "payload": {"run_id": run_id, "stop_ids": stop_ids, "base_version": base_version}}


def test_queued_reorder_is_applied_once_and_a_stale_one_is_rejected_with_its_code(client, world):
    import uuid
    run = _own_fleet_run(client, world, [NEAR, FAR])
    ids = [s["id"] for s in run["stops"]]
    device = str(uuid.uuid4())
    first = _reorder_command(1, run["id"], ids[::-1], run["version"])
    stale = _reorder_command(2, run["id"], ids, run["version"])
    push = lambda cmds: client.post("/api/v1/sync/push", headers=world.headers("driver"),  # noqa: E731
                                    json={"device_id": device, "commands": cmds}).get_json()
    body = push([first, stale])
    assert [r["status"] for r in body["results"]] == ["applied", "rejected"]
    assert body["results"][1]["code"] == "run.changed"
    assert [r["status"] for r in push([first])["results"]] == ["duplicate"]
    now = client.get(f"/api/v1/runs/{run['id']}", headers=world.headers("driver")).get_json()
    assert [s["id"] for s in now["stops"]] == ids[::-1] and now["version"] == run["version"] + 1


def test_another_drivers_queued_reorder_is_rejected(client, world, app):
    import uuid
    from backend.adapters.records import User
    from tests.factories import issue_token
    run = _own_fleet_run(client, world, [NEAR])
    _, email = world.shop.user("driver")
    with app.app_context():
        import sqlalchemy as sa
        _token, plain = issue_token(db.session.execute(sa.select(User).where(User.email == email)).scalar_one())
    body = client.post("/api/v1/sync/push", headers={"Authorization": f"Bearer {plain}"}, json={
        "device_id": str(uuid.uuid4()),
        "commands": [_reorder_command(1, run["id"], [run["stops"][0]["id"]], run["version"])]}).get_json()
    assert body["results"][0]["status"] == "rejected" and body["results"][0]["code"] == "not_found"


def test_an_external_carriers_pdf_label_opens_from_the_print_page(client, world, app):
    from tests.e2e.conftest import sign_in
    sid = _ship(client, world, _packed(world), "express").get_json()["id"]
    sign_in(client, world.emails["manager"])
    html = client.get(f"/shipping/{sid}/print").get_data(as_text=True)
    assert "Open Express label (PDF)" in html and "EXP00000001GB" in html
    label = client.get(f"/shipping/{sid}/label")
    assert label.mimetype == "application/pdf" and label.data == PDF_LABEL
    assert label.headers["Content-Disposition"].startswith("inline")
