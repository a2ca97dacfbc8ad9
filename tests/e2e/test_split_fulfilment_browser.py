"""A short pick reallocated to another warehouse, to the end, in real Chromium on 360 px phones.

London picks TEE 5 of 7 and reports 2 short; the 2 are reallocated to Manchester. London packs and ships
what it holds; Manchester's floor sees the 2 units waiting, picks, packs and ships them; both shipments are
delivered and the order ends Delivered with two shipments and a balanced stock ledger. The pick list, both
floor queues and the owner's order page are kept as screenshots (test-output/screens, or WAYBILL_SCREENSHOT_DIR;
see tests/e2e/chromium.py).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.fulfilment_tables import parcels, shipments
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from backend.bootstrap import bus
from backend.domain import commands
from backend.extensions import db
from tests.e2e.conftest import PHONE, UNLABELLED_CONTROLS, browser_sign_in
from tests.factories import allocated_order, blob_ref, picking_setup
from tests.ledger import assert_ledger_balanced

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _status(live, order_id: int) -> str:
    with live.app.app_context():
        return SqlAlchemyUnitOfWork(db.session).orders.get(order_id).status


def _shipments(live, order_id: int) -> list:
    with live.app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(shipments.c.id, shipments.c.warehouse_id, shipments.c.status)
            .where(shipments.c.order_id == order_id).order_by(shipments.c.id))]


def _packed_here(live, order_id: int, warehouse_id: int) -> bool:
    with live.app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(parcels).where(
            parcels.c.order_id == order_id, parcels.c.warehouse_id == warehouse_id)).scalar_one() > 0


def _handle(live, command, who):
    with live.app.app_context():
        return bus().handle(command, who)


def _wait_server(check, timeout: float = 15.0) -> None:
    """Wait until the server's state satisfies `check` (the phone sends its queued commands in the background)."""
    import time
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the server never reached the expected state"
        time.sleep(0.1)


@pytest.fixture
def screens(screenshot_dir) -> Path:
    """This test's screenshots, kept with the run's others (tests/e2e/chromium.py: screenshot_dir)."""
    return screenshot_dir


