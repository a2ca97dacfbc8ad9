"""Weight of the driver's run page: bytes the server sends for it, on a first visit and on the next.

    .venv/bin/python bench/page_weight.py

Serves the demo shop (SQLite in a temporary folder, demo data as `make run` loads it) and opens
/driver as the demo driver in Debian's headless Chromium at 360 px. A WSGI wrapper counts every
response body byte the server sends: "cold" is the first visit in a fresh browser profile, from the
sign-in page to the run page shown (pages, assets, the service worker and its precache), "warm" is opening the run page again in the same
profile (what still crosses the network once the worker holds the assets). Bytes are uncompressed:
the dev server does not gzip; behind a proxy that does, both figures shrink.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-demo-pass-2026"


class ByteCounter:
    """WSGI middleware: request count and response body bytes, reset between phases."""

    def __init__(self, app):
        self.app, self.lock = app, threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests, self.bytes, self.paths = 0, 0, []

    def __call__(self, environ, start_response):
        body = self.app(environ, start_response)
        try:
            size = 0
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()
            with self.lock:
                self.requests += 1
                self.bytes += size
                self.paths.append(environ.get("PATH_INFO", ""))


@contextlib.contextmanager
def demo_server():
    """The demo shop on a free port, served by werkzeug in a thread; yields (base URL, counter)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    directory = tempfile.mkdtemp(prefix="waybill_weight_")
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    from backend import create_app
    from backend.demo import load_demo
    from backend.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/waybill.db",
                      "WAYBILL_FAST_PASSWORD_HASH": True})
    with app.app_context(), contextlib.redirect_stderr(open(os.devnull, "w")):  # noqa: SIM115 alembic's INFO
        upgrade()
        load_demo(PASSWORD)
    counter = ByteCounter(app.wsgi_app)
    app.wsgi_app = counter
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", counter
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)


def driver_run_page_weight() -> dict:
    """{cold_kb, cold_requests, warm_kb, warm_requests}: the run page's weight on a phone."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_FLAGS, PHONE
    with demo_server() as (base, counter), sync_playwright() as playwright, \
            tempfile.TemporaryDirectory(prefix="waybill_weight_profile_") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, base_url=base, **PHONE)
        try:
            page = context.new_page()
            page.goto("/sign-in")
            page.get_by_label("E-mail").fill("driver@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.wait_for_url("**/driver")  # drivers land on their run
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_load_state("networkidle")
            cold = (counter.bytes, counter.requests)
            counter.reset()
            again = context.new_page()
            again.goto("/driver")
            again.wait_for_load_state("networkidle")
            warm = (counter.bytes, counter.requests)
        finally:
            context.close()
    return {"cold_kb": cold[0] / 1024, "cold_requests": cold[1], "warm_kb": warm[0] / 1024,
            "warm_requests": warm[1]}


if __name__ == "__main__":
    figures = driver_run_page_weight()
    print(f"driver run page: cold {figures['cold_kb']:.1f} KB in {figures['cold_requests']} requests; "
          f"warm {figures['warm_kb']:.1f} KB in {figures['warm_requests']} requests")
