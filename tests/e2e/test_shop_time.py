"""Times on the shop's clock in real Chromium and on the server's pages: a summer (UTC+1) moment reads the same
whether the server wrote it (the run page's ETA) or the phone did (a refused command's "recorded on this
phone" line), on a phone whose own zone is New York; no page says "UTC"."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import orders as orders_table
from backend.domain import commands
from backend.domain.dispatch import DeliveryRun
from backend.domain.timefmt import ShopClock
from backend.extensions import db
from tests.e2e.conftest import PHONE, browser_sign_in, sign_in
from tests.factories import run, run_out_for_delivery, shipped_own_fleet, stored

LONDON = ShopClock("Europe/London", "en_GB")
SUMMER_DAY = date(2027, 7, 15)  # a planned run: its ETAs count from that morning, in British Summer Time


def _summer_run(world):
    """A planned run for the world's driver on SUMMER_DAY: [(order id, ETA)] of its stops in visiting order."""
    app = world.shop.app
    shipments = [shipped_own_fleet(world.shop, world.actor("manager"))[1] for _ in range(2)]
    planned = run(app, commands.AssignToRun(world.user_ids["driver"], SUMMER_DAY, tuple(shipments)),
                  world.actor("manager"))
    with app.app_context():
        stops = [(s.order_id, s.eta) for s in stored(DeliveryRun, planned.id).ordered_stops]
    assert all(eta is not None and LONDON.local(eta).utcoffset() == timedelta(hours=1) for _, eta in stops)
    return stops


@pytest.mark.browser
def test_a_summer_eta_from_the_server_and_a_time_written_on_the_phone_read_the_same(browser, live_server):
    world = live_server.world
    eta = _summer_run(world)[0][1]
    local, in_utc = LONDON.time(eta), eta.strftime("%H:%M")
    assert local != in_utc  # 09:xx in London is 08:xx UTC: the check can tell them apart
    # A stop on another driver's run: a command for it is refused, and the phone lists it with its time.
    other_driver = world.shop.user("driver")[0]
    _, foreign, _ = run_out_for_delivery(world.shop, world.actor("manager"), other_driver, stops=1)

    context = browser.new_context(base_url=live_server.url, timezone_id="America/New_York", **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        browser_sign_in(page, world.emails["driver"], lands_on="/driver")
        page.clock.set_fixed_time(eta)  # the phone records its command at the very moment of the ETA
        page.reload()
        first = page.locator('[data-stop-card][data-position="1"] time')
        expect(first).to_have_text(local)
        assert first.get_attribute("datetime") == eta.isoformat()  # the instant itself stays UTC
        assert "UTC" not in page.locator("main").inner_text()

        page.evaluate("""(stopId) => import('/static/js/commandlog.js').then((log) => log.enqueue({
            type: 'delivery.fail', v: 1, payload: {stop_id: stopId, reason: 'refused'},
            label: 'Stop on another run'}))""", foreign[0])
        attention = page.locator("#needs-attention")
        expect(attention).to_contain_text(f"Stop on another run, recorded on this phone Today {local}",
                                          timeout=30_000)
        assert in_utc not in attention.inner_text()

        # The whole format set, written by the browser's module for the shop's zone, is the server's text.
        moments = [eta, eta + timedelta(days=1), eta - timedelta(days=1), eta - timedelta(days=3),
                   datetime(2027, 7, 14, 23, 30, tzinfo=timezone.utc),  # 00:30 on the 15th in London
                   datetime(2026, 12, 1, 17, 4, tzinfo=timezone.utc),   # winter, last year
                   datetime(2027, 3, 28, 1, 0, tzinfo=timezone.utc)]    # the first minute of BST
        written = page.evaluate("""(isos) => import('/static/js/timefmt.js').then((t) => isos.map((iso) => [
            t.formatTime(iso), t.formatDate(iso), t.formatDateTime(iso), t.formatWhen(iso)]))""",
                                [m.isoformat() for m in moments])
        assert written == [[LONDON.time(m), LONDON.date(m, eta), LONDON.date_time(m, eta), LONDON.when(m, eta)]
                           for m in moments]
        assert written[1][3] == f"Tomorrow {local}" and written[4][0] == "00:30"
        # Other shops' locales: the same CLDR fields give the same text on both sides.
        for name in ("en_US", "de_DE", "fr_FR"):
            shop = ShopClock("Europe/London", name)
            written = page.evaluate("""([isos, clock, now]) => import('/static/js/timefmt.js').then((t) =>
                isos.map((iso) => t.formatWhen(iso, clock, new Date(now))))""",
                                    [[m.isoformat() for m in moments], {"zone": "Europe/London",
                                                                        "locale": shop.language_tag}, eta.isoformat()])
            assert written == [shop.when(m, eta) for m in moments], name
    finally:
        context.close()
    assert errors == []


def _backdate(app, order_id, when):
    with app.app_context():
        db.session.execute(sa.update(orders_table).where(orders_table.c.id == order_id).values(created_at=when))
        db.session.commit()


def test_pages_show_summer_times_on_the_shops_clock_and_never_say_utc(app, client, world):
    summer = datetime(2026, 7, 14, 23, 30, tzinfo=timezone.utc)  # already 00:30 on Wednesday 15 July in London
    order_id = world.place([("MUG", 1)])
    _backdate(app, order_id, summer)
    sign_in(client, world.emails["owner"])
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'placed <time datetime="2026-07-14T23:30:00+00:00">Wed 15 Jul, 00:30</time>' in page
    listing = client.get("/orders/").get_data(as_text=True)
    assert "Wed 15 Jul, 00:30" in listing and "UTC" not in listing
    assert '<meta name="waybill-time" content="Europe/London" data-locale="en-GB">' in page


def test_the_tracking_page_expects_the_parcel_around_the_shops_local_time(app, client, world):
    order_id, eta = _summer_run(world)[0]
    with app.app_context():
        token = db.session.execute(sa.select(orders_table.c.tracking_token)
                                   .where(orders_table.c.id == order_id)).scalar_one()
    page = client.get(f"/track/{token}").get_data(as_text=True)
    assert f'Expected around <time datetime="{eta.isoformat()}">{LONDON.time(eta)}</time>.' in page
    assert f">{eta.strftime('%H:%M')}<" not in page and "UTC" not in page


def test_the_dashboards_today_starts_at_the_shops_midnight(app, world):
    from backend.queries.dashboard import dashboard
    now = datetime(2026, 7, 15, 9, 0, tzinfo=timezone.utc)          # 10:00 in London
    after_midnight = world.place([("MUG", 1)])                      # 00:30 in London: today
    before_midnight = world.place([("MUG", 1)])                     # 23:30 in London: yesterday
    _backdate(app, after_midnight, datetime(2026, 7, 14, 23, 30, tzinfo=timezone.utc))
    _backdate(app, before_midnight, datetime(2026, 7, 14, 22, 30, tzinfo=timezone.utc))
    with app.app_context():
        assert dashboard(db.session, now, zone=LONDON.zone)["today"]["GBP"][0] == 1
        assert "GBP" not in dashboard(db.session, now)["today"]  # by UTC's midnight, neither is today
