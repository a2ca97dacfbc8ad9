"""Every role's main pages at 360 px on the demo shop: kept as screenshots, checked by axe-core.

The screenshots land in test-output/screens (or WAYBILL_SCREENSHOT_DIR) for a person to look at after
`make test`. axe-core (vendored for the tests only, tests/e2e/vendor) must find no serious or critical
accessibility violation on any of them, and no page may scroll sideways.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.adapters.fulfilment_tables import run_stops
from backend.adapters.tables import orders
from backend.demo import load_demo
from backend.extensions import db
from tests.conftest import make_app
from tests.e2e.conftest import PHONE, axe_problems, browser_sign_in, serving
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

# Each role's main pages ({order}, {stop} and {token} are filled from the demo shop).
PAGES = {
    "owner": ["/dashboard/", "/orders/", "/orders/{order}", "/floor/stock", "/floor/pick-lists", "/shipping",
              "/dispatch", "/office/cash/", "/office/exceptions/", "/staff", "/account", "/sync", "/orders/new",
              "/counter/", "/office/bank/", "/office/intake/", "/office/channels/", "/office/imports/",
              "/office/webhooks/"],
    "floor": ["/floor", "/floor/pick-lists", "/floor/pick-lists/1", "/floor/stock", "/shipping", "/account"],
    "driver": ["/driver", "/driver/stops/{stop}", "/account", "/sync"],
    "customer": ["/orders/", "/orders/{customer_order}", "/account"],
    None: ["/sign-in", "/track/{token}", "/no-such-page"],
}


@pytest.fixture(scope="module")
def demo_shop(tmp_path_factory, sqlite_template):
    """The demo shop (what `make run` shows) served over HTTP, and the ids its pages need."""
    import shutil
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}", BLOB_DIR=str(path.parent / "blobs"), WAYBILL_FAST_PASSWORD_HASH=True)
    with application.app_context():
        load_demo(PASSWORD)
        first_order = db.session.execute(sa.select(sa.func.min(orders.c.id))).scalar_one()
        token = db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == first_order)).scalar_one()
        stop = db.session.execute(sa.select(sa.func.min(run_stops.c.id))).scalar_one()
        busiest = db.session.execute(sa.select(orders.c.id).order_by(orders.c.total_minor.desc()).limit(1)).scalar_one()
    with serving(application, None) as server:
        yield server, {"order": busiest, "customer_order": first_order, "stop": stop, "token": token}


@pytest.mark.parametrize("role", list(PAGES), ids=lambda role: role or "signed_out")
def test_each_roles_pages_are_kept_as_screenshots_and_pass_axe(browser, demo_shop, screenshot_dir, role):
    server, ids = demo_shop
    # bypass_csp lets the test inject axe-core; the pages themselves are checked against the CSP elsewhere.
    context = browser.new_context(base_url=server.url, bypass_csp=True, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    if role:
        browser_sign_in(page, "floor@example.com" if role == "floor" else f"{role}@example.com")
    problems = []
    for path in PAGES[role]:
        page.goto(path.format(**ids))
        page.wait_for_load_state("networkidle")
        name = f"{role or 'signed-out'}{path.replace('/', '-').rstrip('-')}".replace("{", "").replace("}", "")
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > 360:
            problems.append(f"{path}: {width} px wide at 360 px")
        problems += [f"{path}: {line}" for line in axe_problems(page)]
    context.close()
    assert not errors, errors
    assert not problems, "\n".join(problems)


def test_the_axe_check_finds_a_real_violation(browser, demo_shop):
    """The check above is live: an image without words and an unlabelled field are caught on a real page."""
    server, _ = demo_shop
    context = browser.new_context(base_url=server.url, bypass_csp=True, **PHONE)
    page = context.new_page()
    page.goto("/sign-in")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"/x.png\"><input id=\"stray\">')")
    problems = axe_problems(page)
    context.close()
    assert any(p.startswith("image-alt (critical)") for p in problems)
    assert any(p.startswith("label (critical)") for p in problems)