def _new_phone(browser, live):
    context = browser.new_context(base_url=live.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _pick_line(live, list_id: int):
    with live.app.app_context():
        return SqlAlchemyUnitOfWork(db.session).picking.get(list_id).lines[0]


def _pick_and_pack(page, live, list_id: int, order_id: int, taps: int, box: str, grams: int,
                   short: int = 0) -> None:
    """Open the list from the floor home, claim it, tap `taps` picks of TEE, report `short` missing, pack."""
    page.goto("/floor")
    page.get_by_role("link", name=re.compile(f"Pick list {list_id}")).tap()
    expect(page).to_have_url(re.compile(rf"/floor/pick-lists/{list_id}$"))
    page.get_by_role("button", name=f"Claim pick list {list_id}").tap()
    row = page.locator(f'[data-pick-line][data-order-id="{order_id}"][data-sku="TEE"]')
    for i in range(taps):
        row.get_by_role("button", name="Pick 1 TEE").tap()
        # Each tap is a command the phone sends in the background: wait for it before the next.
        _wait_server(lambda: _pick_line(live, list_id).picked_quantity == i + 1)
    if short:
        page.reload()  # the list refreshes itself after each recorded pick: start the short form on a still page
        expect(row.locator("[data-picked-text]")).to_have_text(str(taps))
        row.get_by_text("Not all on the shelf?").tap()
        row.get_by_label("Missing units of TEE").fill(str(short))
        row.get_by_role("button", name="Report TEE short").tap()
        _wait_server(lambda: _pick_line(live, list_id).short_quantity == short)
    page.reload()
    pack = page.locator(f"#pack-{order_id}")
    pack.get_by_label("Box").select_option(box)
    pack.get_by_label("Parcel weight (g)").fill(str(grams))
    pack.get_by_role("button", name=f"Close pack WB-{order_id:06d}").tap()


def _ship_from_the_shipping_page(page, order_id: int, code: str, screens: Path) -> None:
    page.goto("/shipping")
    ship = page.get_by_role("button", name=f"Ship WB-{order_id:06d} from {code}")
    expect(page.locator("#packed-h + ul li")).to_have_count(1)  # only the part packed in this warehouse
    expect(page.locator("#packed-h + ul li")).to_contain_text("one part of a split order")
    page.screenshot(path=str(screens / f"shipping-{code.lower()}-floor.png"), full_page=True)
    ship.tap()
    expect(page.get_by_role("heading", name="Packing slip")).to_be_visible()


def test_a_short_pick_reallocated_to_manchester_ships_in_two_parts_and_ends_delivered(
        browser, live_server, screens):
    world = live_server.world
    shop, manager = world.shop, world.actor("manager")
    picking_setup(shop)
    shop.stock("TEE", "LON", 7)  # London can fill the order whole; Manchester holds 5 more
    order_id = allocated_order(shop, manager, [("TEE", 7)])
    lon, man = shop.warehouses["LON"], shop.warehouses["MAN"]
    london_list = _handle(live_server, commands.CreatePickList(lon), manager).id
    _, man_email = shop.user("floor", warehouses=("MAN",))

    # London: 5 picked, 2 short; the 2 are reallocated to Manchester.
    context, london, errors = _new_phone(browser, live_server)
    browser_sign_in(london, world.emails["floor"], lands_on="/floor")
    _pick_and_pack(london, live_server, london_list, order_id, taps=5, box="S", grams=1400, short=2)
    _wait_server(lambda: _packed_here(live_server, order_id, lon))
    london.goto(f"/floor/pick-lists/{london_list}")
    expect(london.locator("[data-progress]")).to_have_text(
        re.compile(r"7 units: 5 picked, 2 short\s+· 1 of 1 line done"))
    expect(london.locator(f"#pack-{order_id}")).to_contain_text("Packed")
    expect(london.locator(f"#pack-{order_id} [data-split]")).to_contain_text("Ships in 2 parts")
    expect(london.locator(f"#pack-{order_id} [data-split]")).to_have_text(re.compile(
        r"Ships in 2 parts:\s+5 units from here;\s+2 units from\s+MAN warehouse \(waiting to be picked\)\."))
    assert london.evaluate(NO_SIDEWAYS_SCROLL) and london.evaluate(UNLABELLED_CONTROLS) == []
    london.screenshot(path=str(screens / "pick-list-london-floor.png"), full_page=True)
    london.goto("/floor/pick-lists")
    expect(london.locator(".order-total").first).to_have_text("7 units: 5 picked, 2 short")

    # London ships its part; the order is still being fulfilled (Manchester has to pick).
    _ship_from_the_shipping_page(london, order_id, "LON", screens)
    assert [s[1:] for s in _shipments(live_server, order_id)] == [(lon, "awaiting_dispatch")]
    assert _status(live_server, order_id) == "picking"
    london.goto("/floor")
    expect(london.locator("#pick-queue")).not_to_contain_text(f"WB-{order_id:06d}")
    london.screenshot(path=str(screens / "floor-queue-london.png"), full_page=True)
    context.close()
    assert errors == []

    # Manchester's floor sees the reallocated units waiting, then picks, packs and ships them.
    context, manchester, errors = _new_phone(browser, live_server)
    browser_sign_in(manchester, man_email, lands_on="/floor")
    waiting = manchester.locator("#pick-queue li", has_text=f"WB-{order_id:06d}")
    expect(waiting).to_contain_text("MAN: 2 units · waiting to be picked")
    assert manchester.evaluate(NO_SIDEWAYS_SCROLL)
    manchester.screenshot(path=str(screens / "floor-queue-manchester.png"), full_page=True)
    manchester_list = _handle(live_server, commands.CreatePickList(man), manager).id
    _pick_and_pack(manchester, live_server, manchester_list, order_id, taps=2, box="S", grams=600)
    _wait_server(lambda: _status(live_server, order_id) == "packed")
    manchester.goto(f"/floor/pick-lists/{manchester_list}")
    expect(manchester.locator("[data-progress]")).to_have_text(
        re.compile(r"2 units: 2 picked\s+· 1 of 1 line done"))
    manchester.screenshot(path=str(screens / "pick-list-manchester-floor.png"), full_page=True)
    _ship_from_the_shipping_page(manchester, order_id, "MAN", screens)
    assert _status(live_server, order_id) == "shipped"
    manchester.goto("/floor")
    expect(manchester.locator("#pick-queue")).not_to_contain_text(f"WB-{order_id:06d}")
    context.close()
    assert errors == []

    # Each shipment goes out on a run from its own warehouse and is delivered (the driver's steps are
    # tested on their own pages: here they go through the bus).
    today = datetime.now(timezone.utc).date()
    driver = world.actor("driver")
    for shipment_id, _, _ in _shipments(live_server, order_id):
        run = _handle(live_server, commands.AssignToRun(world.user_ids["driver"], today, (shipment_id,)), manager)
        _handle(live_server, commands.StartRun(run.id), manager)
        ref = blob_ref()
        _handle(live_server, commands.ConfirmDelivery(run.stops[0].id, "Robin", (commands.BlobRef(
            ref["id"], ref["sha256"], ref["size"], ref["type"], ref["role"]),)), driver)
    assert _status(live_server, order_id) == "delivered"
    assert [s[1:] for s in _shipments(live_server, order_id)] == [(lon, "delivered"), (man, "delivered")]

    # The owner's order page shows each part with its warehouse, units and shipment.
    context, owner, errors = _new_phone(browser, live_server)
    browser_sign_in(owner, world.emails["owner"])
    owner.goto(f"/orders/{order_id}")
    expect(owner.locator("h1 .status")).to_have_text("delivered")
    expect(owner.locator("[data-parts-summary]")).to_have_text(
        "Ships in 2 parts, one per warehouse: 2 of 2 parts delivered.")
    parts = owner.locator("[data-part]")
    expect(parts).to_have_count(2)
    expect(parts.nth(0)).to_contain_text("LON")
    expect(parts.nth(0)).to_contain_text("5 units")
    expect(parts.nth(0)).to_contain_text("2 short on the shelf here")
    expect(parts.nth(1)).to_contain_text("MAN")
    expect(parts.nth(1)).to_contain_text("2 units")
    for part in (parts.nth(0), parts.nth(1)):
        expect(part).to_contain_text("Delivered")
        expect(part).to_contain_text("Shipment WBF")
    assert owner.evaluate(NO_SIDEWAYS_SCROLL)
    owner.screenshot(path=str(screens / "order-page-owner.png"), full_page=True)
    context.close()
    assert errors == []
    with live_server.app.app_context():
        assert_ledger_balanced(db.engine)
