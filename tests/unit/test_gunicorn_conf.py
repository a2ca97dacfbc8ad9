"""gunicorn.conf.py: gunicorn finds it where it starts, and a worker with the app loaded freezes the startup heap."""
from __future__ import annotations

import gc
import importlib.util
from pathlib import Path

from gunicorn.config import get_default_config_file

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_started_in_the_project_reads_its_settings(monkeypatch):
    monkeypatch.chdir(ROOT)  # README: gunicorn ... 'backend:create_app()' is run from here
    assert get_default_config_file() == str(ROOT / "gunicorn.conf.py")


def test_a_worker_with_the_app_loaded_leaves_its_objects_out_of_later_collections():
    spec = importlib.util.spec_from_file_location("waybill_gunicorn_conf", ROOT / "gunicorn.conf.py")
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    gc.unfreeze()
    kept = [object() for _ in range(10)]  # stands for the loaded app's objects (a list is tracked by the GC)
    try:
        settings.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
        assert not any(kept_list is kept for kept_list in gc.get_objects())  # frozen: no collection walks it
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual
