"""Cash on delivery to the end of the day, in headless Chromium at 360 px: the driver takes the cash at the
door and hands it in; the office sees each order paid, the run balanced or short on its cash page, and a
shortfall in its exception queue, resolved with a note. Each flow ends with the stock ledger balanced."""
from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.fulfilment_tables import cash_settlements
from backend.adapters.records import OfficeException, User
from backend.domain.dispatch import RunStop
from backend.domain.orders import Order
from backend.extensions import db
from tests.e2e.conftest import PHONE, browser_sign_in, chip, controlled_by_the_worker
from tests.e2e.driver_phone import card, png
from tests.factories import run_out_for_delivery, stored
from tests.ledger import assert_ledger_balanced

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(screenshot_dir):
    """Take a 360 px screenshot, kept with the run's others (tests/e2e/chromium.py: screenshot_dir)."""
    def take(page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)
    return take


def cod_run(server, stops: int):
    """A started cash-on-delivery run for the world's driver: (run id, stop ids, order ids, cash due per stop)."""
    world = server.world
    run_id, stop_ids, order_ids = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"],
                                                       stops=stops, method="cash_on_delivery")
    with server.app.app_context():
        due = [stored(RunStop, s).cod_due_minor for s in stop_ids]
    return run_id, stop_ids, order_ids, due


def pounds(minor: int) -> str:
    return f"£{minor // 100:,}.{minor % 100:02d}"


