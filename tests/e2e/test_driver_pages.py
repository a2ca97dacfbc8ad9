"""The driver's pages without JavaScript: the run, a stop's confirm and failed-attempt forms, the cash."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from backend.adapters.records import OfficeException
from backend.domain.delivery import Blob, DeliveryAttempt, DeliveryProof
from backend.domain.dispatch import RunStop
from backend.extensions import db
from tests.e2e.conftest import csrf_token_of, sign_in
from tests.factories import TINY_JPEG, run_out_for_delivery, stored, stored_all


@pytest.fixture
def blob_dir(app):
    """The folder this test's app keeps its photos in (its own, set when the app was made)."""
    return Path(app.config["BLOB_DIR"])


@pytest.fixture
def cod_run(world):
    """A started run of two cash-on-delivery stops for the world's driver: (run id, stop ids, order ids)."""
    return run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"], stops=2,
                                method="cash_on_delivery")


def stop_status(app, stop_id):
    with app.app_context():
        return stored(RunStop, stop_id).status


def test_the_run_page_lists_the_stops_with_address_map_phone_cash_and_eta(client, world, cod_run):
    _, stops, _ = cod_run
    sign_in(client, world.emails["driver"])
    html = client.get("/driver").get_data(as_text=True)
    assert html.count("data-stop-card") == 2
    assert "12 Elm Street, LS1 4AP Leeds" in html
    assert "https://www.google.com/maps/search/?api=1&amp;query=53.8%2C-1.55" in html
    assert re.search(r"Collect £\d+\.\d\d</strong> cash", html)
    assert "ETA <time" in html
    assert f'href="/driver/stops/{stops[0]}"' in html
    assert "Take today&#39;s run offline" in html or "Take today's run offline" in html


