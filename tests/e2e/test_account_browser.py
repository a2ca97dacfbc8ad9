"""Real Chromium on a 360 px phone: the account page, changing a password, signing out everywhere, staff passwords."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import UNLABELLED_CONTROLS, tap_menu
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
NEW = "a-brand-new-passphrase"


def _sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).tap()
    expect(page).not_to_have_url(re.compile(r"/sign-in"))


def _fits_360(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    assert page.evaluate(UNLABELLED_CONTROLS) == []


def test_a_driver_changes_their_password_from_the_account_page(phone, live_server):
    _sign_in(phone, live_server.world.emails["driver"])
    tap_menu(phone, "Account")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your account")
    _fits_360(phone)
    phone.get_by_role("link", name="Change password").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Change password")
    _fits_360(phone)
    phone.get_by_label("Current password").fill(PASSWORD)
    phone.get_by_label("New password", exact=True).fill(NEW)
    phone.get_by_label("New password again").fill(NEW)
    phone.get_by_role("button", name="Change password").tap()
    expect(phone.get_by_role("status")).to_contain_text("Your password is changed")
    expect(phone.get_by_text("This device")).to_be_visible()


def test_sign_out_everywhere_on_a_phone_lands_on_sign_in_with_a_message(phone, live_server):
    _sign_in(phone, live_server.world.emails["owner"])
    phone.goto("/account")
    phone.get_by_role("button", name="Sign out everywhere").tap()
    expect(phone).to_have_url(re.compile(r"/sign-in$"))
    expect(phone.get_by_role("status")).to_contain_text("signed out everywhere")


def test_the_owner_sets_a_staff_members_password_on_a_phone(phone, live_server):
    world = live_server.world
    _sign_in(phone, world.emails["owner"])
    phone.goto("/staff")
    _fits_360(phone)
    phone.locator(f'a[href="/staff/{world.user_ids["floor"]}/password"]').tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("New password for")
    _fits_360(phone)
    phone.get_by_label("New password", exact=True).fill("short")
    phone.get_by_label("New password again").fill("short")
    phone.get_by_role("button", name="Set new password").tap()
    expect(phone.locator("#new_password-error")).to_have_text("Use at least 10 characters.")
    phone.get_by_label("New password", exact=True).fill(NEW)
    phone.get_by_label("New password again").fill(NEW)
    phone.get_by_role("button", name="Set new password").tap()
    expect(phone.get_by_role("status")).to_contain_text(f"New password set for {world.emails['floor']}")
