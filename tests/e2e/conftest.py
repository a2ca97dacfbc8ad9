"""E2E fixtures: a shop with a user (and API token) per role, row counters, a live server and Chromium.

The users and their tokens are made once per run in a template database; each test gets its own
copy of that file, exactly as the root conftest does with the bare migrated schema.
"""
from __future__ import annotations

import re
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from backend.adapters.records import User
from backend.extensions import db
from tests.conftest import make_app
from tests.e2e.phone import chip, controlled_by_the_worker, wait_until  # noqa: F401 (wait_until: re-exported)
from tests.factories import LEEDS, LONDON, PASSWORD, Shop, issue_token, run_out_for_delivery, standard_shop

# Tables a request that fails must leave untouched.
WRITE_TABLES = ("orders", "order_line", "stock_movement", "outbox_event", "audit_event", "idempotency_key")


@dataclass
class World:
    """What the template database holds: the shop's ids, one user per role, and their bearer tokens."""

    shop: Shop
    emails: dict
    user_ids: dict
    tokens: dict

    def headers(self, who: str) -> dict:
        """The Authorization header of `who` (a role name, or 'other_customer')."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def actor(self, who: str):
        """The domain Actor of `who`, for placing orders through the bus."""
        return self.shop.actor(self.emails[who])

    def place(self, lines, customer="casey", who="owner", **extra) -> int:
        """Place an order for `customer` through the message bus; returns its id."""
        address = LEEDS if customer == "casey" else LONDON
        return self.shop.place(self.actor(who), lines, customer=customer, address=address, **extra)


def _build_world(app) -> World:
    """The standard shop, a second customer in London, a user per role and a token each."""
    shop = standard_shop(app)
    shop.customer("robin", address=LONDON)
    people = {"owner": shop.user("owner"), "manager": shop.user("manager"),
              "floor": shop.user("floor", warehouses=("LON",)), "driver": shop.user("driver"),
              "customer": shop.user("customer", customer="casey"),
              "other_customer": shop.user("customer", customer="robin")}
    tokens = {}
    with app.app_context():
        for who, (user_id, _email) in people.items():
            _token, plain = issue_token(db.session.get(User, user_id), name=f"e2e {who}")
            tokens[who] = plain
    return World(shop, {who: email for who, (_, email) in people.items()},
                 {who: user_id for who, (user_id, _) in people.items()}, tokens)


@pytest.fixture(scope="session")
def world_template(tmp_path_factory, sqlite_template):
    """A migrated database with the world in it, built once per run: (path, World without an app)."""
    path = tmp_path_factory.mktemp("e2e-template") / "waybill.db"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}")
    world = _build_world(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return path, world


def _world_for(app, template_world: World) -> World:
    """The template's world, bound to another app whose database is a copy of the template."""
    shop = Shop(app)
    shop.warehouses = dict(template_world.shop.warehouses)
    shop.products = dict(template_world.shop.products)
    shop.customers = dict(template_world.shop.customers)
    return World(shop, dict(template_world.emails), dict(template_world.user_ids), dict(template_world.tokens))


def _app_on_copy(template_path, target, **overrides):
    """An app on a copy of the template database at `target`, its photos in a folder beside it."""
    shutil.copy(template_path, target)
    return make_app(f"sqlite:///{target}", **{"BLOB_DIR": str(Path(target).parent / "blobs"), **overrides})


def _dispose(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, world_template):
    """In the e2e tier, a fresh app whose database already holds the world (shop, users, tokens)."""
    application = _app_on_copy(world_template[0], tmp_path / "waybill.db")
    yield application
    _dispose(application)


@pytest.fixture
def world(app, world_template) -> World:
    """The world of this test's app."""
    return _world_for(app, world_template[1])


@pytest.fixture(scope="module")
def module_app(tmp_path_factory, world_template):
    """One app for a whole module, for tables of read-mostly checks that would be slow one app each."""
    application = _app_on_copy(world_template[0], tmp_path_factory.mktemp("module") / "waybill.db")
    yield application
    _dispose(application)


@pytest.fixture(scope="module")
def module_world(module_app, world_template) -> World:
    """The world of `module_app`."""
    return _world_for(module_app, world_template[1])


@pytest.fixture
def rows(app):
    """rows() -> {table: count} of the tables a failed request must not write to."""
    def count() -> dict:
        with app.app_context():
            return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in WRITE_TABLES}
    return count


@pytest.fixture
def unchanged_rows(rows):
    """A context manager asserting that nothing inside it added or removed a row."""
    @contextmanager
    def check():
        before = rows()
        yield
        assert rows() == before
    return check


def order_body(lines=(("MUG", 2),), address=LEEDS, **fields) -> dict:
    """A valid POST /api/v1/orders body; `fields` add to or replace its top-level fields."""
    return {"lines": [{"sku": sku, "quantity": qty} for sku, qty in lines], "shipping_address": dict(address),
            "payment_method": "card", **fields}


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] and body["title"]
    return body


# -- pages -----------------------------------------------------------------------------------------
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """Sign in through the sign-in page, as a browser would (CSRF token included); returns the response.

    `next_url` goes into the query string as written, so it may carry %-escapes an attacker would use.
    """
    url = "/sign-in" + (f"?next={next_url}" if next_url is not None else "")
    token = csrf_token_of(client.get(url).get_data(as_text=True))
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


# -- live server for the browser -----------------------------------------------------------------
@dataclass
class LiveServer:
    """A real Waybill served over HTTP on 127.0.0.1, with its world."""

    url: str
    app: object
    world: World


@contextmanager
def serving(application, template_world: World):
    """Serve `application` with werkzeug in a background thread on a free port; disposed of afterwards."""
    # Port 0: the OS picks a free ephemeral port (32768+), above every port Chromium calls unsafe.
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="waybill-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", application,
                         _world_for(application, template_world))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        _dispose(application)


@pytest.fixture
def live_server(tmp_path, world_template):
    """Serve a fresh copy of the world with werkzeug in a background thread on a free port."""
    with serving(_app_on_copy(world_template[0], tmp_path / "live.db"), world_template[1]) as server:
        yield server


# -- Chromium (Debian's /usr/bin/chromium through Playwright's own sync API; no browser download) --
CHROMIUM = "/usr/bin/chromium"
# Chromium as root on a closed network: no sandbox (root), no GPU, nothing that calls home.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                  "--disable-default-apps", "--disable-extensions", "--no-pings"]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

# Every visible form control must have a label a screen reader announces.
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length)
                && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""


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
def server(live_server):
    """The live server (its photos in this test's folder), and a started run of four stops for the driver.

    For the driver's phone tests (tests/e2e/driver_phone.py has their browser steps).
    """
    world = live_server.world
    run_id, stops, orders = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"],
                                                 stops=4, method="cash_on_delivery")
    live_server.run_id, live_server.stops, live_server.orders = run_id, stops, orders
    return live_server


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


@pytest.fixture
def stock_page(phone, live_server):
    """The floor user (LON) on /floor/stock, served through the worker once so it is kept for offline use."""
    browser_sign_in(phone, live_server.world.emails["floor"], lands_on="/floor")
    phone.get_by_role("link", name="Stock and counts").tap()
    expect(phone).to_have_url(re.compile(r"/floor/stock$"))
    controlled_by_the_worker(phone)
    expect(chip(phone)).to_have_text("Synced")
    return phone
