"""How Waybill shows a moment to a person: in the shop's time zone and locale, one format set everywhere.

Times are stored and sent (API, sync) as UTC; only what a person reads is local. The same rules are
written once more for the browser in pwa/static/js/timefmt.js, and must stay in step with these:

- time:      the locale's short time                         "17:04"
- date:      weekday, day and month (CLDR skeleton MMMEd),    "Tue 1 Dec"
             with the year (yMMMEd) when it is not this year   "Tue, 1 Dec 2025"
- date_time: date + ", " + time                              "Tue 1 Dec, 09:15"
- when:      "Today", "Yesterday" or "Tomorrow" + " " + time, "Today 17:04"
             otherwise date_time
- weekday:   the weekday's full name                         "Tuesday"

The date and time parts come from CLDR (Babel here, Intl.DateTimeFormat with the equivalent options in
the browser), so both sides print the same text for the same locale; the joins and the day words are
Waybill's own (the pages are written in English), so they are the same by construction.
"""
from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time, match_skeleton

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_LOCALE = "en_GB"
NARROW_NBSP = "\u202f"
DAY_WORDS = {-1: "Yesterday", 0: "Today", 1: "Tomorrow"}


class ShopTimeError(ValueError):
    """A time zone or locale setting that names nothing known."""


@lru_cache(maxsize=None)
def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name` ("Europe/London"), or ShopTimeError saying what was expected."""
    try:
        if not name or name != name.strip():
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ShopTimeError(f"{name!r} is not an IANA time zone name (such as Europe/London)") from exc


@lru_cache(maxsize=None)
def locale_named(name: str) -> Locale:
    """The CLDR locale `name` ("en_GB" or "en-GB"), or ShopTimeError."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ShopTimeError(f"{name!r} is not a known locale (such as en_GB)") from exc


def shop_moment(day: dt.date, wall_time: dt.time, zone_name: str) -> datetime:
    """The UTC moment the shop's clock reads `wall_time` on `day` (08:00 in London is 08:00 UTC in winter,
    07:00 UTC in summer). A time the clock skips when it goes forward (01:30 on the spring change) reads as
    the same span after the jump (02:30), by zoneinfo's rule for fold=0."""
    return datetime.combine(day, wall_time, tzinfo=zone_named(zone_name)).astimezone(timezone.utc)


def as_utc(moment: datetime | str) -> datetime:
    """A stored moment as an aware UTC datetime (an ISO string is read; a naive datetime is UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class ShopClock:
    """The shop's zone and locale, and the formats every page, push message and phone screen uses."""

    zone_name: str = DEFAULT_TIMEZONE
    locale_name: str = DEFAULT_LOCALE

    @property
    def zone(self) -> ZoneInfo:
        return zone_named(self.zone_name)

    @property
    def locale(self) -> Locale:
        return locale_named(self.locale_name)

    @property
    def language_tag(self) -> str:
        """The locale as the browser's Intl wants it: "en-GB"."""
        return str(self.locale).replace("_", "-")

    def local(self, moment: datetime | str) -> datetime:
        """A stored (UTC) moment on the shop's wall clock."""
        return as_utc(moment).astimezone(self.zone)

    def today(self, now: datetime | None = None) -> dt.date:
        """The shop's calendar day at `now` (default: this instant)."""
        return self.local(now or datetime.now(timezone.utc)).date()

    def time(self, moment: datetime | str) -> str:
        # CLDR puts a narrow no-break space before "PM"; Chromium's Intl prints a plain space: so do we.
        return format_time(self.local(moment), "short", locale=self.locale).replace(NARROW_NBSP, " ")

    def date(self, day: dt.date | datetime | str, now: datetime | None = None) -> str:
        """A calendar day; a datetime is first moved to the shop's zone. The year only when not this year."""
        if isinstance(day, (datetime, str)):
            day = self.local(day).date()
        skeleton = "MMMEd" if day.year == self.today(now).year else "yMMMEd"
        return format_skeleton(skeleton, day, locale=self.locale)

    def browser_words(self) -> dict:
        """The CLDR patterns and names these formats use, for the phone (timefmt.js) to write the same text.

        The browser's Intl carries its own CLDR, which differs from Babel's for some locales (en-AU writes
        "Wed, 14 July" where Babel writes "Wed 14 Jul"; en-IN "pm" where Babel writes "PM"), so the phone
        takes only the numbers from Intl and these patterns and names from here."""
        locale = self.locale
        return {"time": locale.time_formats["short"].pattern,
                "date": _skeleton_pattern(locale, "MMMEd"), "date_year": _skeleton_pattern(locale, "yMMMEd"),
                "months": [locale.months["format"]["abbreviated"][m] for m in range(1, 13)],
                "months_wide": [locale.months["format"]["wide"][m] for m in range(1, 13)],
                "weekdays": [locale.days["format"]["abbreviated"][d] for d in range(7)],  # Monday first
                "weekdays_wide": [locale.days["format"]["wide"][d] for d in range(7)],
                "periods": [locale.day_periods["format"]["abbreviated"][p] for p in ("am", "pm")]}

    def date_time(self, moment: datetime | str, now: datetime | None = None) -> str:
        return f"{self.date(moment, now)}, {self.time(moment)}"

    def when(self, moment: datetime | str, now: datetime | None = None) -> str:
        """'Today 17:04', 'Yesterday 23:50', 'Tomorrow 09:15', else the date and time."""
        days = (self.local(moment).date() - self.today(now)).days
        if days in DAY_WORDS:
            return f"{DAY_WORDS[days]} {self.time(moment)}"
        return self.date_time(moment, now)

    def weekday(self, day: dt.date | datetime | str) -> str:
        if isinstance(day, (datetime, str)):
            day = self.local(day).date()
        return format_date(day, "cccc", locale=self.locale)  # standalone, as Intl's {weekday: "long"}


def _skeleton_pattern(locale: Locale, skeleton: str) -> str:
    """The pattern format_skeleton uses for `skeleton` in `locale` (the closest one when it has no exact one)."""
    found = skeleton if skeleton in locale.datetime_skeletons else match_skeleton(skeleton, locale.datetime_skeletons)
    return locale.datetime_skeletons[found or skeleton].pattern
