"""The printable packing slip and label on a 360 px phone in real Chromium, and the driver's offline reorder."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.dispatch import DeliveryRun
from backend.extensions import db
from tests.e2e.conftest import UNLABELLED_CONTROLS, browser_sign_in
from tests.factories import LONDON, packed_order, stored

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _shipped(live_server, address):
    world = live_server.world
    order_id = packed_order(world.shop, world.actor("owner"), (("LAMP", 1),), customer="robin", address=address)
    with live_server.app.app_context():
        shipment = bus().handle(commands.CreateShipment(order_id, "own_fleet"), world.actor("owner"))
    return shipment


def test_slip_and_label_page_fits_a_360px_phone_and_prints_without_the_app_chrome(phone, live_server):
    shipment = _shipped(live_server, dict(LONDON, name="Alexandria Montgomery-Fairweather"))
    browser_sign_in(phone, live_server.world.emails["manager"])
    phone.goto(f"/shipping/{shipment.id}/print")
    expect(phone.get_by_role("heading", name="Packing slip")).to_be_visible()
    expect(phone.get_by_role("img", name=f"Barcode of tracking number {shipment.tracking_number}")).to_be_visible()
    print_button = phone.get_by_role("button", name="Print slip and label")
    expect(print_button).to_be_visible()  # shown because JavaScript can print
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    assert phone.evaluate(UNLABELLED_CONTROLS) == []
    box = print_button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a thumb-sized, full-width target
    # The button calls window.print (stubbed here: headless Chromium has no print dialog to close).
    phone.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    print_button.tap()
    assert phone.evaluate("() => window.__printed") == 1
    phone.emulate_media(media="print")
    expect(phone.locator("header.topbar")).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(phone.locator("[data-label]")).to_be_visible()
    expect(phone.get_by_role("heading", name="Packing slip")).to_be_visible()


def test_driver_reorders_stops_offline_and_the_run_changes_once_back_online(phone, live_server):
    near = _shipped(live_server, dict(LONDON, name="Near Stop", latitude=51.507, longitude=-0.05))
    far = _shipped(live_server, dict(LONDON, name="Far Stop", latitude=51.507, longitude=-0.40))
    world = live_server.world
    with live_server.app.app_context():
        run = bus().handle(commands.AssignToRun(world.user_ids["driver"], datetime.now(timezone.utc).date(),
                                                (far.id, near.id)), world.actor("manager"))
        run_id, version = run.id, run.version
    browser_sign_in(phone, world.emails["driver"])
    phone.goto(f"/dispatch/runs/{run_id}")
    stops = phone.locator("[data-stop]")
    expect(stops.first).to_contain_text("Near Stop")
    phone.context.set_offline(True)
    far_row = phone.locator("[data-stop]", has_text="Far Stop")
    far_row.get_by_role("button", name=re.compile(r"Up")).tap()
    expect(far_row.locator("[data-row-status]")).to_have_text("Saved on this phone: moved to stop 1.")
    expect(stops.first).to_contain_text("Far Stop")
    with live_server.app.app_context():
        assert stored(DeliveryRun, run_id).version == version  # nothing sent yet
    phone.context.set_offline(False)
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(phone.locator("#sync-status")).to_have_text("Synced", timeout=15_000)

    def server_order():
        with live_server.app.app_context():
            db.session.expire_all()
            run = stored(DeliveryRun, run_id)
            return [s.shipment_id for s in run.ordered_stops], run.version
    for _ in range(50):
        if server_order()[1] != version:
            break
        phone.wait_for_timeout(100)
    assert server_order() == ([far.id, near.id], version + 1)


def test_dispatch_board_and_shipping_page_fit_a_360px_phone_with_labelled_controls(phone, live_server):
    world = live_server.world
    packed_order(world.shop, world.actor("owner"), (("LAMP", 1),), customer="robin", address=LONDON)
    _shipped(live_server, dict(LONDON, name="Waiting Person"))
    browser_sign_in(phone, world.emails["manager"])
    for path in ("/shipping", "/dispatch"):
        phone.goto(path)
        assert phone.evaluate(NO_SIDEWAYS_SCROLL), path
        assert phone.evaluate(UNLABELLED_CONTROLS) == [], path
    phone.get_by_label("Driver").select_option(str(world.user_ids["driver"]))
    phone.get_by_role("button", name="Build run (nearest first)").tap()
    expect(phone.get_by_text("Run planned: 1 stop.")).to_be_visible()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
