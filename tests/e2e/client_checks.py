"""Checks and bodies for the API and the pages through Flask's test client: an order body, an RFC 9457
problem, the rows a failed request must not write (fixtures registered by tests/e2e/conftest.py), and
signing in with the page's CSRF token."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from backend.extensions import db
from tests.factories import LEEDS, PASSWORD

# Tables a request that fails must leave untouched.
WRITE_TABLES = ("orders", "order_line", "stock_movement", "outbox_event", "audit_event", "idempotency_key")


@pytest.fixture
def rows(app):
    """rows() -> {table: count} of the tables a failed request must not write to."""
    def count() -> dict:
        with app.app_context():
            return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in WRITE_TABLES}
    return count


@pytest.fixture
def unchanged_rows(rows):
    """A context manager asserting that nothing inside it added or removed a row."""
    @contextmanager
    def check():
        before = rows()
        yield
        assert rows() == before
    return check


def order_body(lines=(("MUG", 2),), address=LEEDS, **fields) -> dict:
    """A valid POST /api/v1/orders body; `fields` add to or replace its top-level fields."""
    return {"lines": [{"sku": sku, "quantity": qty} for sku, qty in lines], "shipping_address": dict(address),
            "payment_method": "card", **fields}


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] and body["title"]
    return body


# -- pages -----------------------------------------------------------------------------------------
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """Sign in through the sign-in page, as a browser would (CSRF token included); returns the response.

    `next_url` goes into the query string as written, so it may carry %-escapes an attacker would use.
    """
    url = "/sign-in" + (f"?next={next_url}" if next_url is not None else "")
    token = csrf_token_of(client.get(url).get_data(as_text=True))
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})

