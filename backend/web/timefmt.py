"""Jinja filters that show a stored (UTC) moment on the shop's clock, in the shop's locale.

The rules live in domain/timefmt.py (and, for the phone, pwa/static/js/timefmt.js); this module only
binds them to the configured zone and locale. In templates, wrap the moment in `<time datetime>` with
its ISO 8601 UTC value, so scripts and machines still read the instant itself:

    <time datetime="{{ order.created_at.isoformat() }}">{{ order.created_at | when }}</time>
"""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app

from ..domain.timefmt import ShopClock


def shop_clock() -> ShopClock:
    """The configured shop clock (WAYBILL_TIMEZONE, WAYBILL_LOCALE)."""
    config = current_app.config
    return ShopClock(config["WAYBILL_TIMEZONE"], config["WAYBILL_LOCALE"])


def shop_today() -> date:
    """Today on the shop's calendar (a run's date, the dispatch board's default day)."""
    return shop_clock().today()


def local_time(moment: datetime | str | None) -> str:
    """'17:04'."""
    return "" if moment is None else shop_clock().time(moment)


def local_date(day: date | datetime | str | None) -> str:
    """'Tue 1 Dec' ('Tue, 1 Dec 2025' in another year)."""
    return "" if day is None else shop_clock().date(day)


def local_date_time(moment: datetime | str | None) -> str:
    """'Tue 1 Dec, 09:15'."""
    return "" if moment is None else shop_clock().date_time(moment)


def when(moment: datetime | str | None) -> str:
    """'Today 17:04', 'Yesterday 23:50', else 'Tue 1 Dec, 09:15'."""
    return "" if moment is None else shop_clock().when(moment)


def weekday(day: date | datetime | str | None) -> str:
    """'Tuesday'."""
    return "" if day is None else shop_clock().weekday(day)


def init_time_filters(app: Flask) -> None:
    """Register the filters, and the zone and locale the base template hands to the phone's scripts."""
    for name, fn in (("local_time", local_time), ("local_date", local_date), ("local_date_time", local_date_time),
                     ("when", when), ("weekday", weekday)):
        app.jinja_env.filters[name] = fn
    clock = ShopClock(app.config["WAYBILL_TIMEZONE"], app.config["WAYBILL_LOCALE"])
    app.jinja_env.globals.update(shop_time_zone=clock.zone_name, shop_locale_tag=clock.language_tag,
                                 shop_time_words=clock.browser_words())
