"""Weight of the driver's run page and the picker's pick list page, cold and warm, beside uncompressed.

    .venv/bin/python bench/page_weight.py [--paths]

Serves the demo shop (SQLite in a temporary folder, demo data as `make run` loads it) twice: as
shipped, and with WAYBILL_COMPRESS off (every answer sent uncompressed, as a server without gzip or a
proxy would). The baseline is that second server, because it is the same code, pages and files in
the same run: the ratio says what compression buys on top of the hashed names and the shortened
precache list, which the two servers share (main before them measured 364 KB in 73 requests).

For each page, a fresh Chromium profile (Debian's headless Chromium at 360 px) signs in with a plain
form post (not counted: the page itself is measured, not the sign-in page), then opens the page:

- cold: everything the server sends from that first visit until the service worker is active, that
  is until it has precached the shell (pages, CSS, scripts, the worker, its precache, live updates);
- warm: opening the same page again in the same profile, with the worker and the browser's cache
  holding the files.

A WSGI wrapper counts each response as it leaves the app: the status line and headers plus the body
bytes as sent (compressed when the browser asked for it), so the figures are what crossed the wire
short of TCP and TLS framing. Target: each page under 150 KB cold and under 10 KB warm, compressed.
"""
from __future__ import annotations

import contextlib
import os
import re
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
COLD_TARGET_KB, WARM_TARGET_KB = 150, 10
PAGES = (("driver's run page", "driver@example.com", None),
         ("picker's pick list", "floor@example.com", "/floor/pick-lists"))


class ByteCounter:
    """WSGI middleware: requests, header and body bytes sent, reset between phases."""

    def __init__(self, app):
        self.app, self.lock = app, threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests, self.bytes, self.paths = 0, 0, []

    def __call__(self, environ, start_response):
        head = []

        def counting_start_response(status, headers, exc_info=None):
            head.append(len(f"HTTP/1.1 {status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers) + 2)
            return start_response(status, headers, exc_info)

        body = self.app(environ, counting_start_response)
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()
            with self.lock:
                self.requests += 1
                self.bytes += size + sum(head)
                self.paths.append((environ.get("PATH_INFO", ""), size + sum(head)))


@contextlib.contextmanager
def demo_server(compress: bool):
    """The demo shop on a free port, served by werkzeug in a thread; yields (base URL, counter)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    directory = tempfile.mkdtemp(prefix="waybill_weight_")
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    from backend import create_app
    from backend.demo import load_demo
    from backend.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/waybill.db",
                      "WAYBILL_FAST_PASSWORD_HASH": True, "WAYBILL_COMPRESS": compress})
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


def sign_in(context, email: str) -> str:
    """Sign in with a form post from the profile's cookie jar; the URL the person lands on."""
    form = context.request.get("/sign-in").text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', form)
    response = context.request.post("/sign-in", form={"csrf_token": token.group(1) or token.group(2),
                                                      "email": email, "password": PASSWORD})
    assert response.ok and "/sign-in" not in response.url, f"sign-in as {email} failed"
    return response.url


def page_url(context, landing: str, listing: str | None) -> str:
    """The page to weigh: where a driver lands, or the first pick list a picker has."""
    if listing is None:
        return landing
    found = re.search(r'href="(/floor/pick-lists/\d+)"', context.request.get(listing).text())
    assert found, "the demo shop has no pick list"
    return found.group(1)


def weigh(playwright, base: str, counter: ByteCounter, email: str, listing: str | None) -> dict:
    """{cold: (bytes, requests), warm: (bytes, requests)} of one page in a fresh profile."""
    from tests.e2e.conftest import CHROMIUM_FLAGS, PHONE
    with tempfile.TemporaryDirectory(prefix="waybill_weight_profile_") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, base_url=base, **PHONE)
        try:
            url = page_url(context, sign_in(context, email), listing)
            counter.reset()
            page = context.new_page()
            page.goto(url)
            # Active means installed: the worker's precache is complete.
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_load_state("networkidle")
            cold, cold_paths = (counter.bytes, counter.requests), list(counter.paths)
            counter.reset()
            again = context.new_page()
            again.goto(url)
            again.wait_for_load_state("networkidle")
            warm, warm_paths = (counter.bytes, counter.requests), list(counter.paths)
        finally:
            context.close()
    return {"url": url, "cold": cold, "warm": warm, "paths": {"cold": cold_paths, "warm": warm_paths}}


def measure() -> dict:
    """{(compressed?, page name): figures} for both pages, as shipped and uncompressed."""
    from playwright.sync_api import sync_playwright
    figures = {}
    with sync_playwright() as playwright:
        for compress in (True, False):
            with demo_server(compress) as (base, counter):
                for name, email, listing in PAGES:
                    figures[(compress, name)] = weigh(playwright, base, counter, email, listing)
    return figures


def driver_run_page_weight() -> dict:
    """{cold_kb, cold_requests, warm_kb, warm_requests} of the driver's run page as shipped (bench/sync.py)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright, demo_server(True) as (base, counter):
        figures = weigh(playwright, base, counter, PAGES[0][1], PAGES[0][2])
    return {"cold_kb": figures["cold"][0] / 1024, "cold_requests": figures["cold"][1],
            "warm_kb": figures["warm"][0] / 1024, "warm_requests": figures["warm"][1]}


def report(figures: dict) -> bool:
    """Print the table; True when every page meets its targets compressed."""
    print(f"{'page':<20} {'served':<14} {'cold KB':>8} {'req':>4} {'warm KB':>8} {'req':>4}")
    met = True
    for name, _email, _listing in PAGES:
        for compress in (True, False):
            f = figures[(compress, name)]
            (cold, cold_requests), (warm, warm_requests) = f["cold"], f["warm"]
            print(f"{name:<20} {'compressed' if compress else 'uncompressed':<14} {cold / 1024:>8.1f} "
                  f"{cold_requests:>4} {warm / 1024:>8.1f} {warm_requests:>4}")
        shipped, plain = figures[(True, name)], figures[(False, name)]
        ok = shipped["cold"][0] / 1024 < COLD_TARGET_KB and shipped["warm"][0] / 1024 < WARM_TARGET_KB
        met &= ok
        print(f"{'':<20} {'ratio':<14} {shipped['cold'][0] / plain['cold'][0]:>8.2f} {'':>4} "
              f"{shipped['warm'][0] / plain['warm'][0]:>8.2f}   "
              f"{'PASS' if ok else 'ABOVE TARGET'} (< {COLD_TARGET_KB} KB cold, < {WARM_TARGET_KB} KB warm)")
    return met


if __name__ == "__main__":
    results = measure()
    if "--paths" in sys.argv:
        for (compress, name), f in results.items():
            for phase, paths in f["paths"].items():
                print(f"{name}, {'compressed' if compress else 'uncompressed'}, {phase}: {f['url']}")
                for path, size in paths:
                    print(f"  {size:>7}  {path}")
    report(results)
