"""Settings come from the environment in one place (backend/config.py), under the names the README lists."""
from __future__ import annotations

import re
from pathlib import Path

from backend.adapters.push import PushNotConfigured, load_keys
from backend import config as settings

ROOT = Path(__file__).resolve().parents[2]


def _read_from_environment() -> set[str]:
    """Every variable name the backend reads from the environment by a literal name."""
    names = set(getattr(settings, "PUSH_SETTINGS", ()))  # read by name in a loop
    for path in (ROOT / "backend").rglob("*.py"):
        names |= set(re.findall(r"""(?:environ\.get|_env_int)\(\s*["'](\w+)["']""", path.read_text()))
    return names


def test_every_variable_the_readme_lists_is_one_the_code_reads():
    section = ROOT.joinpath("README.md").read_text().split("## Configuration (environment variables)")[1]
    table = section.split("\n## ")[0]
    listed = {name for row in table.splitlines() if row.startswith("| `")
              for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    assert {"WAYBILL_BLOB_DIR", "WAYBILL_BLOB_MAX_BYTES", "VAPID_PRIVATE_KEY"} <= listed
    assert sorted(listed - _read_from_environment()) == []


def test_push_settings_are_read_by_the_config_not_by_the_push_adapter(monkeypatch, tmp_path):
    assert "os.environ" not in ROOT.joinpath("backend/adapters/push.py").read_text()
    monkeypatch.setenv("VAPID_SUBJECT", "mailto:ops@waybill-shop.co.uk")
    monkeypatch.setenv("PUSH_MAX_ATTEMPTS", "3")
    config = settings.load_config(str(tmp_path))
    assert (config["VAPID_SUBJECT"], config["PUSH_MAX_ATTEMPTS"]) == ("mailto:ops@waybill-shop.co.uk", "3")
    # The adapter sees only what it is given: a key in the environment but not in the config is no key.
    monkeypatch.setenv("VAPID_PRIVATE_KEY", "not-read-here")
    try:
        load_keys({"WAYBILL_SHOP_EMAIL": "help@example.com"}, str(tmp_path))
    except PushNotConfigured as exc:
        assert "VAPID_PRIVATE_KEY" in str(exc)
    else:
        raise AssertionError("the push adapter read the environment itself")
