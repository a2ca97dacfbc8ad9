"""The top bar's chips on a 360 px phone are readable in every state they can show: the sync chip
(Synced, Offline – N waiting, Sending N, N needs attention) and the connection chip (Online, Offline),
each reached the way a person gets there, with WCAG AA contrast (>= 4.5:1) between the colour its words
are drawn in and the background they are drawn on."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.phone import chip, record

pytestmark = pytest.mark.browser

AA_NORMAL_TEXT = 4.5

# The text's colour and the backgrounds behind it, from the element outwards up to the first opaque one
# (a transparent span shows its parent's pill; the pill may show the top bar).
COLOURS = """(selector) => {
  const element = document.querySelector(selector);
  const backgrounds = [];
  for (let node = element; node; node = node.parentElement) {
    const background = getComputedStyle(node).backgroundColor;
    backgrounds.push(background);
    const alpha = background.match(/rgba\\(.*,\\s*([\\d.]+)\\)/);
    if (!alpha || Number(alpha[1]) === 1) break;
  }
  return { text: getComputedStyle(element).color, backgrounds };
}"""


def _rgba(css: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in re.findall(r"[\d.]+", css)]
    return (parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0)


def _over(top: tuple, bottom: tuple) -> tuple:
    """`top` composited over the opaque colour `bottom`."""
    alpha = top[3]
    return tuple(top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3)) + (1.0,)


def _luminance(rgb: tuple) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(page, selector: str) -> float:
    """The WCAG contrast ratio between `selector`'s text colour and the background it is drawn on."""
    colours = page.evaluate(COLOURS, selector)
    background = (255.0, 255.0, 255.0, 1.0)  # the canvas, if every ancestor is transparent
    for layer in reversed([_rgba(c) for c in colours["backgrounds"]]):
        background = _over(layer, background)
    text = _over(_rgba(colours["text"]), background)
    lighter, darker = sorted((_luminance(text), _luminance(background)), reverse=True)
    return round((lighter + 0.05) / (darker + 0.05), 2)


def test_contrast_is_computed_from_the_colours_a_person_sees():
    assert (round(_luminance((255, 255, 255)), 3), round(_luminance((0, 0, 0)), 3)) == (1.0, 0.0)
    assert _over((0, 0, 0, 0.0), (15, 76, 92, 1.0)) == (15, 76, 92, 1.0)
    assert _over((255, 255, 255, 0.5), (0, 0, 0, 1.0))[:3] == (127.5, 127.5, 127.5)


def test_every_state_of_the_top_bar_chips_is_readable_at_360_px(stock_page):
    page = stock_page
    ratios = {}

    expect(chip(page)).to_have_text("Synced")
    expect(page.locator("#connection")).to_have_text("Online")
    ratios["sync: Synced"] = contrast(page, "#sync-status")
    ratios["connection: Online"] = contrast(page, "#connection")

    page.context.set_offline(True)
    record(page, "MUG", "-1")
    expect(chip(page)).to_have_text("Offline – 1 waiting")
    expect(page.locator("#connection")).to_have_text("Offline")
    ratios["sync: Offline – 1 waiting"] = contrast(page, "#sync-status")
    ratios["connection: Offline"] = contrast(page, "#connection")

    # Back online with the server's answer held back: the chip shows the command on its way.
    held = []
    page.context.route("**/api/v1/sync/push", lambda route: held.append(route))
    page.context.set_offline(False)
    expect(chip(page)).to_have_text("Sending 1")
    ratios["sync: Sending 1"] = contrast(page, "#sync-status")
    for route in held:
        route.continue_()
    page.context.unroute("**/api/v1/sync/push")
    expect(chip(page)).to_have_text("Synced")

    record(page, "LAMP", "-1000")  # more than is on the shelf: the server refuses it
    expect(chip(page)).to_have_text("1 needs attention")
    ratios["sync: 1 needs attention"] = contrast(page, "#sync-status")

    unreadable = {state: ratio for state, ratio in ratios.items() if ratio < AA_NORMAL_TEXT}
    assert unreadable == {}, f"contrast per state: {ratios}"