def test_a_drop_off_confirmed_without_javascript_stores_the_photo_and_delivers(app, client, world, cod_run, blob_dir):
    _, stops, orders = cod_run
    sign_in(client, world.emails["driver"])
    page = client.get(f"/driver/stops/{stops[0]}").get_data(as_text=True)
    response = client.post(f"/driver/stops/{stops[0]}/confirm", data={
        "csrf_token": csrf_token_of(page), "recipient_name": "Sam Doe", "cod_collected": "12.50",
        "photos": (io.BytesIO(TINY_JPEG), "door.jpg", "image/jpeg")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert stop_status(app, stops[0]) == "delivered"
    with app.app_context():
        proof = stored_all(DeliveryProof)[0]
        assert (proof.recipient_name, proof.status, proof.cod_collected_minor) == ("Sam Doe", "complete", 1250)
        assert stored(Blob, proof.photo_blob_ids[0]).size == len(TINY_JPEG)


def test_a_file_that_is_not_a_photo_is_explained_at_the_field(app, client, world, cod_run, blob_dir):
    _, stops, _ = cod_run
    sign_in(client, world.emails["driver"])
    page = client.get(f"/driver/stops/{stops[0]}").get_data(as_text=True)
    response = client.post(f"/driver/stops/{stops[0]}/confirm", data={
        "csrf_token": csrf_token_of(page), "recipient_name": "Sam Doe",
        "photos": (io.BytesIO(b"%PDF-1.4 not a photo"), "scan.pdf", "image/jpeg")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "scan.pdf is not a JPEG, PNG or WebP photo." in response.get_data(as_text=True)
    assert stop_status(app, stops[0]) == "pending"


def test_a_failed_attempt_is_recorded_from_the_form(app, client, world, cod_run, blob_dir):
    _, stops, _ = cod_run
    sign_in(client, world.emails["driver"])
    page = client.get(f"/driver/stops/{stops[1]}").get_data(as_text=True)
    response = client.post(f"/driver/stops/{stops[1]}/fail", data={
        "csrf_token": csrf_token_of(page), "reason": "no_one_home", "note": "card left"})
    assert response.status_code == 302
    assert stop_status(app, stops[1]) == "failed"
    with app.app_context():
        assert [(a.reason, a.note) for a in stored_all(DeliveryAttempt)] == \
            [("no_one_home", "card left")]


def test_the_forms_hold_the_same_limits_as_the_offline_commands_in_their_own_words(app, client, world, cod_run,
                                                                                  blob_dir):
    _, stops, _ = cod_run
    sign_in(client, world.emails["driver"])
    token = csrf_token_of(client.get(f"/driver/stops/{stops[0]}").get_data(as_text=True))
    nameless = client.post(f"/driver/stops/{stops[0]}/confirm", data={"csrf_token": token, "cod_collected": "ten"})
    assert nameless.status_code == 422
    shown = nameless.get_data(as_text=True)
    assert "Enter the name of the person who took the parcel." in shown and "Enter an amount like 12.50." in shown
    unknown = client.post(f"/driver/stops/{stops[0]}/fail", data={"csrf_token": token, "reason": "lost"})
    assert unknown.status_code == 422 and "Choose a reason." in unknown.get_data(as_text=True)
    # Text a sync command may not carry (NUL) is refused at the form too, before anything is recorded.
    nul = client.post(f"/driver/stops/{stops[0]}/fail", data={"csrf_token": token, "reason": "refused",
                                                              "note": "card\x00left"})
    assert nul.status_code == 422 and "Must not contain NUL characters." in nul.get_data(as_text=True)
    assert stop_status(app, stops[0]) == "pending"


def test_the_cash_is_handed_in_once_every_stop_is_done(app, client, world, cod_run, blob_dir):
    run_id, stops, _ = cod_run
    sign_in(client, world.emails["driver"])
    token = csrf_token_of(client.get(f"/driver/stops/{stops[0]}").get_data(as_text=True))
    client.post(f"/driver/stops/{stops[0]}/confirm", data={
        "csrf_token": token, "recipient_name": "Sam", "cod_collected": "10",
        "photos": (io.BytesIO(TINY_JPEG), "door.jpg", "image/jpeg")}, content_type="multipart/form-data")
    early = client.post(f"/driver/runs/{run_id}/settle", data={"csrf_token": token, "counted": "10"})
    assert early.status_code == 409
    assert "Some stops are still open" in early.get_data(as_text=True)
    client.post(f"/driver/stops/{stops[1]}/fail", data={"csrf_token": token, "reason": "refused"})
    page = client.get(f"/driver/runs/{run_id}/settle").get_data(as_text=True)
    assert "£10.00" in page
    done = client.post(f"/driver/runs/{run_id}/settle", data={"csrf_token": token, "counted": "10.00"})
    assert done.status_code == 302
    assert "exactly right" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_a_run_with_every_stop_done_offers_no_offline_copy_or_reordering_only_the_cash(app, client, world, cod_run,
                                                                                      blob_dir):
    run_id, stops, _ = cod_run
    sign_in(client, world.emails["driver"])
    before = client.get("/driver").get_data(as_text=True)
    assert "Take today's run offline" in before and "Reorder stops" in before
    token = csrf_token_of(client.get(f"/driver/stops/{stops[0]}").get_data(as_text=True))
    for stop in stops:
        client.post(f"/driver/stops/{stop}/fail", data={"csrf_token": token, "reason": "no_one_home"})
    after = client.get("/driver").get_data(as_text=True)
    assert "Take today's run offline" not in after and "Reorder stops" not in after
    assert "Every stop of this run is done. Hand in the cash to finish the day." in after


def test_another_drivers_stop_is_not_found(app, client, world, blob_dir):
    other = world.shop.user("driver")[0]
    _, stops, _ = run_out_for_delivery(world.shop, world.actor("manager"), other, stops=1)
    sign_in(client, world.emails["driver"])
    assert client.get(f"/driver/stops/{stops[0]}").status_code == 404
    token = csrf_token_of(client.get("/driver").get_data(as_text=True))
    assert client.post(f"/driver/stops/{stops[0]}/fail", data={"csrf_token": token,
                                                               "reason": "refused"}).status_code == 404
    assert stop_status(app, stops[0]) == "pending"


def test_floor_staff_cannot_open_the_driver_pages(client, world, cod_run):
    sign_in(client, world.emails["floor"])
    assert client.get(f"/driver/stops/{cod_run[1][0]}").status_code == 403


def confirm_with_photo(client, stop_id, token, name="Sam Doe", cash="12.50"):
    """Post the confirm form of a stop as a phone without JavaScript would, one photo attached."""
    return client.post(f"/driver/stops/{stop_id}/confirm", data={
        "csrf_token": token, "recipient_name": name, "cod_collected": cash,
        "photos": (io.BytesIO(TINY_JPEG), "door.jpg", "image/jpeg")}, content_type="multipart/form-data")


def recorded_rows(app):
    """Everything a confirmation or failed attempt could add: proofs, attempts, office exceptions."""
    with app.app_context():
        exceptions = db.session.query(OfficeException).count()
        return (len(stored_all(DeliveryProof)), len(stored_all(DeliveryAttempt)), exceptions,
                [(s.status, s.version) for s in stored_all(RunStop)])


def test_a_delivered_stop_shows_what_was_recorded_and_no_forms(app, client, world, cod_run, blob_dir):
    _, stops, _ = cod_run
    sign_in(client, world.emails["driver"])
    token = csrf_token_of(client.get(f"/driver/stops/{stops[0]}").get_data(as_text=True))
    assert confirm_with_photo(client, stops[0], token, cash="12.50").status_code == 302
    page = client.get(f"/driver/stops/{stops[0]}").get_data(as_text=True)
    assert "Confirm the drop-off" not in page and "Could not deliver" not in page
    assert "/confirm" not in page and "/fail" not in page and "in cash." not in page
    assert '<strong data-recorded-name>Sam Doe</strong>' in page
    assert "<strong data-recorded-cash>£12.50</strong>" in page
    assert re.search(r'<span class="status status-delivered" data-stop-status>Delivered</span>', page)
    photo = re.search(r'<img\s+src="(/api/v1/sync/blobs/[0-9a-f-]+)"', page).group(1)
    assert client.get(photo).data == TINY_JPEG  # the thumbnail is the photo the driver took
    run = client.get("/driver").get_data(as_text=True)
    assert "Cash collected: £12.50" in run and "Collect £" in run  # the other stop is still open
    assert run.count("data-stop-status>Delivered<") == 1


def test_a_failed_stop_shows_the_reason_and_no_forms(app, client, world, cod_run, blob_dir):
    _, stops, _ = cod_run
    sign_in(client, world.emails["driver"])
    token = csrf_token_of(client.get(f"/driver/stops/{stops[1]}").get_data(as_text=True))
    client.post(f"/driver/stops/{stops[1]}/fail", data={"csrf_token": token, "reason": "no_access",
                                                        "note": "gate locked"})
    page = client.get(f"/driver/stops/{stops[1]}").get_data(as_text=True)
    assert "Confirm the drop-off" not in page and "/confirm" not in page and "in cash." not in page
    assert "<strong data-recorded-reason>No access (gate, building, dog)</strong>" in page and "gate locked" in page
    assert "What happens next" in page and "Attempt 1 of 3. Keep the parcel in the van" in page
    assert "data-stop-status>Not delivered<" in page


def test_confirming_a_done_stop_again_is_refused_and_changes_nothing(app, client, world, cod_run, blob_dir):
    _, stops, _ = cod_run
    sign_in(client, world.emails["driver"])
    token = csrf_token_of(client.get(f"/driver/stops/{stops[0]}").get_data(as_text=True))
    assert confirm_with_photo(client, stops[0], token).status_code == 302
    client.post(f"/driver/stops/{stops[1]}/fail", data={"csrf_token": token, "reason": "refused"})
    before = recorded_rows(app)
    files_before = sorted(p.name for p in blob_dir.rglob("*") if p.is_file())
    again = confirm_with_photo(client, stops[0], token, name="Someone Else", cash="99")
    assert again.status_code == 409
    shown = again.get_data(as_text=True)
    assert "This stop is already recorded as delivered: nothing was changed." in shown
    assert "Sam Doe" in shown and "Someone Else" not in shown and "Confirm the drop-off" not in shown
    after_fail = confirm_with_photo(client, stops[1], token)
    assert after_fail.status_code == 409
    assert "already recorded as not delivered: nothing was changed" in after_fail.get_data(as_text=True)
    failed_again = client.post(f"/driver/stops/{stops[0]}/fail", data={"csrf_token": token, "reason": "refused"})
    assert failed_again.status_code == 409
    assert recorded_rows(app) == before
    assert sorted(p.name for p in blob_dir.rglob("*") if p.is_file()) == files_before  # no photo kept either