def office_page(browser, server, who="manager"):
    context = browser.new_context(base_url=server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    browser_sign_in(page, server.world.emails[who])
    return context, page


def open_cash_page(page):
    """Reach the cash page from the office's navigation (behind the top bar's menu button where it has one)."""
    menu = page.locator("[data-menu] > summary")
    if menu.count():
        menu.tap()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cash").tap()
    expect(page).to_have_url(re.compile(r"/office/cash/$"))


def on_server(server, stop_id: int, status: str, timeout: float = 30.0) -> None:
    """Wait until the server holds the stop as `status`: the chip can read Synced a moment before the phone
    has counted a command it just saved, and the cash is refused while a stop is still open."""
    deadline = time.monotonic() + timeout
    while True:
        with server.app.app_context():
            if stored(RunStop, stop_id).status == status:
                return
        assert time.monotonic() < deadline, f"stop {stop_id} never became {status} on the server"
        time.sleep(0.1)


def deliver(page, position: int, name: str):
    """Hand the parcel over with a photo, the cash field left at what is due; back to the run."""
    card(page, position).get_by_role("link", name=f"Open stop {position}").tap()
    page.get_by_label("Recipient's name").fill(name)
    page.get_by_label("Photos of the parcel at the door").set_input_files(
        {"name": "door.png", "mimeType": "image/png", "buffer": png(400, 300)})
    expect(page.get_by_role("img", name="Photo 1")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Confirm delivery").tap()
    expect(page.locator("[data-stop-card] > [data-row-status]")).to_have_text(
        f"Saved on this phone: delivered to {name}.")
    expect(chip(page)).to_have_text("Synced", timeout=30_000)
    page.get_by_role("link", name="Back to the run").tap()


def fail(page, position: int):
    card(page, position).get_by_role("link", name=f"Open stop {position}").tap()
    page.get_by_label("Reason").select_option("no_one_home")
    page.get_by_role("button", name="Record failed attempt").tap()
    expect(page.locator("[data-stop-card] > [data-row-status]")).to_have_text(
        "Saved on this phone: not delivered (No one home).")
    expect(chip(page)).to_have_text("Synced", timeout=30_000)
    page.get_by_role("link", name="Back to the run").tap()


def hand_in(page, counted: str, note: str = ""):
    page.get_by_role("link", name="End of day: hand in cash").tap()
    page.get_by_label("Cash counted (GBP)").fill(counted)
    if note:
        page.get_by_label("Note (needed if the cash does not match)").fill(note)
    page.get_by_role("button", name="Hand in cash").tap()
    expect(page.locator("[data-settle] [data-row-status]").or_(page.get_by_role("status").filter(
        has_text="Settled"))).to_contain_text(re.compile("Saved on this phone|Settled"))


def settled_on_server(server, run_id: int, timeout: float = 30.0) -> None:
    """Wait until the server holds the run's settlement, and until the cash page shows it.

    The phone reloads the cash page by itself once its count is answered; if that moment was missed (the
    answer came before the phone had drawn its "waiting" state), the page is opened again here."""
    deadline = time.monotonic() + timeout
    while True:
        with server.app.app_context():
            if db.session.execute(sa.select(sa.func.count()).select_from(cash_settlements)
                                  .where(cash_settlements.c.run_id == run_id)).scalar_one():
                return
        assert time.monotonic() < deadline, f"run {run_id}'s cash never reached the server"
        time.sleep(0.1)


def settlement_shown(page, run_id: int):
    """The cash page's settled line, opening the page again if the phone did not reload it by itself."""
    shown = page.get_by_role("status").filter(has_text="Settled")
    try:
        expect(shown).to_be_visible(timeout=10_000)
    except AssertionError:
        page.goto(f"/driver/runs/{run_id}/settle")
    return shown


def orders_now(server, order_ids):
    with server.app.app_context():
        return [(o.status, o.payment_status, o.paid_minor) for o in (stored(Order, i) for i in order_ids)]


def exceptions_now(server):
    with server.app.app_context():
        return [(e.code, e.message, e.data, e.status, e.resolution_note) for e in db.session.execute(
            sa.select(OfficeException).order_by(OfficeException.id)).scalars()]


def driver_name(server) -> str:
    with server.app.app_context():
        return db.session.get(User, server.world.user_ids["driver"]).name


def ledger_balanced(server):
    with server.app.app_context():
        assert_ledger_balanced(db.engine)


def test_cash_handed_in_exactly_pays_the_order_and_the_run_reads_balanced(browser, phone, live_server, shots):
    run_id, stops, orders, due = cod_run(live_server, stops=1)
    browser_sign_in(phone, live_server.world.emails["driver"], lands_on="/driver")
    controlled_by_the_worker(phone)
    deliver(phone, 1, "Sam Doe")
    on_server(live_server, stops[0], "delivered")
    hand_in(phone, f"{due[0] // 100}.{due[0] % 100:02d}")
    settled_on_server(live_server, run_id)
    expect(settlement_shown(phone, run_id)).to_have_text(
        f"Settled: counted {pounds(due[0])}, exactly right.", timeout=30_000)
    shots(phone, "cod-balanced-driver-hand-in")

    assert orders_now(live_server, orders) == [("delivered", "paid", due[0])]
    assert exceptions_now(live_server) == []

    context, office = office_page(browser, live_server)
    open_cash_page(office)
    expect(office.get_by_role("heading", level=1)).to_have_text("Drivers' cash")
    settlement = office.locator(f'[data-settlement][data-run-id="{run_id}"]')
    expect(settlement.locator("[data-expected]")).to_have_text(pounds(due[0]))
    expect(settlement.locator("[data-counted]")).to_have_text(pounds(due[0]))
    expect(settlement.locator("[data-difference]")).to_have_text("£0.00")
    expect(settlement.locator("[data-verdict]")).to_have_text("Balanced")
    assert office.evaluate("document.documentElement.scrollWidth") <= 360  # nothing runs off a phone's screen
    shots(office, "cod-balanced-office-cash")
    office.goto(f"/orders/{orders[0]}")
    expect(office.locator("[data-payment]")).to_have_text(
        f"Payment: cash on delivery · paid · {pounds(due[0])} received")
    expect(office.locator(".history")).to_contain_text(re.compile(rf"Cash received by .+: {re.escape(pounds(due[0]))}"))
    shots(office, "cod-balanced-office-order")
    context.close()
    ledger_balanced(live_server)


def test_a_five_pound_shortfall_pays_the_order_and_the_office_resolves_it_with_a_note(browser, phone, live_server,
                                                                                     shots):
    run_id, stops, orders, due = cod_run(live_server, stops=2)
    browser_sign_in(phone, live_server.world.emails["driver"], lands_on="/driver")
    controlled_by_the_worker(phone)
    deliver(phone, 1, "Sam Doe")
    fail(phone, 2)  # nothing taken at the second door: its order must stay to collect
    on_server(live_server, stops[0], "delivered")
    on_server(live_server, stops[1], "failed")
    short = due[0] - 500
    hand_in(phone, f"{short // 100}.{short % 100:02d}", "Dropped a fiver at stop 1")
    settled_on_server(live_server, run_id)
    expect(settlement_shown(phone, run_id)).to_contain_text(
        f"Settled: counted {pounds(short)}, difference -£5.00. The office has been told", timeout=30_000)
    shots(phone, "cod-short-driver-hand-in")

    # The second stop failed: its order waits for the office's next step, unpaid.
    assert orders_now(live_server, orders) == [("delivered", "paid", due[0]),
                                               ("delivery_failed", "collect_on_delivery", None)]
    [(code, message, data, status, _)] = exceptions_now(live_server)
    name = driver_name(live_server)
    assert (code, status, data["run_id"], data["driver_id"], data["difference_minor"]) == \
        ("settlement.cash_short", "open", run_id, live_server.world.user_ids["driver"], -500)
    assert message.startswith(f"{name} handed in {pounds(short)} for run {run_id} of ")
    assert "£5.00 short of" in message

    context, office = office_page(browser, live_server)
    open_cash_page(office)
    settlement = office.locator(f'[data-settlement][data-run-id="{run_id}"]')
    expect(settlement.get_by_role("heading")).to_have_text(f"Run {run_id} · {name}")
    expect(settlement.locator("[data-difference]")).to_have_text("-£5.00")
    expect(settlement.locator("[data-verdict]")).to_have_text("Short by £5.00")
    expect(settlement.locator("[data-settlement-note]")).to_have_text("Driver's note: Dropped a fiver at stop 1")
    driver_total = office.locator("[data-driver-total]")
    expect(driver_total.locator("[data-difference]")).to_have_text("-£5.00")
    shots(office, "cod-short-office-cash-open")

    settlement.get_by_role("link", name=re.compile("resolve it with a note")).tap()
    exception = office.locator("[data-exception][data-code='settlement.cash_short']")
    expect(exception).to_contain_text(f"{name} handed in {pounds(short)} for run {run_id}")
    exception.get_by_label("What did you do about it?").fill("Counted again with Dev: taken from wages")
    exception.get_by_role("button", name="Resolve").tap()
    expect(office.locator("[data-no-exceptions]")).to_be_visible()

    office.goto("/office/cash/")
    expect(office.locator(f'[data-settlement][data-run-id="{run_id}"] [data-settlement-exception]')).to_contain_text(
        "Counted again with Dev: taken from wages")
    assert office.evaluate("document.documentElement.scrollWidth") <= 360
    shots(office, "cod-short-office-cash")
    office.goto(f"/orders/{orders[0]}")
    expect(office.locator("[data-payment]")).to_have_text(
        f"Payment: cash on delivery · paid · {pounds(due[0])} received")
    shots(office, "cod-short-office-order")
    context.close()
    assert exceptions_now(live_server)[0][3:] == ("resolved", "Counted again with Dev: taken from wages")
    ledger_balanced(live_server)
