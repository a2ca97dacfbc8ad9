"""Camera scanning where the browser has no BarcodeDetector (iPhone Safari, Firefox; Debian's Chromium too):
the pick list offers "Scan with camera" anyway and reads codes with the vendored ZXing reader.

The test draws a real EAN-13 on a canvas in the page and reads it through the page's own detector, the one
the camera loop uses, loaded from this site (its WebAssembly included) under the Content-Security-Policy.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backend.bootstrap import bus
from backend.domain import commands
from tests.e2e.conftest import browser_sign_in
from tests.factories import allocated_order, picking_setup

pytestmark = pytest.mark.browser

# EAN-13 drawn the way printers do: guard bars, six left digits in L or G code chosen by the first digit,
# six right digits in R code, three modules a unit; quiet zones either side.
DRAW_EAN13 = """(digits) => {
  const L = ['0001101','0011001','0010011','0111101','0100011','0110001','0101111','0111011','0110111','0001011'];
  const R = L.map(code => [...code].map(bit => bit === '0' ? '1' : '0').join(''));
  const G = R.map(code => [...code].reverse().join(''));
  const PARITY = ['LLLLLL','LLGLGG','LLGGLG','LLGGGL','LGLLGG','LGGLLG','LGGGLG','LGLGLL','LGLGGL','LGGLGL'];
  const d = [...digits].map(Number);
  let bits = '101';
  for (let i = 1; i <= 6; i++) bits += (PARITY[d[0]][i - 1] === 'L' ? L : G)[d[i]];
  bits += '01010';
  for (let i = 7; i <= 12; i++) bits += R[d[i]];
  bits += '101';
  const unit = 3, quiet = 12 * unit, canvas = document.createElement('canvas');
  canvas.width = bits.length * unit + 2 * quiet; canvas.height = 120;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  [...bits].forEach((bit, i) => { if (bit === '1') ctx.fillRect(quiet + i * unit, 10, unit, 100); });
  return canvas;
}"""


@pytest.fixture
def pick_list(live_server):
    """A London pick list with one order, for the floor user."""
    world = live_server.world
    picking_setup(world.shop)
    allocated_order(world.shop, world.actor("manager"), [("MUG", 1)])
    with live_server.app.app_context():
        return bus().handle(commands.CreatePickList(world.shop.warehouses["LON"]), world.actor("manager")).id


def test_a_browser_without_barcode_detector_reads_an_ean_13_with_the_vendored_reader(phone, live_server, pick_list):
    assert phone.evaluate("'BarcodeDetector' in window") is False  # the case this test is about
    browser_sign_in(phone, live_server.world.emails["floor"])
    phone.goto(f"/floor/pick-lists/{pick_list}")
    expect(phone.get_by_role("button", name="Scan with camera")).to_be_visible()
    read = phone.evaluate(f"""async () => {{
        const draw = {DRAW_EAN13};
        const camera = await import('/static/js/picking_camera.js');
        const detector = await camera.barcodeDetector();
        return (await detector.detect(draw('5012345678900'))).map(code => [code.format, code.rawValue]);
    }}""")
    assert read == [["ean_13", "5012345678900"]]
    # The reader and its WebAssembly came from this site, by their hashed names.
    loaded = phone.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")
    assert any("/static/vendor/zxing-wasm-3.1.3/zxing_reader." in url and url.endswith(".wasm") for url in loaded)
    assert all(url.startswith(live_server.url) for url in loaded)


def test_the_stock_page_scans_to_find_with_the_same_reader(phone, live_server):
    browser_sign_in(phone, live_server.world.emails["floor"])
    phone.goto("/floor/stock")
    scan = phone.get_by_role("button", name="Scan", exact=True)
    expect(scan).to_be_visible()
    read = phone.evaluate(f"""async () => {{
        const draw = {DRAW_EAN13};
        const barcode = await import('/static/js/barcode.js');
        const detector = await barcode.barcodeDetector(document.querySelector('[data-scan-find]'));
        return (await detector.detect(draw('4006381333931'))).map(code => code.rawValue);
    }}""")
    assert read == ["4006381333931"]
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 360
