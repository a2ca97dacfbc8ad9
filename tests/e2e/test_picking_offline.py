"""Picking and packing offline, in real Chromium on 360 px phones: a picker walks a whole pick list with no
signal (scan by hardware scanner, tap, a short pick), packs, and syncs; two phones claim one list; an order
shrinks under an offline picker. The server's stock, order states, ledger and exception queue are checked."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.fulfilment_tables import parcels
from backend.adapters.tables import stock_levels, stock_movements
from backend.adapters.records import OfficeException, SyncCommand
from backend.bootstrap import bus
from backend.domain import commands
from backend.extensions import db
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.e2e.conftest import PHONE, UNLABELLED_CONTROLS, browser_sign_in, wait_until
from tests.factories import london_pick_list

pytestmark = pytest.mark.browser

WORKER_READY = """() => Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise((_, reject) =>
  setTimeout(() => reject(new Error('the service worker did not activate within 10 s')), 10000))])"""


# -- helpers ---------------------------------------------------------------------------------------------
def _open_list(page, list_id: int) -> None:
    """From the floor home, open the pick list; then make sure the worker keeps the page for offline use."""
    page.get_by_role("link", name=re.compile(f"Pick list {list_id}")).tap()
    expect(page).to_have_url(re.compile(rf"/floor/pick-lists/{list_id}$"))
    page.evaluate(WORKER_READY)
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")
    expect(page.locator("#sync-status")).to_have_text("Synced")


def _line(page, order_id: int, sku: str):
    return page.locator(f'[data-pick-line][data-order-id="{order_id}"][data-sku="{sku}"]')


def _tap_pick(page, order_id: int, sku: str, saved: str = "Saved on this phone: picked 1.") -> None:
    row = _line(page, order_id, sku)
    row.get_by_role("button", name=f"Pick 1 {sku}").tap()
    expect(row.locator("[data-row-status]")).to_have_text(saved)


def _scan(page, code: str) -> None:
    """A hardware scanner: types the code into the focused field and presses Enter."""
    field = page.get_by_label("Barcode or SKU")
    field.focus()
    field.press_sequentially(code)
    field.press("Enter")


def _level(live, code: str, sku: str) -> tuple:
    shop = live.world.shop
    with live.app.app_context():
        return tuple(db.session.execute(sa.select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
            stock_levels.c.warehouse_id == shop.warehouses[code],
            stock_levels.c.product_id == shop.products[sku])).one())


def _ledger_equals_levels(live) -> bool:
    m = stock_movements.c
    with live.app.app_context():
        sums = {(w, p): (h, r) for w, p, h, r in db.session.execute(
            sa.select(m.warehouse_id, m.product_id, sa.func.sum(m.on_hand_delta), sa.func.sum(m.reserved_delta))
            .group_by(m.warehouse_id, m.product_id))}
        levels = {(w, p): (h, r) for w, p, h, r in db.session.execute(
            sa.select(stock_levels.c.warehouse_id, stock_levels.c.product_id, stock_levels.c.on_hand,
                      stock_levels.c.reserved))}
    return sums == levels


def _status(live, order_id: int) -> str:
    with live.app.app_context():
        return SqlAlchemyUnitOfWork(db.session).orders.get(order_id).status


def _pick_line(live, list_id: int, order_id: int, sku: str):
    with live.app.app_context():
        pick_list = SqlAlchemyUnitOfWork(db.session).picking.get(list_id)
        return next(l for l in pick_list.lines if l.order_id == order_id and l.sku == sku)


def _exceptions(live) -> list:
    with live.app.app_context():
        return [(e.code, e.order_id) for e in db.session.execute(
            sa.select(OfficeException).order_by(OfficeException.id)).scalars()]


def _sync_statuses(live) -> list:
    with live.app.app_context():
        rows = db.session.execute(sa.select(SyncCommand).order_by(SyncCommand.id)).scalars()
        return [(c.type, c.status) for c in rows]


@pytest.fixture
def floor_list(live_server):
    """Boxes and bins in London, two allocated London orders (A: 2 MUG + 1 LAMP, B: 2 LAMP) on one pick list."""
    return london_pick_list(live_server.world.shop, live_server.world.actor("manager"))


def _second_phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


# -- the must-show scenarios -------------------------------------------------------------------------------
def test_a_picker_does_a_whole_pick_list_offline_with_a_short_pick_packs_and_syncs(phone, live_server, floor_list):
    list_id, a, b = floor_list
    browser_sign_in(phone, live_server.world.emails["floor"], lands_on="/floor")
    expect(phone.locator("#pick-lists")).to_contain_text(f"Pick list {list_id}")
    _open_list(phone, list_id)
    assert phone.evaluate(UNLABELLED_CONTROLS) == []
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 360
    # The walk is in bin order: MUG first, then the LAMPs (B-02).
    expect(phone.locator("[data-pick-line] .pick-bin")).to_have_text(["Bin A-01", "Bin B-02", "Bin B-02"])
    mugs, lamps = _level(live_server, "LON", "MUG"), _level(live_server, "LON", "LAMP")
    assert (mugs, lamps) == ((40, 2), (8, 3))

    phone.context.set_offline(True)
    phone.get_by_role("button", name=f"Claim pick list {list_id}").tap()
    expect(phone.locator("[data-claim-status]")).to_have_text("Claim saved on this phone.")
    # A hardware scanner reads the wrong item: refused on the phone, nothing queued.
    _scan(phone, "TEE")
    expect(phone.locator("[data-scan-status]")).to_have_text("Wrong item: TEE is not on this pick list. Put it back.")
    _scan(phone, "MUG")
    expect(_line(phone, a, "MUG").locator("[data-row-status]")).to_have_text("Saved on this phone: picked 1 MUG.")
    _scan(phone, "mug")
    expect(_line(phone, a, "MUG").locator("[data-row-badge]")).to_have_text("Waiting to send: picked 2")
    expect(_line(phone, a, "MUG").locator("[data-actions]")).to_be_hidden()
    _scan(phone, "MUG")  # a third MUG: the list needs only two
    expect(phone.locator("[data-scan-status]")).to_have_text("Every MUG on this list is already picked. Put it back.")
    _tap_pick(phone, a, "LAMP")
    _tap_pick(phone, b, "LAMP")
    short = _line(phone, b, "LAMP")
    short.get_by_text("Not all on the shelf?").tap()
    short.get_by_label("Missing units of LAMP").fill("1")
    short.get_by_role("button", name="Report LAMP short").tap()
    expect(short.locator("[data-row-status]")).to_have_text("Saved on this phone: 1 short.")
    pack = phone.locator(f"#pack-{a}")
    pack.get_by_label("Box").select_option("S")
    pack.get_by_label("Parcel weight (g)").fill("2700")
    pack.get_by_role("button", name=f"Close pack WB-{a:06d}").tap()
    expect(pack.locator("[data-pack-status]")).to_have_text("Saved on this phone: packed.")
    expect(phone.locator("#sync-status")).to_have_text("Offline – 7 waiting")
    # Nothing reached the server while offline.
    assert _status(live_server, a) == "allocated" and _level(live_server, "LON", "LAMP") == (8, 3)

    phone.context.set_offline(False)
    # Everything was applied; the short pick is flagged (the office has an exception) and the picker sees it.
    expect(phone.locator("#sync-status")).to_have_text("1 needs attention")
    expect(phone.locator("#needs-attention")).to_contain_text(
        "Recorded, and the office will check it: LAMP: 1 missing from bin B-02")
    assert _sync_statuses(live_server) == [
        ("pick_list.claim", "applied"), ("pick.record", "applied"), ("pick.record", "applied"),
        ("pick.record", "applied"), ("pick.record", "applied"), ("pick.short", "applied_with_exception"),
        ("pack.close", "applied")]
    # Order A is packed in one S parcel; B lost a lamp nobody else has: backordered, the office is told.
    assert (_status(live_server, a), _status(live_server, b)) == ("packed", "backordered")
    with live_server.app.app_context():
        assert [tuple(r) for r in db.session.execute(sa.select(parcels.c.order_id, parcels.c.box_code,
                                                               parcels.c.weight_grams))] == [(a, "S", 2700)]
    assert _exceptions(live_server) == [("pick.short_backordered", b)]
    with live_server.app.app_context():
        assert db.session.execute(sa.select(OfficeException.message)).scalar_one() == (
            f"LAMP: 1 missing from bin B-02 in WB-{b:06d} and no other warehouse has them: the order is "
            "backordered. Count the shelf; reorder or tell the customer.")
    # Picks moved no stock; the short lamp left the shelf and its reservation; the ledger agrees.
    assert _level(live_server, "LON", "MUG") == (40, 2)
    assert _level(live_server, "LON", "LAMP") == (7, 2)
    assert _ledger_equals_levels(live_server)
    # The page shows the server's truth once the outcomes are in.
    expect(pack).to_contain_text("Packed: S box, 2700 g")
    expect(phone.locator(f"#pack-{b}")).to_contain_text("Backordered")
    expect(short.locator("[data-row-status]")).to_contain_text("Recorded and flagged for the office")
    expect(phone.locator("[data-claim-state]")).to_contain_text("Claimed by you.")


def test_two_phones_claim_one_list_the_loser_is_refused_and_its_later_pick_is_flagged(
        phone, browser, live_server, floor_list):
    list_id, a, _ = floor_list
    world = live_server.world
    _, other_email = world.shop.user("floor", warehouses=("LON",))
    browser_sign_in(phone, world.emails["floor"], lands_on="/floor")
    _open_list(phone, list_id)
    context, loser, errors = _second_phone(browser, live_server)
    try:
        browser_sign_in(loser, other_email, lands_on="/floor")
        _open_list(loser, list_id)
        phone.context.set_offline(True)
        context.set_offline(True)
        phone.get_by_role("button", name=f"Claim pick list {list_id}").tap()
        expect(phone.locator("[data-claim-status]")).to_have_text("Claim saved on this phone.")
        loser.get_by_role("button", name=f"Claim pick list {list_id}").tap()
        expect(loser.locator("[data-claim-status]")).to_have_text("Claim saved on this phone.")
        _tap_pick(loser, a, "MUG")  # the loser starts picking before it knows

        phone.context.set_offline(False)  # the winner's phone reaches the server first
        expect(phone.locator("#sync-status")).to_have_text("Synced")
        context.set_offline(False)
        # The refused claim and the flagged pick both wait for the loser to read them.
        expect(loser.locator("#sync-status")).to_have_text("2 need attention")
        attention = loser.locator("#needs-attention")
        expect(attention).to_be_visible()
        expect(attention).to_contain_text("Not recorded. Waybill said: Another picker claimed this list first.")
        expect(attention).to_contain_text("Recorded, and the office will check it")
        expect(loser.locator("[data-claim-status]")).to_contain_text(
            "Not recorded: Another picker claimed this list first.")
        expect(_line(loser, a, "MUG").locator("[data-row-status]")).to_contain_text(
            "Recorded and flagged for the office: MUG (bin A-01): Picked on a list another picker claimed first.")
        expect(loser.locator("[data-claim-state]")).to_contain_text("Claimed by")
        assert errors == []
    finally:
        context.close()
    # The winner keeps the list; the loser's pick is recorded and flagged for the office.
    phone.reload()
    expect(phone.locator("[data-claim-state]")).to_contain_text("Claimed by you.")
    with live_server.app.app_context():
        pick_list = SqlAlchemyUnitOfWork(db.session).picking.get(list_id)
        assert pick_list.claimed_by_id == world.user_ids["floor"]
    assert _pick_line(live_server, list_id, a, "MUG").picked_quantity == 1
    assert _exceptions(live_server) == [("pick.list_claimed_by_other", a)]
    assert [s for _, s in _sync_statuses(live_server)] == ["applied", "rejected", "applied_with_exception"]


def test_an_order_shrinks_under_an_offline_picker_the_rest_is_applied_and_the_surplus_is_a_put_back(
        phone, live_server, floor_list):
    list_id, a, _ = floor_list
    world = live_server.world
    browser_sign_in(phone, world.emails["floor"], lands_on="/floor")
    _open_list(phone, list_id)
    phone.get_by_role("button", name=f"Claim pick list {list_id}").tap()
    expect(phone.locator("[data-claim-state]")).to_contain_text("Claimed by you.")
    phone.context.set_offline(True)
    _tap_pick(phone, a, "MUG")
    _tap_pick(phone, a, "MUG")
    # Meanwhile the office reduces the order's mugs from 2 to 1.
    with live_server.app.app_context():
        order = SqlAlchemyUnitOfWork(db.session).orders.get(a)
        mug_line = next(l for l in order.lines if l.sku == "MUG")
        bus().handle(commands.ReduceOrderLine(a, mug_line.id, 1, "customer asked for one"), world.actor("manager"))
    assert _level(live_server, "LON", "MUG") == (40, 1)

    phone.context.set_offline(False)
    # The first mug is applied; the second is more than the order still needs: flagged as a put-back.
    expect(phone.locator("#sync-status")).to_have_text("1 needs attention")
    row = _line(phone, a, "MUG")
    expect(row.locator("[data-row-status]")).to_have_text(
        "Recorded and flagged for the office: MUG (bin A-01): 1 picked but only 0 still needed: "
        "put 1 back on the shelf.")
    assert _pick_line(live_server, list_id, a, "MUG").picked_quantity == 1
    assert _exceptions(live_server) == [("pick.allocation_shrank", a)]
    with live_server.app.app_context():
        assert db.session.execute(sa.select(OfficeException.message)).scalar_one() == (
            "MUG (bin A-01): 1 picked but only 0 still needed: put 1 back on the shelf.")
    assert _sync_statuses(live_server)[-2:] == [("pick.record", "applied"), ("pick.record", "applied_with_exception")]
    assert _level(live_server, "LON", "MUG") == (40, 1)
    assert _ledger_equals_levels(live_server)
    expect(row).to_contain_text("1 of 1 picked")


# The camera and the platform's barcode reader are the outside edge here: headless Chromium on Linux has
# neither, so the page gets a canvas stream for a camera and a reader that sees the MUG label.
FAKE_CAMERA = """
window.BarcodeDetector = class { async detect() { return [{ rawValue: "MUG", format: "code_128" }]; } };
if (navigator.mediaDevices) {
  Object.defineProperty(navigator.mediaDevices, "getUserMedia", { configurable: true, value: async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    canvas.getContext("2d").fillRect(0, 0, 32, 32);
    return canvas.captureStream(5);
  } });
}
"""


def test_a_camera_scan_picks_the_item_it_reads_where_the_browser_can_read_barcodes(phone, live_server, floor_list):
    list_id, a, _ = floor_list
    phone.context.add_init_script(FAKE_CAMERA)
    browser_sign_in(phone, live_server.world.emails["floor"], lands_on="/floor")
    _open_list(phone, list_id)
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Scan with camera").tap()
    expect(_line(phone, a, "MUG").locator("[data-row-status]")).to_have_text("Saved on this phone: picked 1 MUG.")
    expect(phone.locator("[data-camera-view]")).to_be_hidden()
    expect(phone.locator("#sync-status")).to_have_text("Offline – 1 waiting")
    phone.context.set_offline(False)
    expect(phone.locator("#sync-status")).to_have_text("Synced")
    assert _pick_line(live_server, list_id, a, "MUG").picked_quantity == 1


def test_without_a_camera_the_camera_button_stays_hidden(phone, live_server, floor_list):
    """A browser without BarcodeDetector still scans (the vendored reader, test_barcode_reader.py); one
    without camera access at all (an old browser, a page not served over HTTPS) is offered no button."""
    list_id, _, _ = floor_list
    phone.add_init_script("Object.defineProperty(navigator, 'mediaDevices', {get: () => undefined})")
    browser_sign_in(phone, live_server.world.emails["floor"], lands_on="/floor")
    _open_list(phone, list_id)
    expect(phone.get_by_role("button", name="Scan with camera")).to_have_count(0)
