"""The order page's decisions over the test client: a cancel or reject only after its confirmation, the
confirmation's words (stock, run, payment, undo), and the undo's refusals: twice, too late (409, never a 500)."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from backend.adapters.records import AuditEvent
from backend.domain import commands
from backend.extensions import db
from tests.e2e.conftest import csrf_token_of, sign_in
from tests.factories import run, run_out_for_delivery


def _page(client, order_id) -> str:
    return client.get(f"/orders/{order_id}").get_data(as_text=True)


def _status(client, order_id) -> str:
    return re.search(r'class="status status-([a-z_]+)"', _page(client, order_id)).group(1)


def _post(client, order_id, path, **data):
    token = csrf_token_of(_page(client, order_id))
    return client.post(f"/orders/{order_id}/{path}", data={"csrf_token": token, **data})


def _cancel_and_version(client, order_id) -> str:
    """Cancel from the page, confirmed; the version the undo form carries."""
    _post(client, order_id, "decision", action="cancel", confirm="yes")
    return re.search(r'name="version" value="(\d+)"', _page(client, order_id)).group(1)


def test_a_cancel_posted_without_its_confirmation_shows_the_confirmation_and_changes_nothing(
        client, world, unchanged_rows):
    order_id = world.place([("MUG", 1)])
    sign_in(client, world.emails["owner"])
    with unchanged_rows():
        response = _post(client, order_id, "decision", action="cancel", reason="phoned")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"WB-{order_id:06d} will be cancelled." in page and 'name="confirm" value="yes"' in page
    assert 'value="phoned"' in page  # the reason typed is kept
    assert _status(client, order_id) == "placed"


def test_the_confirmation_is_a_fragment_for_htmx_and_a_page_without(client, world):
    order_id = world.place([("MUG", 1)])
    sign_in(client, world.emails["owner"])
    fragment = client.get(f"/orders/{order_id}/confirm?action=reject", headers={"HX-Request": "true"})
    page = client.get(f"/orders/{order_id}/confirm?action=reject")
    assert "<html" not in fragment.get_data(as_text=True) and 'id="confirm-h"' in fragment.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True) and "autofocus" in page.get_data(as_text=True)


def test_an_order_in_the_van_names_the_drivers_run_and_says_it_cannot_be_undone(client, world):
    _run_id, _stops, orders = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"],
                                                   stops=1)
    sign_in(client, world.emails["owner"])
    page = client.get(f"/orders/{orders[0]}/confirm?action=cancel").get_data(as_text=True)
    assert "Its parcel has already left the warehouse: no stock comes back by this." in page
    assert re.search(r"It is stop 1 on [^<]+&#39;s run today: the stop stays on the run", page)
    assert "The parcel has already left the warehouse, so this cannot be undone." in page


def test_a_decision_the_user_may_not_take_is_not_offered_for_confirmation(client, world):
    order_id = world.place([("MUG", 1)])
    run(world.shop.app, commands.AcceptOrder(order_id), world.actor("owner"))
    sign_in(client, world.emails["customer"])
    response = client.get(f"/orders/{order_id}/confirm?action=cancel")
    assert response.status_code == 302
    assert "can no longer be cancelled" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_second_undo_is_refused_with_409_and_changes_nothing(client, world):
    order_id = world.place([("MUG", 1)])
    sign_in(client, world.emails["owner"])
    version = _cancel_and_version(client, order_id)
    assert _post(client, order_id, "undo", version=version).status_code == 302
    assert _status(client, order_id) == "placed"
    again = _post(client, order_id, "undo", version=version)
    assert again.status_code == 409
    assert "has changed since: there is nothing to undo" in again.get_data(as_text=True)
    assert _status(client, order_id) == "placed"


def test_an_expired_undo_is_refused_with_409_and_the_order_stays_cancelled(client, world, app):
    order_id = world.place([("MUG", 1)])
    sign_in(client, world.emails["owner"])
    version = _cancel_and_version(client, order_id)
    with app.app_context():  # 31 seconds go by
        row = db.session.execute(sa.select(AuditEvent).where(AuditEvent.order_id == order_id)
                                 .order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        row.created_at = row.created_at - timedelta(seconds=31)
        db.session.commit()
    assert "Undo: bring" not in _page(client, order_id)  # no longer offered
    response = _post(client, order_id, "undo", version=version)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Too late to undo" in page and 'role="alert"' in page
    assert _status(client, order_id) == "cancelled"


def test_an_undo_without_a_version_is_a_page_with_a_message_not_a_crash(client, world):
    order_id = world.place([("MUG", 1)])
    sign_in(client, world.emails["owner"])
    response = _post(client, order_id, "undo", version="not-a-number")
    assert response.status_code == 422 and "Nothing to undo" in response.get_data(as_text=True)


def test_a_customer_cancelling_their_order_reads_about_their_order_not_the_warehouse_and_may_undo(client, world):
    order_id = world.place([("MUG", 1)], who="customer", method="cash_on_delivery")
    number = f"WB-{order_id:06d}"
    sign_in(client, world.emails["customer"])
    confirmation = client.get(f"/orders/{order_id}/confirm?action=cancel").get_data(as_text=True)
    assert f"{number} will be cancelled." in confirmation and "Nothing will be taken for it." in confirmation
    assert "warehouse" not in confirmation and "shelf" not in confirmation and "reserved" not in confirmation
    _post(client, order_id, "decision", action="cancel", confirm="yes")
    page = _page(client, order_id)
    assert f"{number} cancelled." in page and "in stock" not in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    _post(client, order_id, "undo", version=version)
    assert f"Undone: {number} goes ahead as before." in _page(client, order_id)
    assert _status(client, order_id) == "placed"


def test_a_confirmation_for_an_order_that_moved_on_is_asked_again_and_changes_nothing(client, world, app):
    order_id = world.place([("MUG", 1)])
    sign_in(client, world.emails["owner"])
    confirmation = client.get(f"/orders/{order_id}/confirm?action=cancel").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', confirmation).group(1)
    run(app, commands.AcceptOrder(order_id), world.actor("manager"))  # meanwhile, on another phone
    response = client.post(f"/orders/{order_id}/decision", data={
        "csrf_token": csrf_token_of(confirmation), "action": "cancel", "confirm": "yes", "version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "changed since you were asked" in page
    assert _status(client, order_id) == "allocated"
