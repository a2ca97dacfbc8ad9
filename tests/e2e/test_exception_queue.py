"""The office's exception queue over the API and on its page: listed, resolved once, with a note, by the office."""
from __future__ import annotations

import pytest

from backend.bootstrap import bus
from tests.e2e.conftest import browser_sign_in, csrf_token_of, sign_in, wait_until


@pytest.fixture
def exception_id(app, world):
    """An open exception about one of casey's orders, as a late delivery fact opens it."""
    order_id = world.place([("MUG", 1)])
    with app.app_context(), bus().uow_factory() as uow:
        uow.actor_id = world.user_ids["driver"]
        uow.open_exception("delivery.after_cancel", "The parcel was handed over after the order was cancelled.",
                           order_id=order_id, data={"stop_id": 1})
        uow.commit()
    listed = app.test_client().get("/api/v1/exceptions", headers=world.headers("manager")).get_json()
    return listed[0]["id"]


def test_the_office_lists_open_exceptions_with_who_raised_them(client, world, exception_id):
    response = client.get("/api/v1/exceptions", headers=world.headers("owner"))
    assert response.status_code == 200
    [item] = response.get_json()
    assert (item["id"], item["code"], item["status"]) == (exception_id, "delivery.after_cancel", "open")
    assert item["raised_by"] and item["order_number"].startswith("WB-")


@pytest.mark.parametrize("who", ["floor", "driver", "customer"])
def test_only_the_office_sees_or_resolves_the_queue(client, world, exception_id, who):
    assert client.get("/api/v1/exceptions", headers=world.headers(who)).status_code == 403
    response = client.post(f"/api/v1/exceptions/{exception_id}/resolve", json={"note": "mine"},
                           headers=world.headers(who))
    assert response.status_code == 403
    assert client.get("/api/v1/exceptions", headers=world.headers("manager")).get_json()[0]["status"] == "open"


def test_resolving_needs_a_note_and_happens_once(client, world, exception_id):
    url = f"/api/v1/exceptions/{exception_id}/resolve"
    empty = client.post(url, json={"note": ""}, headers=world.headers("manager"))
    assert empty.status_code == 422 and empty.mimetype == "application/problem+json"
    assert "note" in empty.get_json()["errors"]
    done = client.post(url, json={"note": "Collected the parcel back."}, headers=world.headers("manager"))
    assert done.status_code == 200
    assert (done.get_json()["status"], done.get_json()["resolution_note"]) == ("resolved", "Collected the parcel back.")
    again = client.post(url, json={"note": "Me too."}, headers=world.headers("owner"))
    assert again.status_code == 409 and again.get_json()["code"] == "exception.already_resolved"
    assert client.get("/api/v1/exceptions", headers=world.headers("manager")).get_json() == []
    resolved = client.get("/api/v1/exceptions?status=resolved", headers=world.headers("manager")).get_json()
    assert [e["id"] for e in resolved] == [exception_id]


def test_a_manager_resolves_from_the_page_and_a_missing_note_is_shown_at_the_field(client, world, exception_id):
    sign_in(client, world.emails["manager"])
    page = client.get("/office/exceptions/").get_data(as_text=True)
    assert "handed over after the order was cancelled" in page and 'data-exception' in page
    token = csrf_token_of(page)
    missing = client.post(f"/office/exceptions/{exception_id}/resolve", data={"csrf_token": token, "note": " "})
    assert missing.status_code == 422
    assert 'aria-invalid="true"' in missing.get_data(as_text=True)
    done = client.post(f"/office/exceptions/{exception_id}/resolve",
                       data={"csrf_token": token, "note": "Called the customer."}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Nothing waiting" in text and "Called the customer." in text


def test_the_page_is_for_the_office_only(client, world, exception_id):
    sign_in(client, world.emails["floor"])
    assert client.get("/office/exceptions/").status_code == 403


@pytest.mark.browser
def test_a_new_exception_raises_a_refresh_notice_on_the_open_queue_page(phone, live_server):
    from playwright.sync_api import expect

    from backend.adapters.realtime import SocketIOPublisher
    from backend.bootstrap import start_relay_thread
    stop = start_relay_thread(live_server.app, SocketIOPublisher.for_app(live_server.app))
    try:
        browser_sign_in(phone, live_server.world.emails["manager"], lands_on="/orders/")
        phone.goto("/office/exceptions/")
        wait_until(phone, "document.documentElement.dataset.live === 'on'")
        notice = phone.locator("[data-live-notice]")
        expect(notice).to_be_hidden()
        with live_server.app.app_context(), bus().uow_factory() as uow:
            uow.open_exception("pick.allocation_shrank", "2 picked but only 1 still needed: put 1 back.")
            uow.commit()
        expect(notice).to_be_visible(timeout=5000)
        notice.get_by_role("link", name="Refresh").tap()
        expect(phone.locator("[data-exception]")).to_have_count(1)
    finally:
        stop.set()
