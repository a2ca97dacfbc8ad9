"""The driver's handlers through the bus on SQLite: hand-overs, failed attempts, photos and cash."""
import pytest
import sqlalchemy as sa

from backend.adapters.records import OfficeException
from backend.domain import commands
from backend.domain.delivery import (BlobConflict, CashSettlement, DeliveryAttempt, DeliveryProof,
                                     InvalidProof, SettlementError)
from backend.domain.dispatch import DeliveryRun, RunStop
from backend.domain.errors import Forbidden
from backend.extensions import db
from tests.factories import blob_ref, refused, run, run_out_for_delivery, standard_shop, stored, stored_all, table_of


@pytest.fixture
def shop(app):
    return standard_shop(app)


@pytest.fixture
def people(shop):
    """(office actor, driver actor, other driver actor)."""
    _, manager = shop.user("manager")
    _, driver = shop.user("driver")
    _, other = shop.user("driver")
    return shop.actor(manager), shop.actor(driver), shop.actor(other)


def refs(*roles):
    return tuple(commands.BlobRef(r["id"], r["sha256"], r["size"], r["type"], r["role"])
                 for r in (blob_ref(role=role) for role in roles))


def confirm(stop_id, blob_refs=None, name="Sam Doe", cod=0):
    return commands.ConfirmDelivery(stop_id, name, blob_refs if blob_refs is not None else refs("photo", "signature"),
                                    cod_collected_minor=cod, latitude=53.8, longitude=-1.55)


def upload(ref: commands.BlobRef):
    return commands.RecordBlobUpload(ref.id, ref.sha256, ref.size, ref.content_type, ref.sha256)


def state(app, stop_id):
    """(stop status, order status, [(proof status, extra evidence)], [attempt history flags], exceptions)."""
    with app.app_context():
        stop = stored(RunStop, stop_id)
        order_status = db.session.execute(sa.text("SELECT status FROM orders WHERE id = :id"),
                                          {"id": stop.order_id}).scalar_one()
        proofs = [(p.status, p.extra_evidence)
                  for p in stored_all(DeliveryProof, table_of(DeliveryProof).c.stop_id == stop_id)]
        attempts = [a.history_only for a in stored_all(DeliveryAttempt, table_of(DeliveryAttempt).c.stop_id == stop_id)]
        exceptions = [e.code for e in db.session.execute(
            sa.select(OfficeException).where(OfficeException.order_id == stop.order_id)).scalars()]
        return stop.status, order_status, proofs, attempts, exceptions


def test_a_confirmed_drop_off_delivers_the_order_and_its_proof_waits_for_the_photos(app, shop, people):
    office, driver, _ = people
    _, stops, _ = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    photo, signature = refs("photo", "signature")
    run(app, confirm(stops[0], (photo, signature)), driver)
    assert state(app, stops[0]) == ("delivered", "delivered", [("pending_upload", False)], [], [])

    run(app, upload(photo), driver)
    assert state(app, stops[0])[2] == [("pending_upload", False)]
    run(app, upload(signature), driver)
    assert state(app, stops[0])[2] == [("complete", False)]


def test_a_proof_whose_photos_arrived_first_is_complete_at_once(app, shop, people):
    office, driver, _ = people
    _, stops, _ = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    (photo,) = refs("photo")
    run(app, upload(photo), driver)
    run(app, confirm(stops[0], (photo,)), driver)
    assert state(app, stops[0])[2] == [("complete", False)]


def test_a_drop_off_after_the_office_cancelled_is_recorded_and_opens_an_exception(app, shop, people):
    office, driver, _ = people
    _, stops, orders = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    run(app, commands.CancelOrder(orders[0], "customer called"), office)
    run(app, confirm(stops[0]), driver)
    assert state(app, stops[0]) == ("delivered", "cancelled", [("pending_upload", False)], [],
                                    ["delivery.after_cancel"])


