"""The shop's time zone and locale come from the environment and are checked at start-up: a typo stops the
app with a message naming the setting, instead of a 500 on the first page that shows a time."""
from __future__ import annotations

import pytest

from backend import create_app
from backend.config import load_config


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("WAYBILL_TIMEZONE", raising=False)
    monkeypatch.delenv("WAYBILL_LOCALE", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    return monkeypatch


def test_the_shop_is_in_london_in_british_english_by_default(clean_env, tmp_path):
    config = load_config(str(tmp_path))
    assert (config["WAYBILL_TIMEZONE"], config["WAYBILL_LOCALE"]) == ("Europe/London", "en_GB")


def test_a_zone_and_locale_from_the_environment_are_used(clean_env, tmp_path):
    clean_env.setenv("WAYBILL_TIMEZONE", "Europe/Berlin")
    clean_env.setenv("WAYBILL_LOCALE", "de-DE")
    config = load_config(str(tmp_path))
    assert (config["WAYBILL_TIMEZONE"], config["WAYBILL_LOCALE"]) == ("Europe/Berlin", "de_DE")


@pytest.mark.parametrize("zone", ["Europe/Lndon", "BST", "Mars/Olympus_Mons", "../etc/passwd"])
def test_an_unknown_time_zone_stops_the_start_with_a_message_naming_it(clean_env, tmp_path, zone):
    clean_env.setenv("WAYBILL_TIMEZONE", zone)
    with pytest.raises(RuntimeError, match=r"WAYBILL_TIMEZONE must be an IANA time zone name") as caught:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.db'}"})
    assert repr(zone) in str(caught.value)


def test_an_unknown_locale_stops_the_start(clean_env, tmp_path):
    clean_env.setenv("WAYBILL_LOCALE", "xx_YY")
    with pytest.raises(RuntimeError, match="WAYBILL_LOCALE must be a locale"):
        load_config(str(tmp_path))
