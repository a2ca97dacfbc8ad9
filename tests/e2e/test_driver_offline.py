"""The driver's day offline, in real headless Chromium on a 360 px phone with a persistent profile:
take the run offline, lose the signal, confirm drop-offs with photos and a signature, record a failed
attempt, reload, close and reopen the browser, and come back online: every outcome reaches the server
once, the photos are stored under their SHA-256, and the chip says Synced. Conflicts and refusals are
shown on the phone and to the office, without blocking anything else."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.records import OfficeException, SyncCommand
from backend.domain import commands
from backend.domain.delivery import Blob, DeliveryAttempt, DeliveryProof
from backend.domain.dispatch import RunStop
from backend.extensions import db
from tests.e2e.conftest import UNLABELLED_CONTROLS, sign_in
from tests.e2e.driver_phone import (LEEDS_GPS, card, confirm_stop, fail_stop, jpeg_size, open_phone, png,
                                    sign_in_driver, take_run_offline)
from tests.e2e.phone import chip
from tests.factories import run, run_out_for_delivery, stored, stored_all

pytestmark = pytest.mark.browser


def on_server(server):
    """What the server holds: stop statuses, proofs, attempts, replayed commands and stored images."""
    with server.app.app_context():
        return {
            "stops": [stored(RunStop, s).status for s in server.stops],
            "proofs": stored_all(DeliveryProof),
            "attempts": stored_all(DeliveryAttempt),
            "commands": list(db.session.execute(sa.select(SyncCommand).order_by(SyncCommand.id)).scalars()),
            "blobs": {b.id: b for b in stored_all(Blob)},
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
    assert state["orders"] == ["delivered", "delivered", "delivered", "delivery_failed"]
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
    # Worded for a driver and for what happened: recorded (not "not recorded"), and nothing about shelves.
    expect(page.locator("[data-attention-intro]")).to_have_text(
        "Recorded. The office will check these; there is nothing more to do but read them.")
    expect(page.locator("#needs-attention")).not_to_contain_text("shelf")
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
    # The photo control is a big camera button a thumb hits, and tapping it opens the file picker (camera).
    camera = page.locator("label.camera-button").first
    assert camera.bounding_box()["height"] >= 44 and camera.bounding_box()["width"] >= 280
    with page.expect_file_chooser() as chooser:
        camera.tap()
    assert chooser.value.is_multiple()


def test_the_days_cash_counted_offline_is_settled_when_the_phone_is_back_online(phone_page, server):
    page = phone_page
    driver = server.world.actor("driver")
    with server.app.app_context():
        due = [stored(RunStop, s).cod_due_minor for s in server.stops]
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
        f"Saved on this phone: £{expected // 100}.{expected % 100:02d} counted.")
    page.context.set_offline(False)
    expect(page.get_by_role("status")).to_contain_text("exactly right", timeout=30_000)
    with server.app.app_context():
        row = db.session.execute(sa.text("SELECT expected_minor, counted_minor, difference_minor FROM cash_settlement")).one()
    assert tuple(row) == (expected, expected, 0)


def test_a_stop_confirmed_offline_shows_no_forms_again_and_after_sync_what_was_recorded(phone_page, server):
    page = phone_page
    page.context.set_offline(True)
    confirm_stop(page, 1, "Sam Doe", png(400, 300))
    card(page, 1).get_by_role("link", name="Open stop 1").tap()  # the copy kept before the drop-off
    expect(page.locator("[data-stop-status]")).to_have_text("Delivered")
    expect(page.get_by_role("heading", name="Confirm the drop-off")).to_be_hidden()
    expect(page.get_by_role("button", name="Confirm delivery")).to_be_hidden()
    expect(page.get_by_text("in cash.")).to_be_hidden()

    page.context.set_offline(False)
    expect(chip(page)).to_have_text("Synced", timeout=30_000)
    expect(page.locator("[data-recorded-name]")).to_have_text("Sam Doe")  # the server's page, without reload
    expect(page.locator("form[data-offline]")).to_have_count(0)

    page.context.set_offline(True)
    assert page.reload().from_service_worker  # still the copy kept before the drop-off
    expect(page.locator("[data-stop-status]")).to_have_text("Delivered")
    expect(page.get_by_role("button", name="Confirm delivery")).to_be_hidden()
    state = on_server(server)
    assert state["stops"][0] == "delivered" and len(state["proofs"]) == 1
