"""Real Chromium on a 360 px phone: a customer stops order e-mails from the link in one, and turns them back on
from their account page (no page breaks the Content-Security-Policy; the browser fixtures fail on a violation)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import customers
from backend.extensions import db
from tests.e2e.conftest import UNLABELLED_CONTROLS
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _fits_360(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    assert page.evaluate(UNLABELLED_CONTROLS) == []


def test_a_customer_stops_emails_from_the_link_and_turns_them_back_on_from_their_account(phone, live_server):
    app = live_server.app
    with app.app_context():
        token = db.session.execute(sa.select(customers.c.mail_token)
                                   .where(customers.c.email == "casey@example.com")).scalar_one()
        db.session.remove()
    phone.goto(f"/mail/unsubscribe/{token}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("E-mails about your orders")
    _fits_360(phone)
    phone.get_by_role("button", name="Stop e-mails about my orders").tap()
    expect(phone.get_by_role("status")).to_contain_text("will not e-mail you about your orders")

    phone.goto("/sign-in")
    phone.get_by_label("E-mail").fill(live_server.world.emails["customer"])
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).tap()
    expect(phone).not_to_have_url(re.compile(r"/sign-in"))
    phone.goto("/account")
    expect(phone.locator("[data-order-emails]")).to_have_attribute("data-order-emails", "off")
    _fits_360(phone)
    phone.get_by_role("button", name="Turn order e-mails on").tap()
    expect(phone.locator("[data-order-emails]")).to_have_attribute("data-order-emails", "on")
