"""The driver's phone in the browser: Chromium on a persistent profile, signing in, taking the run offline,
and confirming or failing a stop with photos (made here as PNGs) and a signature."""
from __future__ import annotations

import struct
import zlib

from playwright.sync_api import expect

from tests.e2e.chromium import CHROMIUM, CHROMIUM_FLAGS, PHONE, browser_sign_in
from tests.e2e.phone import controlled_by_the_worker, wait_until

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
    """Sign in as the driver, land on /driver, and let the service worker take the page over."""
    browser_sign_in(page, email, lands_on="/driver")
    controlled_by_the_worker(page)


def take_run_offline(page, stops: int):
    """Save today's run (the run page, each stop, the cash page, the sync page) for use without a signal."""
    page.get_by_role("button", name="Take today's run offline").tap()
    expect(page.locator("[data-offline-progress]")).to_have_text(f"Ready offline: {stops + 3} pages saved.")


def card(page, position: int):
    """The run page's card of the stop at `position`."""
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
    """Deliver the stop at `position` to `name`: a photo, a signature, the GPS position; back to the run."""
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
    """Record a failed attempt (no one home) at the stop at `position`, with a photo of the door."""
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
