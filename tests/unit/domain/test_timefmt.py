"""Times people read are on the shop's clock: British Summer Time and GMT either side of each clock change,
days that start at the shop's midnight (not UTC's), one format set, and the ETA in push messages."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from backend.domain import notifications as n
from backend.domain.timefmt import ShopClock, ShopTimeError, as_utc, zone_named

LONDON = ShopClock("Europe/London", "en_GB")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize("moment, shown", [
    # 2026's clocks go forward at 01:00 UTC on Sunday 29 March...
    (utc(2026, 3, 29, 0, 59), "00:59"),         # the last minute of GMT
    (utc(2026, 3, 29, 1, 0), "02:00"),          # BST: 01:00-01:59 never happens on the wall clock
    (utc(2026, 7, 15, 16, 4), "17:04"),         # midsummer: UTC+1
    # ...and back at 01:00 UTC on Sunday 25 October: 01:00-01:59 is lived twice.
    (utc(2026, 10, 25, 0, 30), "01:30"),        # the first 01:30, in BST
    (utc(2026, 10, 25, 1, 30), "01:30"),        # the second, in GMT
    (utc(2026, 12, 1, 17, 4), "17:04"),         # winter: GMT is UTC
])
def test_a_time_is_shown_on_the_shops_wall_clock_either_side_of_the_clock_changes(moment, shown):
    assert LONDON.time(moment) == shown


def test_the_format_set_date_date_and_time_and_weekday():
    now = utc(2026, 12, 3, 9, 0)
    assert LONDON.date(utc(2026, 12, 1, 9, 15), now) == "Tue 1 Dec"
    assert LONDON.date_time(utc(2026, 12, 1, 9, 15), now) == "Tue 1 Dec, 09:15"
    assert LONDON.date_time(utc(2026, 7, 14, 8, 15), now) == "Tue 14 Jul, 09:15"
    assert LONDON.date_time(utc(2025, 12, 1, 9, 15), now) == "Mon, 1 Dec 2025, 09:15"  # another year: said
    assert LONDON.date(date(2026, 12, 1), now) == "Tue 1 Dec"  # a calendar day (a run's date) is not moved
    assert LONDON.weekday(utc(2026, 12, 3, 9, 0)) == "Thursday"


@pytest.mark.parametrize("moment, now, shown", [
    (utc(2026, 12, 3, 6, 30), utc(2026, 12, 3, 17, 0), "Today 06:30"),
    (utc(2026, 12, 2, 23, 59), utc(2026, 12, 3, 0, 1), "Yesterday 23:59"),
    (utc(2026, 12, 4, 9, 15), utc(2026, 12, 3, 17, 0), "Tomorrow 09:15"),
    (utc(2026, 12, 1, 9, 15), utc(2026, 12, 3, 17, 0), "Tue 1 Dec, 09:15"),
    # Summer midnight: 23:30 UTC is already tomorrow in London, and "today" starts at London's midnight.
    (utc(2026, 7, 14, 23, 30), utc(2026, 7, 15, 8, 0), "Today 00:30"),
    (utc(2026, 7, 14, 22, 59), utc(2026, 7, 15, 8, 0), "Yesterday 23:59"),
    (utc(2026, 7, 15, 8, 0), utc(2026, 7, 14, 23, 10), "Today 09:00"),  # UTC still says the 14th; London not
    # New Year's Eve read on New Year's Day: yesterday, although another year.
    (utc(2025, 12, 31, 23, 30), utc(2026, 1, 1, 10, 0), "Yesterday 23:30"),
    (utc(2025, 12, 30, 23, 30), utc(2026, 1, 1, 10, 0), "Tue, 30 Dec 2025, 23:30"),
    # The clock-change days have 23 and 25 hours, and are still one day each.
    (utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 22, 30), "Yesterday 23:30"),
    (utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 23, 30), "Today 00:30"),
])
def test_when_says_today_yesterday_or_tomorrow_by_the_shops_calendar(moment, now, shown):
    assert LONDON.when(moment, now) == shown


def test_the_shops_today_turns_at_its_own_midnight():
    assert LONDON.today(utc(2026, 7, 14, 23, 30)) == date(2026, 7, 15)
    assert LONDON.today(utc(2026, 12, 14, 23, 30)) == date(2026, 12, 14)


def test_stored_moments_in_any_form_are_the_same_instant():
    summer = utc(2026, 7, 15, 16, 4)
    assert as_utc("2026-07-15T16:04:00+00:00") == as_utc("2026-07-15T17:04:00+01:00") == summer
    assert as_utc(datetime(2026, 7, 15, 16, 4)) == summer  # naive means UTC, as stored
    assert LONDON.time("2026-07-15T16:04:00Z") == "17:04"


def test_another_zone_and_locale_shape_the_same_rules():
    new_york = ShopClock("America/New_York", "en_US")
    assert new_york.date_time(utc(2026, 12, 1, 22, 4), utc(2026, 12, 3)) == "Tue, Dec 1, 5:04 PM"
    berlin = ShopClock("Europe/Berlin", "de_DE")
    assert berlin.when(utc(2026, 7, 15, 16, 4), utc(2026, 7, 15, 8)) == "Today 18:04"


@pytest.mark.parametrize("name", ["Europe/Lndon", "Mars/Olympus_Mons", "", " Europe/London", "../etc/passwd"])
def test_an_unknown_zone_is_refused_with_its_name(name):
    with pytest.raises(ShopTimeError, match="IANA time zone"):
        zone_named(name)


def test_the_eta_in_a_push_message_is_on_the_shops_clock():
    eta = utc(2026, 7, 15, 16, 4)
    raw = n.build_payload(n.KINDS["order.out_for_delivery"], order_number="WB-000042", tracking_token="T" * 32,
                          event_id="e-1", sequence=1, occurred_at=eta - timedelta(hours=2), eta=eta, clock=LONDON)
    data = json.loads(raw)
    assert data["body"].endswith("Expected around 17:04.") and "UTC" not in data["body"]
    assert data["eta"] == "2026-07-15T16:04:00+00:00"  # on the wire: still UTC, ISO 8601