def test_a_second_confirmation_from_another_phone_is_extra_evidence_and_flagged(app, shop, people):
    office, driver, _ = people
    _, stops, _ = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    run(app, confirm(stops[0], name="Sam"), driver)
    run(app, confirm(stops[0], name="Samantha"), driver)
    assert state(app, stops[0]) == ("delivered", "delivered", [("pending_upload", False), ("pending_upload", True)],
                                    [], ["delivery.already_confirmed"])


def test_a_driver_cannot_confirm_a_stop_on_another_drivers_run(app, shop, people):
    office, driver, other = people
    _, stops, _ = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    error = refused(app, confirm(stops[0]), other, Forbidden)
    assert error.code == "delivery.not_your_stop"
    assert state(app, stops[0]) == ("pending", "out_for_delivery", [], [], [])


def test_a_confirmation_needs_a_photo_or_a_signature(app, shop, people):
    office, driver, _ = people
    _, stops, _ = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    refused(app, confirm(stops[0], ()), driver, InvalidProof)
    assert state(app, stops[0])[0] == "pending"


def test_a_failed_attempt_fails_the_stop_and_the_order_waits_for_the_office(app, shop, people):
    office, driver, _ = people
    _, stops, _ = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    (photo,) = refs("photo")
    run(app, commands.RecordFailedAttempt(stops[0], "no_one_home", photo=photo), driver)
    assert state(app, stops[0]) == ("failed", "delivery_failed", [], [False], [])


def test_a_failed_attempt_after_the_delivery_is_kept_as_history_only(app, shop, people):
    office, driver, _ = people
    _, stops, _ = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    run(app, confirm(stops[0]), driver)
    run(app, commands.RecordFailedAttempt(stops[0], "refused"), driver)
    assert state(app, stops[0])[:2] == ("delivered", "delivered")
    assert state(app, stops[0])[3] == [True]


def test_the_run_cash_is_settled_against_what_the_stops_recorded_and_the_run_is_done(app, shop, people):
    office, driver, _ = people
    run_id, stops, _ = run_out_for_delivery(shop, office, driver.user_id, stops=2, method="cash_on_delivery")
    with app.app_context():
        due = [stored(RunStop, s).cod_due_minor for s in stops]
    assert all(due)
    run(app, confirm(stops[0], cod=due[0]), driver)
    error = refused(app, commands.SettleRunCash(run_id, due[0]), driver, SettlementError)
    assert error.code == "settlement.stops_pending"
    run(app, commands.RecordFailedAttempt(stops[1], "no_one_home"), driver)
    refused(app, commands.SettleRunCash(run_id, due[0] - 500), driver, SettlementError)  # short, and no note
    settlement = run(app, commands.SettleRunCash(run_id, due[0] - 500, "five pounds short"), driver)
    assert (settlement.expected_minor, settlement.difference_minor) == (due[0], -500)
    with app.app_context():
        assert stored(DeliveryRun, run_id).status == "done"
        assert len(stored_all(CashSettlement)) == 1


def test_another_driver_cannot_settle_a_run(app, shop, people):
    office, driver, other = people
    run_id, stops, _ = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    run(app, confirm(stops[0]), driver)
    refused(app, commands.SettleRunCash(run_id, 0), other)


def test_an_image_uploaded_twice_with_the_same_bytes_is_stored_once(app, shop, people):
    _, driver, _ = people
    (photo,) = refs("photo")
    _, created = run(app, upload(photo), driver)
    _, again = run(app, upload(photo), driver)
    assert (created, again) == (True, False)


def test_an_image_id_reused_for_other_bytes_is_a_conflict(app, shop, people):
    _, driver, _ = people
    (photo,) = refs("photo")
    run(app, upload(photo), driver)
    other = commands.RecordBlobUpload(photo.id, "0" * 64, 10, "image/jpeg", "0" * 64)
    refused(app, other, driver, BlobConflict)


def test_an_image_id_of_another_driver_cannot_be_overwritten(app, shop, people):
    _, driver, other = people
    (photo,) = refs("photo")
    run(app, upload(photo), driver)
    refused(app, upload(photo), other, Forbidden)
