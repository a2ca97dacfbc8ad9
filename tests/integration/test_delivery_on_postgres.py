"""The driver's handlers on PostgreSQL: the service tests again, and two phones confirming one stop at once."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from backend.adapters.records import OfficeException
from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.delivery import DeliveryProof
from backend.extensions import db
from tests.factories import blob_ref, run_out_for_delivery, standard_shop, stored_all


def test_two_phones_confirming_one_stop_at_once_give_one_delivery_and_one_flagged_extra_proof(pg_app):
    shop = standard_shop(pg_app)
    _, manager = shop.user("manager")
    _, driver = shop.user("driver")
    office, actor = shop.actor(manager), shop.actor(driver)
    _, stops, orders = run_out_for_delivery(shop, office, actor.user_id, stops=1)
    start, errors = threading.Barrier(2), []

    def confirm(name):
        ref = blob_ref()
        command = commands.ConfirmDelivery(stops[0], name, (commands.BlobRef(ref["id"], ref["sha256"], ref["size"],
                                                                             ref["type"], ref["role"]),))
        with pg_app.app_context():
            start.wait()
            try:
                bus().handle(command, actor)
            except Exception as exc:  # noqa: BLE001 - any failure fails the test below
                errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(name,)) for name in ("Sam", "Samantha")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with pg_app.app_context():
        proofs = [p.extra_evidence for p in stored_all(DeliveryProof)]
        codes = db.session.execute(sa.select(OfficeException.code)).scalars().all()
        status = db.session.execute(sa.text("SELECT status FROM orders WHERE id = :id"), {"id": orders[0]}).scalar_one()
        delivered_events = db.session.execute(sa.text(
            "SELECT count(*) FROM audit_event WHERE order_id = :id AND action = 'order.delivered'"),
            {"id": orders[0]}).scalar_one()
    assert (proofs, codes, status, delivered_events) == ([False, True], ["delivery.already_confirmed"], "delivered", 1)
