"""When a planned delivery run leaves: a time on the shop's clock (its own start, else the shop's usual
08:00), so in London it is 08:00 UTC in winter and 07:00 UTC in summer, changing on the last Sundays of March
and October; the older UTC-hour setting is honoured only where it is set."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from backend.config import load_config
from backend.domain.dispatch import DeliveryRun
from backend.domain.timefmt import shop_moment
from backend.services.dispatch import planned_departure
from backend.services.settings import Settings


@pytest.fixture
def app_config(tmp_path, monkeypatch) -> dict:
    """The configuration a fresh deployment reads (no dispatch or time-zone settings in its environment)."""
    for name in ("WAYBILL_DISPATCH_START_TIME", "WAYBILL_DISPATCH_START_HOUR_UTC", "WAYBILL_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    return load_config(str(tmp_path))


def _run(day: date, start: time | None = None) -> DeliveryRun:
    return DeliveryRun(driver_id=1, warehouse_id=1, run_date=day, planned_start=start)


def _utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture
def shop_settings(app_config) -> Settings:
    """The settings of a shop in London with the usual start (08:00 shop time)."""
    return Settings.from_config(app_config)


@pytest.mark.parametrize("day, leaves", [
    (date(2027, 3, 27), _utc(2027, 3, 27, 8)),    # Saturday: still GMT
    (date(2027, 3, 28), _utc(2027, 3, 28, 7)),    # last Sunday of March: BST from 01:00 UTC
    (date(2027, 10, 30), _utc(2027, 10, 30, 7)),  # Saturday: still BST
    (date(2027, 10, 31), _utc(2027, 10, 31, 8)),  # last Sunday of October: GMT again
])
def test_a_run_leaves_at_eight_on_the_shops_clock_on_both_sides_of_a_clock_change(shop_settings, day, leaves):
    assert planned_departure(_run(day), shop_settings) == leaves


def test_a_runs_own_planned_start_is_on_the_shops_clock_too(shop_settings):
    assert planned_departure(_run(date(2027, 3, 28), time(6, 30)), shop_settings) == _utc(2027, 3, 28, 5, 30)
    assert planned_departure(_run(date(2027, 3, 27), time(6, 30)), shop_settings) == _utc(2027, 3, 27, 6, 30)


def test_the_shops_usual_start_is_a_setting_on_its_own_clock(app_config):
    settings = Settings.from_config({**app_config, "WAYBILL_DISPATCH_START_TIME": "09:15",
                                     "WAYBILL_TIMEZONE": "Europe/Berlin"})
    assert planned_departure(_run(date(2027, 7, 1)), settings) == _utc(2027, 7, 1, 7, 15)  # CEST, UTC+2


def test_the_older_utc_hour_setting_still_works_where_it_is_set(app_config):
    settings = Settings.from_config({**app_config, "WAYBILL_DISPATCH_START_HOUR_UTC": 6})
    assert planned_departure(_run(date(2027, 7, 1)), settings) == _utc(2027, 7, 1, 6)
    # a run's own start is a shop-clock time whatever the older setting says
    assert planned_departure(_run(date(2027, 7, 1), time(8, 0)), settings) == _utc(2027, 7, 1, 7)


def test_a_time_the_spring_change_skips_reads_as_the_same_span_after_the_jump():
    assert shop_moment(date(2027, 3, 28), time(1, 30), "Europe/London") == _utc(2027, 3, 28, 1, 30)  # 02:30 BST


def test_the_older_utc_hour_is_read_from_the_environment_only_when_the_shop_clock_setting_is_not(tmp_path,
                                                                                              monkeypatch):
    monkeypatch.delenv("WAYBILL_DISPATCH_START_TIME", raising=False)
    monkeypatch.setenv("WAYBILL_DISPATCH_START_HOUR_UTC", "6")
    assert load_config(str(tmp_path))["WAYBILL_DISPATCH_START_HOUR_UTC"] == 6
    monkeypatch.setenv("WAYBILL_DISPATCH_START_TIME", "07:45")
    config = load_config(str(tmp_path))
    assert (config["WAYBILL_DISPATCH_START_HOUR_UTC"], config["WAYBILL_DISPATCH_START_TIME"]) == (None, "07:45")


def test_a_start_time_that_is_not_a_time_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv("WAYBILL_DISPATCH_START_TIME", "8am")
    with pytest.raises(RuntimeError, match="WAYBILL_DISPATCH_START_TIME must be a time like 08:00"):
        load_config(str(tmp_path))
