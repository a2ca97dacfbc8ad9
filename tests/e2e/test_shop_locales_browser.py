"""Shops in Australia (en_AU) and India (en_IN): the phone writes times, dates and money in the same text as
the server. Chromium's own CLDR differs from Babel's for these locales (en-AU "Wed, 14 July" where Babel
writes "Wed 14 Jul"; en-IN "1:35 pm" where Babel writes "1:35 PM"), so the page hands the phone Babel's
patterns and names, and money follows the server's one rule."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.domain.money import format_money
from backend.domain.timefmt import ShopClock
from tests.e2e.chromium import PHONE
from tests.e2e.servers import serving
from tests.e2e.world import _app_on_copy

pytestmark = pytest.mark.browser

NOW = datetime(2027, 7, 14, 8, 5, tzinfo=timezone.utc)
MOMENTS = [NOW, NOW + timedelta(days=1), NOW - timedelta(days=3), NOW - timedelta(hours=9),
           datetime(2027, 7, 14, 23, 30, tzinfo=timezone.utc), datetime(2026, 12, 1, 17, 4, tzinfo=timezone.utc),
           datetime(2027, 1, 5, 0, 4, tzinfo=timezone.utc), datetime(2027, 4, 4, 15, 59, tzinfo=timezone.utc)]
WRITE_ALL = """([isos, now]) => import('/static/js/timefmt.js').then((t) => isos.map((iso) => [
    t.formatTime(iso), t.formatDate(iso, t.shopClock(), new Date(now)),
    t.formatDateTime(iso, t.shopClock(), new Date(now)), t.formatWhen(iso, t.shopClock(), new Date(now))]))"""


@pytest.fixture(params=[("en_AU", "Australia/Sydney"), ("en_IN", "Asia/Kolkata")], ids=["en_AU", "en_IN"])
def shop_page(request, browser, tmp_path, world_template):
    """The sign-in page of a shop in that locale and zone, on a phone set to another zone, and its clock."""
    locale, zone = request.param
    application = _app_on_copy(world_template[0], tmp_path / "live.db", WAYBILL_LOCALE=locale, WAYBILL_TIMEZONE=zone)
    with serving(application, world_template[1]) as server:
        context = browser.new_context(base_url=server.url, timezone_id="Europe/Lisbon", locale="en-US", **PHONE)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/sign-in")
        try:
            yield page, ShopClock(zone, locale)
        finally:
            context.close()
        assert errors == []


def test_the_phone_writes_every_time_and_date_as_the_server_does(shop_page):
    page, clock = shop_page
    written = page.evaluate(WRITE_ALL, [[m.isoformat() for m in MOMENTS], NOW.isoformat()])
    assert written == [[clock.time(m), clock.date(m, NOW), clock.date_time(m, NOW), clock.when(m, NOW)]
                       for m in MOMENTS]


def test_the_browsers_own_formats_differ_for_this_locale_so_the_check_can_fail(shop_page):
    page, clock = shop_page
    intl = page.evaluate("""([isos, zone, locale]) => isos.map((iso) => {
        const d = new Date(iso);
        return [new Intl.DateTimeFormat(locale, {timeZone: zone, timeStyle: 'short'}).format(d).replace(/\\u202f/g, ' '),
                new Intl.DateTimeFormat(locale, {timeZone: zone, weekday: 'short', day: 'numeric', month: 'short'}).format(d)];
    })""", [[m.isoformat() for m in MOMENTS[:2]], clock.zone_name, clock.language_tag])
    assert intl != [[clock.time(m), clock.date(m, NOW)] for m in MOMENTS[:2]]


def test_the_phone_writes_money_as_the_server_does(shop_page):
    page, _ = shop_page
    amounts = [(0, "GBP"), (7914, "GBP"), (-500, "GBP"), (123456789, "GBP"), (100000, "AUD"), (99, "INR"),
               (1234567, "EUR"), (5, "USD")]
    written = page.evaluate("""(amounts) => import('/static/js/money.js').then((m) =>
        amounts.map(([minor, currency]) => m.formatMoney(minor, currency)))""", amounts)
    assert written == [format_money(minor, currency) for minor, currency in amounts]
