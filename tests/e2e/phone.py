"""Browser helpers shared by the phone tests: waiting on the page, the service worker, the sync chip,
and the floor's stock-count form with the server-side numbers it should change."""
from __future__ import annotations

import time

import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import stock_levels
from backend.adapters.records import SyncCommand
from backend.extensions import db

WORKER_READY = """() => Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise((_, reject) =>
  setTimeout(() => reject(new Error('the service worker did not activate within 10 s')), 10000))])"""


def wait_until(page, expression: str, timeout: float = 10_000) -> None:
    """Wait until `expression` (JavaScript, or an async arrow function) is truthy in the page.

    Playwright's own wait_for_function polls by compiling the predicate inside the page, which the
    Content-Security-Policy (no 'unsafe-eval') refuses; evaluating from here is not subject to it.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout / 1000:g} s: {expression}")
        page.wait_for_timeout(50)


def controlled_by_the_worker(page) -> None:
    """Wait until the worker is active, then reload so this page is fetched (and kept) through it."""
    # evaluate() has no timeout of its own: a worker that never activates must fail the test, not hang it.
    page.evaluate(WORKER_READY)
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")


def chip(page):
    """The sync status chip in the page header."""
    return page.locator("#sync-status")


def stock_row(page, sku: str):
    """One product's row on /floor/stock."""
    return page.locator(f'[data-stock-row][data-sku="{sku}"]')


def record(page, sku: str, change: str, reason: str = "count", note: str = "") -> None:
    """Fill and send one product's count form, and wait until the phone says it is saved."""
    row = stock_row(page, sku)
    details = row.locator("details.other-change")
    if details.get_attribute("open") is None:
        row.get_by_text("Other change (received, damaged, found)").tap()
    row.get_by_label("Change").fill(change)
    row.get_by_label("Reason").select_option(reason)
    if note:
        row.get_by_label("Note (optional)").fill(note)
    row.get_by_role("button", name=f"Record {sku}").tap()
    shown = change if change.startswith("-") else f"+{change}"
    expect(row.locator("[data-row-status]")).to_have_text(f"Saved on this phone: {shown}.")


def on_hand(live_server, sku: str, warehouse: str = "LON") -> int:
    """The server's on-hand stock of `sku` in `warehouse`."""
    shop = live_server.world.shop
    with live_server.app.app_context():
        return db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.warehouse_id == shop.warehouses[warehouse],
            stock_levels.c.product_id == shop.products[sku])).scalar_one()


def sync_commands(live_server, with_type: bool = False) -> list[tuple]:
    """(status, payload) of every command the server replayed, in the order it stored them; with `with_type`,
    (status, (type, version), payload)."""
    with live_server.app.app_context():
        stored = db.session.execute(sa.select(SyncCommand).order_by(SyncCommand.id)).scalars()
        if with_type:
            return [(c.status, (c.type, c.version), c.payload) for c in stored]
        return [(c.status, c.payload) for c in stored]
