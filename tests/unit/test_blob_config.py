"""Where photos live and how large one may be come from the environment through config.py, like every setting."""
from __future__ import annotations

import pytest

from backend.config import load_config


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("WAYBILL_BLOB_DIR", raising=False)
    monkeypatch.delenv("WAYBILL_BLOB_MAX_BYTES", raising=False)
    return monkeypatch


def test_photos_live_under_the_instance_folder_and_may_be_5_mb_by_default(clean_env, tmp_path):
    config = load_config(str(tmp_path))
    assert (config["BLOB_DIR"], config["BLOB_MAX_BYTES"]) == (str(tmp_path / "blobs"), 5 * 1024 * 1024)


def test_the_documented_variables_set_the_folder_and_the_cap(clean_env, tmp_path):
    clean_env.setenv("WAYBILL_BLOB_DIR", str(tmp_path / "photos"))
    clean_env.setenv("WAYBILL_BLOB_MAX_BYTES", "2000000")
    config = load_config(str(tmp_path))
    assert (config["BLOB_DIR"], config["BLOB_MAX_BYTES"]) == (str(tmp_path / "photos"), 2_000_000)


def test_a_cap_that_is_not_a_number_stops_the_app_from_starting(clean_env, tmp_path):
    clean_env.setenv("WAYBILL_BLOB_MAX_BYTES", "5MB")
    with pytest.raises(RuntimeError, match="WAYBILL_BLOB_MAX_BYTES"):
        load_config(str(tmp_path))
