"""The driver's day offline, in real headless Chromium on a 360 px phone with a persistent profile:
take the run offline, lose the signal, confirm drop-offs with photos and a signature, record a failed
attempt, reload, close and reopen the browser, and come back online: every outcome reaches the server
once, the photos are stored under their SHA-256, and the chip says Synced. Conflicts and refusals are
shown on the phone and to the office, without blocking anything else."""
from __future__ import annotations

import hashlib
import re
import struct
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect, sync_playwright

from backend.adapters.records import OfficeException, SyncCommand
from backend.domain import commands
from backend.domain.delivery import Blob, DeliveryAttempt, DeliveryProof
from backend.domain.dispatch import RunStop
from backend.extensions import db
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, PHONE, UNLABELLED_CONTROLS, sign_in, wait_until
from tests.factories import PASSWORD, run, run_out_for_delivery

pytestmark = pytest.mark.browser

WORKER_READY = """() => Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise((_, reject) =>
  setTimeout(() => reject(new Error('the service worker did not activate within 10 s')), 10000))])"""
LEEDS_GPS = {"latitude": 53.7997, "longitude": -1.5492}


def png(width: int, height: int, rgb=(180, 40, 40)) -> bytes:
    """A plain-colour PNG, as a phone's gallery might hand over (bigger than the phone should send)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height, 6)) + chunk(b"IEND", b""))


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame marker."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    raise AssertionError("no SOF marker")


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture
def server(live_server):
    """The live server (its photos in this test's folder), and a started run of four stops for the driver."""
    world = live_server.world
    run_id, stops, orders = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"],
                                                 stops=4, method="cash_on_delivery")
    live_server.run_id, live_server.stops, live_server.orders = run_id, stops, orders
    return live_server


