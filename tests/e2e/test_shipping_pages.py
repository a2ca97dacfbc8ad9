"""Shipping and dispatch pages through the Flask client: forms post through the same commands."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import sqlalchemy as sa

from backend.adapters.fulfilment_tables import shipments
from backend.domain.dispatch import DeliveryRun
from backend.domain.orders import Order
from backend.extensions import db
from tests.e2e.conftest import csrf_token_of, sign_in
from tests.factories import LONDON, packed_order, stored, stored_all

TODAY = datetime.now(timezone.utc).date().isoformat()
NEAR = dict(LONDON, name="Near Person", latitude=51.507, longitude=-0.05)
FAR = dict(LONDON, name="Far Person", latitude=51.507, longitude=-0.40)


def _packed(world, **kw):
    return packed_order(world.shop, world.actor("owner"), (("LAMP", 1),), customer="robin", **kw)


def _ship_on_page(client, order_id, carrier="own_fleet"):
    page = client.get("/shipping")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'name="order_id" value="{order_id}"' in html
    return client.post("/shipping", data={"csrf_token": csrf_token_of(html), "order_id": order_id,
                                          "carrier": carrier, "service": "standard"})


def test_floor_staff_ship_a_packed_order_and_get_the_printable_slip_and_label(client, world, app):
    order_id = _packed(world, address=NEAR)  # Robin in London: LAMP from the London warehouse
    sign_in(client, world.emails["floor"])
    response = _ship_on_page(client, order_id)
    assert response.status_code == 302 and "/print" in response.headers["Location"]
    printed = client.get(response.headers["Location"])
    html = printed.get_data(as_text=True)
    # The one-off "Shipped: ..." message is not kept as the phone's offline copy; a later visit is.
    assert "Shipped: tracking number" in html and printed.headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get(response.headers["Location"]).headers
    with app.app_context():
        tracking = db.session.execute(sa.select(shipments.c.tracking_number)).scalar_one()
        assert stored(Order, order_id).status == "shipped"
    assert tracking in html and "Packing slip" in html and "Near Person" in html
    assert '<svg class="barcode" role="img"' in html and "LAMP" in html
    assert "data-print" in html and re.search(r"js/shipping\.[0-9a-f]+\.js", html)  # by its hashed name
    label = client.get(re.search(r'href="(/shipping/\d+/label)"', html).group(1))
    assert label.status_code == 200 and label.data.startswith(b"^XA")


def test_a_refused_shipment_is_shown_on_the_page_not_a_crash(client, world, app):
    order_id = _packed(world, address=NEAR)
    sign_in(client, world.emails["manager"])
    response = _ship_on_page(client, order_id, carrier="pigeon")
    assert response.status_code == 422
    assert "Unknown carrier" in response.get_data(as_text=True)
    with app.app_context():
        assert stored(Order, order_id).status == "packed"


def test_customers_and_drivers_cannot_open_the_shipping_page_or_someone_elses_slip(client, world, app):
    order_id = _packed(world, address=NEAR)
    sign_in(client, world.emails["manager"])
    location = _ship_on_page(client, order_id).headers["Location"]
    client = app.test_client()  # another person, another phone
    sign_in(client, world.emails["customer"])
    assert client.get("/shipping").status_code == 403
    assert client.get(location).status_code == 404
    driver = app.test_client()
    sign_in(driver, world.emails["driver"])
    assert driver.get("/shipping").status_code == 403
    assert driver.get(location).status_code == 404  # not on a run of theirs


def test_the_manager_builds_a_run_on_the_board_moves_a_stop_and_dispatches(client, world, app):
    sign_in(client, world.emails["manager"])
    for address in (FAR, NEAR):
        assert _ship_on_page(client, _packed(world, address=address)).status_code == 302
    board = client.get("/dispatch").get_data(as_text=True)
    ids = re.findall(r'name="shipment_ids" value="(\d+)"', board)
    assert len(ids) == 2
    built = client.post("/dispatch/runs", data={"csrf_token": csrf_token_of(board), "driver_id":
                                                world.user_ids["driver"], "run_date": TODAY, "shipment_ids": ids})
    assert built.status_code == 302
    board = client.get(built.headers["Location"]).get_data(as_text=True)
    assert "Run planned: 2 stops." in board
    assert board.index("Near Person") < board.index("Far Person")  # nearest first
    with app.app_context():
        run = stored_all(DeliveryRun)[0]
        far_stop = [s for s in run.stops if s.position == 2][0]
        run_id, version = run.id, run.version
    moved = client.post(f"/dispatch/runs/{run_id}/move", data={
        "csrf_token": csrf_token_of(board), "stop_id": far_stop.id, "position": 1, "base_version": version})
    assert moved.status_code == 302
    page = client.get(f"/dispatch/runs/{run_id}").get_data(as_text=True)
    assert page.index("Far Person") < page.index("Near Person")
    stale = client.post(f"/dispatch/runs/{run_id}/move", data={
        "csrf_token": csrf_token_of(page), "stop_id": far_stop.id, "position": 2, "base_version": version})
    assert stale.status_code == 409 and "changed since you opened it" in stale.get_data(as_text=True)
    started = client.post(f"/dispatch/runs/{run_id}/start", data={"csrf_token": csrf_token_of(page)})
    assert started.status_code == 302
    with app.app_context():
        assert stored(DeliveryRun, run_id).status == "out"


def test_the_driver_sees_their_run_with_offline_reorder_forms_and_not_the_board(client, world, app):
    sign_in(client, world.emails["manager"])
    _ship_on_page(client, _packed(world, address=NEAR, method="cash_on_delivery"))
    board = client.get("/dispatch").get_data(as_text=True)
    client.post("/dispatch/runs", data={"csrf_token": csrf_token_of(board), "driver_id": world.user_ids["driver"],
                                        "run_date": TODAY,
                                        "shipment_ids": re.findall(r'name="shipment_ids" value="(\d+)"', board)})
    client = app.test_client()  # another person, another phone
    sign_in(client, world.emails["driver"])
    assert client.get("/dispatch").status_code == 403
    runs = client.get("/api/v1/runs").get_json()
    page = client.get(f"/dispatch/runs/{runs[0]['id']}").get_data(as_text=True)
    assert 'data-offline="run.reorder"' in page and "Collect cash:" in page
    assert re.search(r"js/dispatch\.[0-9a-f]+\.js", page)  # by its hashed name


def test_the_office_gives_a_run_its_own_start_on_the_shops_clock_and_the_run_page_says_it(client, world, app):
    sign_in(client, world.emails["manager"])
    assert _ship_on_page(client, _packed(world, address=NEAR)).status_code == 302
    board = client.get("/dispatch").get_data(as_text=True)
    assert 'name="planned_start"' in board and "Leaves at (shop time, optional)" in board
    ids = re.findall(r'name="shipment_ids" value="(\d+)"', board)
    built = client.post("/dispatch/runs", data={"csrf_token": csrf_token_of(board), "driver_id":
                                                world.user_ids["driver"], "run_date": "2027-07-01",
                                                "shipment_ids": ids, "planned_start": "06:45"})
    assert built.status_code == 302
    with app.app_context():
        run = stored_all(DeliveryRun)[0]
        assert run.planned_start.strftime("%H:%M") == "06:45"
        eta = run.stops[0].eta
    assert (eta.hour, eta.minute >= 45) == (5, True)  # left 06:45 BST = 05:45 UTC
    page = client.get(f"/dispatch/runs/{run.id}").get_data(as_text=True)
    assert re.search(r'leaves at\s*<time data-run-start datetime="2027-07-01T05:45:00\+00:00">06:45</time>', page)
    refused = client.post("/dispatch/runs", data={"csrf_token": csrf_token_of(board), "driver_id":
                                                  world.user_ids["driver"], "run_date": "2027-07-01",
                                                  "shipment_ids": ids, "planned_start": "soon"})
    assert refused.status_code == 422 and "Enter a time like 07:30." in refused.get_data(as_text=True)
