"""Chromium for the browser tests (Debian's /usr/bin/chromium through Playwright's own sync API; no browser
download): the browser, a phone-sized page that fails the test on any script error or CSP violation,
signing in as a person would, axe-core's accessibility check, and the floor's stock page (fixtures registered by tests/e2e/conftest.py)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.phone import chip, controlled_by_the_worker
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Chromium as root on a closed network: no sandbox (root), no GPU, nothing that calls home.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                  "--disable-default-apps", "--disable-extensions", "--no-pings"]
AXE = Path(__file__).parent / "vendor" / "axe-core-4.11.1" / "axe.min.js"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

# Every visible form control must have a label a screen reader announces.
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length)
                && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""


def axe_problems(page) -> list[str]:
    """Serious and critical axe-core violations on the page, one line each (the page's context must bypass the
    CSP: axe-core is injected as an inline script)."""
    page.add_script_tag(content=AXE.read_text())
    return page.evaluate("""async () => (await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)""")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (launching is the slow part)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def playwright():
    """Playwright for the module, for tests that launch their own browsers (a persistent profile, two devices)."""
    with sync_playwright() as p:
        yield p


@pytest.fixture
def phone(browser, live_server):
    """A fresh 360x740 touch-screen page on the live server; fails the test on any script error."""
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every browser test is also a check that the pages live within the Content-Security-Policy.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert errors == []


def browser_sign_in(page, email: str, password: str = PASSWORD, lands_on: str | None = None) -> None:
    """Sign in on the sign-in page as a person would: type into the labelled fields, tap Sign in.

    With `lands_on`, the page must end up on a URL ending in that path (the role's home, say).
    """
    page.goto("/sign-in")
    page.get_by_label("E-mail").press_sequentially(email)
    page.get_by_label("Password").press_sequentially(password)
    page.get_by_role("button", name="Sign in", exact=True).tap()
    if lands_on is None:
        page.wait_for_url(lambda url: "/sign-in" not in url)
    else:
        expect(page).to_have_url(re.compile(re.escape(lands_on) + "$"))


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where browser tests keep their 360 px screenshots: WAYBILL_SCREENSHOT_DIR, else test-output/screens in
    the checkout (kept after the run, ignored by git), so a person can open them after `make test`."""
    folder = Path(os.environ.get("WAYBILL_SCREENSHOT_DIR") or Path(__file__).parents[2] / "test-output" / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_menu(page) -> None:
    """Open the top bar's menu (where the role's pages, Account and Sign out are), if it is closed."""
    menu = page.locator("details[data-menu]")
    if menu.get_attribute("open") is None:
        menu.locator("summary").tap()


def tap_menu(page, name: str, role: str = "link") -> None:
    """Open the menu and tap one of its links (or its Sign out button, with role="button")."""
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role(role, name=name, exact=True).tap()


@pytest.fixture
def stock_page(phone, live_server):
    """The floor user (LON) on /floor/stock, served through the worker once so it is kept for offline use."""
    browser_sign_in(phone, live_server.world.emails["floor"], lands_on="/floor")
    phone.get_by_role("link", name="Stock and counts").tap()
    expect(phone).to_have_url(re.compile(r"/floor/stock$"))
    controlled_by_the_worker(phone)
    expect(chip(phone)).to_have_text("Synced")
    return phone