def open_phone(playwright, server, profile):
    """Chromium on a persistent profile (as an installed app keeps one), phone-sized, GPS allowed."""
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, base_url=server.url,
        permissions=["geolocation"], geolocation=LEEDS_GPS, **PHONE)
    context.set_default_timeout(15_000)
    page = context.pages[0] if context.pages else context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def sign_in_driver(page, email):
    page.goto("/sign-in")
    page.get_by_label("E-mail").press_sequentially(email)
    page.get_by_label("Password").press_sequentially(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/driver$"))
    page.evaluate(WORKER_READY)
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")


def take_run_offline(page, stops: int):
    page.get_by_role("button", name="Take today's run offline").tap()
    expect(page.locator("[data-offline-progress]")).to_have_text(f"Ready offline: {stops + 2} pages saved.")


def chip(page):
    return page.locator("#sync-status")


def card(page, position: int):
    return page.locator(f'[data-stop-card][data-position="{position}"]')


def sign(page):
    """Draw a signature with a finger-sized stroke across the pad."""
    pad = page.locator("[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + box["height"] * (0.3 + 0.05 * (step % 4)))
    page.mouse.up()
    expect(page.locator("[data-signature-state]")).to_have_text("Signed.")


def confirm_stop(page, position: int, name: str, photo: bytes):
    card(page, position).get_by_role("link", name=f"Open stop {position}").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Stop {position}")
    page.get_by_label("Recipient's name").fill(name)
    page.get_by_label("Photos of the parcel at the door").set_input_files(
        {"name": "door.png", "mimeType": "image/png", "buffer": photo})
    expect(page.get_by_role("img", name="Photo 1")).to_be_visible(timeout=20_000)  # shrinking takes a moment
    sign(page)
    page.get_by_label("Add my position to the proof").check()
    wait_until(page, "document.querySelector('input[name=latitude]').value !== ''")
    page.get_by_role("button", name="Confirm delivery").tap()
    expect(page.locator("[data-stop-card] > [data-row-status]")).to_have_text(f"Saved on this phone: delivered to {name}.")
    page.get_by_role("link", name="Back to the run").tap()


def fail_stop(page, position: int, photo: bytes):
    card(page, position).get_by_role("link", name=f"Open stop {position}").tap()
    page.get_by_label("Reason").select_option("no_one_home")
    page.get_by_label("Note (optional)").fill("card through the door")
    page.get_by_label("Photo of the door (optional)").set_input_files(
        {"name": "door.png", "mimeType": "image/png", "buffer": photo})
    expect(page.get_by_role("img", name="Photo 1")).to_be_visible(timeout=20_000)  # shrinking takes a moment
    page.get_by_role("button", name="Record failed attempt").tap()
    expect(page.locator("[data-stop-card] > [data-row-status]")).to_have_text(
        "Saved on this phone: not delivered (No one home).")
    page.get_by_role("link", name="Back to the run").tap()


def on_server(server):
    """What the server holds: stop statuses, proofs, attempts, replayed commands and stored images."""
    with server.app.app_context():
        return {
            "stops": [db.session.get(RunStop, s).status for s in server.stops],
            "proofs": list(db.session.execute(sa.select(DeliveryProof).order_by(DeliveryProof.id)).scalars()),
            "attempts": list(db.session.execute(sa.select(DeliveryAttempt)).scalars()),
            "commands": list(db.session.execute(sa.select(SyncCommand).order_by(SyncCommand.id)).scalars()),
            "blobs": {b.id: b for b in db.session.execute(sa.select(Blob)).scalars()},
            "orders": [db.session.execute(sa.text("SELECT status FROM orders WHERE id = :id"), {"id": o}).scalar_one()
                       for o in server.orders],
        }


def test_a_days_drop_offs_made_offline_survive_a_reload_and_a_browser_restart_and_sync_once(
        playwright, server, tmp_path):
    profile = tmp_path / "profile"
    context, page, errors = open_phone(playwright, server, profile)
    sign_in_driver(page, server.world.emails["driver"])
    expect(card(page, 1)).to_be_visible()
    take_run_offline(page, len(server.stops))

    context.set_offline(True)
    big = png(2400, 1800)
    for position, name in ((1, "Sam Doe"), (2, "Ana Lima"), (3, "Kit Chan")):
        confirm_stop(page, position, name, big)
    fail_stop(page, 4, png(800, 600, (20, 90, 160)))
    expect(chip(page)).to_have_text("Offline – 4 waiting")
    expect(card(page, 1).locator("[data-stop-badge]")).to_have_text("Waiting to send: delivered (2 photos)")
    expect(card(page, 4).locator("[data-stop-status]")).to_have_text("Not delivered")

    assert page.reload().from_service_worker
    expect(chip(page)).to_have_text("Offline – 4 waiting")
    expect(card(page, 2).locator("[data-stop-badge]")).to_have_text("Waiting to send: delivered (2 photos)")
    assert on_server(server)["commands"] == []
    assert errors == []
    context.close()

    context, page, errors = open_phone(playwright, server, profile)
    context.set_offline(True)
    page.goto("/driver")
    expect(chip(page)).to_have_text("Offline – 4 waiting")
    expect(card(page, 4).locator("[data-stop-badge]")).to_have_text("Waiting to send: not delivered (1 photo)")
    context.set_offline(False)
    expect(chip(page)).to_have_text("Synced", timeout=30_000)
    expect(card(page, 1).locator("[data-stop-badge]")).to_have_count(0)
    expect(card(page, 1).locator("[data-stop-status]")).to_have_text("Delivered")

    state = on_server(server)
    assert state["stops"] == ["delivered", "delivered", "delivered", "failed"]
    assert state["orders"] == ["delivered", "delivered", "delivered", "out_for_delivery"]
    assert sorted((c.type, c.status) for c in state["commands"]) == \
        [("delivery.confirm", "applied")] * 3 + [("delivery.fail", "applied")]
    assert [(p.recipient_name, p.status, p.extra_evidence) for p in state["proofs"]] == \
        [("Sam Doe", "complete", False), ("Ana Lima", "complete", False), ("Kit Chan", "complete", False)]
    assert all(p.latitude == pytest.approx(LEEDS_GPS["latitude"]) for p in state["proofs"])
    assert [(a.reason, a.note) for a in state["attempts"]] == [("no_one_home", "card through the door")]
    # Every image the commands named is stored, byte for byte what the phone hashed.
    refs = [r for c in state["commands"] for r in c.payload.get("blob_refs", []) + (
        [c.payload["photo"]] if c.payload.get("photo") else [])]
    assert len(refs) == 7 and {r["role"] for r in refs} == {"photo", "signature"}
    blob_dir = Path(server.app.config["BLOB_DIR"])
    for ref in refs:
        blob = state["blobs"][ref["id"]]
        data = (blob_dir / blob.storage_key[:2] / blob.storage_key).read_bytes()
        assert hashlib.sha256(data).hexdigest() == ref["sha256"] == blob.sha256
        if ref["role"] == "photo":
            # Shrunk and re-encoded on the phone: a JPEG at most 1600 px wide, without EXIF.
            assert data[:3] == b"\xff\xd8\xff" and b"Exif" not in data[:64]
            assert max(jpeg_size(data)) <= 1600
    first = refs[0]["sha256"]
    assert max(jpeg_size((blob_dir / first[:2] / first).read_bytes())) == 1600  # the 2400 px original, shrunk
    assert errors == []
    context.close()


@pytest.fixture
def phone_page(playwright, server, tmp_path):
    context, page, errors = open_phone(playwright, server, tmp_path / "profile")
    sign_in_driver(page, server.world.emails["driver"])
    take_run_offline(page, len(server.stops))
    yield page
    context.close()
    assert errors == []


def test_a_drop_off_of_an_order_the_office_cancelled_meanwhile_is_flagged_on_the_phone_and_to_the_office(
        phone_page, server):
    page = phone_page
    page.context.set_offline(True)
    run(server.app, commands.CancelOrder(server.orders[0], "customer called to cancel"),
        server.world.actor("manager"))
    confirm_stop(page, 1, "Sam Doe", png(400, 300))
    page.context.set_offline(False)

    expect(chip(page)).to_have_text("1 needs attention", timeout=30_000)
    expect(card(page, 1).locator("[data-row-status]")).to_contain_text(
        "Recorded, and the office has been told: The order was cancelled while the driver was offline")
    expect(page.locator("#needs-attention")).to_contain_text("Recorded, and the office will check it")
    with server.app.app_context():
        exception = db.session.execute(sa.select(OfficeException)).scalar_one()
        assert (exception.code, exception.order_id) == ("delivery.after_cancel", server.orders[0])
    assert on_server(server)["orders"][0] == "cancelled"
    client = server.app.test_client()
    sign_in(client, server.world.emails["manager"])
    assert "The order was cancelled while the driver was offline" in client.get("/office/exceptions/").get_data(as_text=True)
    page.reload()
    expect(card(page, 1).locator(".office-problem")).to_contain_text("The office has been told")


def test_a_command_for_another_drivers_stop_is_refused_on_its_own_and_the_next_one_is_applied(
        phone_page, server):
    page = phone_page
    world = server.world
    other_driver = world.shop.user("driver")[0]
    _, foreign, _ = run_out_for_delivery(world.shop, world.actor("manager"), other_driver, stops=1)
    page.context.set_offline(True)
    page.evaluate("""(stopId) => import('/static/js/commandlog.js').then((log) => log.enqueue({
        type: 'delivery.fail', v: 1, payload: {stop_id: stopId, reason: 'refused'},
        label: 'Stop on another run'}))""", foreign[0])
    fail_stop(page, 2, png(300, 200))
    expect(chip(page)).to_have_text("Offline – 2 waiting")
    page.context.set_offline(False)

    expect(chip(page)).to_have_text("1 needs attention", timeout=30_000)
    expect(page.locator("#needs-attention")).to_contain_text("This stop is on another driver's run.")
    expect(card(page, 2).locator("[data-stop-status]")).to_have_text("Not delivered")
    state = on_server(server)
    assert [(c.type, c.status) for c in state["commands"]] == [("delivery.fail", "rejected"),
                                                               ("delivery.fail", "applied")]
    assert state["stops"][1] == "failed"


def test_the_run_and_stop_pages_label_every_control_and_fit_a_360_px_phone(phone_page, server):
    page = phone_page
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    card(page, 1).get_by_role("link", name="Open stop 1").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Stop 1")
    expect(page.locator("[data-signature]")).to_be_visible()  # shown once the script has started
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    expect(page.get_by_role("button", name="Clear signature")).to_be_visible()
    page.get_by_role("button", name="Clear signature").focus()
    expect(page.get_by_role("button", name="Clear signature")).to_be_focused()


def test_the_days_cash_counted_offline_is_settled_when_the_phone_is_back_online(phone_page, server):
    page = phone_page
    driver = server.world.actor("driver")
    with server.app.app_context():
        due = [db.session.get(RunStop, s).cod_due_minor for s in server.stops]
    for stop_id, amount in zip(server.stops[:3], due):
        ref = commands.BlobRef("00000000-0000-4000-8000-%012d" % stop_id, "a" * 64, 10, "image/jpeg", "photo")
        run(server.app, commands.ConfirmDelivery(stop_id, "Sam", (ref,), cod_collected_minor=amount), driver)
    run(server.app, commands.RecordFailedAttempt(server.stops[3], "refused"), driver)
    expected = sum(due[:3])
    page.get_by_role("link", name="End of day: hand in cash").tap()
    expect(page.locator("[data-expected]")).to_have_text(f"£{expected // 100}.{expected % 100:02d}")
    page.context.set_offline(True)
    page.get_by_label("Cash counted (GBP)").fill(f"{expected // 100}.{expected % 100:02d}")
    page.get_by_role("button", name="Hand in cash").tap()
    expect(page.locator("[data-row-status]")).to_have_text(
        f"Saved on this phone: {expected // 100}.{expected % 100:02d} counted.")
    page.context.set_offline(False)
    expect(page.get_by_role("status")).to_contain_text("exactly right", timeout=30_000)
    with server.app.app_context():
        row = db.session.execute(sa.text("SELECT expected_minor, counted_minor, difference_minor FROM cash_settlement")).one()
    assert tuple(row) == (expected, expected, 0)
