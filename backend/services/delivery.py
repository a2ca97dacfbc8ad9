"""Driver handlers: confirm a drop-off, record a failed attempt, settle the run's cash, file an image.

Confirmations and failed attempts are *facts*: they are always recorded; when they clash
with what the office did meanwhile (a cancelled order, another phone's confirmation) the conflict
rule in domain/sync_rules.py says so and an exception is opened for a person.
"""
from __future__ import annotations

from ..domain import commands, sync_rules
from ..domain.access import Actor, Role, require_role
from ..domain.delivery import (Blob, BlobConflict, CashLine, CashSettlement, DeliveryAttempt, DeliveryProof,
                               InvalidProof, SettlementError, check_blob_refs, expected_cash)
from ..domain.dispatch import RunStatus, StopStatus
from ..domain.errors import Forbidden, NotFound
from ..domain.events import DomainEvent
from ..domain.fulfilment import follow_parts
from ..domain.shipping import ShipmentStatus
from ..domain.sync_rules import Outcome
from . import cash_on_delivery
from .dispatch import announce_next_stop
from .failed_deliveries import note_failed_attempt
from .fulfilment import parts_of
from .unit_of_work import UnitOfWork
from .settings import Settings

DRIVING = (Role.DRIVER, Role.OWNER, Role.MANAGER)


def _own_stop(uow: UnitOfWork, actor: Actor, stop_id: int):
    """The stop and its run (locked), if the actor may act on it: a driver only on their own run."""
    require_role(actor, *DRIVING)
    run, stop = uow.delivery.stop_with_run(stop_id, for_update=True)
    if stop is None:
        raise NotFound("No such stop.", field="stop_id")
    if actor.role == Role.DRIVER and run.driver_id != actor.user_id:
        raise Forbidden("This stop is on another driver's run.", code="delivery.not_your_stop", field="stop_id")
    return run, stop


def _check_refs(uow: UnitOfWork, actor: Actor, refs) -> None:
    """Images already uploaded under these ids must be the same bytes, sent by the same person."""
    for ref in refs:
        blob = uow.delivery.blob(ref.id)
        if blob is None:
            continue
        if blob.uploaded_by_id != actor.user_id:
            raise Forbidden("This photo belongs to someone else.", code="blob.not_yours", field="blob_refs")
        if not blob.same_bytes(ref.sha256):
            raise InvalidProof("A photo's fingerprint differs from the one uploaded.", code="blob.hash_conflict",
                               field="blob_refs")


def _stop_done(run, stop, status: StopStatus, actor_id, event: str, **data) -> None:
    """Mark the stop delivered or failed; the run's version moves so phones holding it notice."""
    stop.status = status.value
    stop.version += 1
    run.version += 1
    run.record(event, actor_id=actor_id, stop_id=stop.id, order_id=stop.order_id, **data)


def _follow_shipment(uow: UnitOfWork, stop, status: ShipmentStatus) -> None:
    shipment = uow.shipping.shipment(stop.shipment_id, for_update=True)
    # A hand-over recorded late, after the office returned the parcel, leaves the shipment as it is: the
    # order's conflict rule opens an exception for a person instead.
    if shipment is not None and shipment.can_become(status):
        shipment.set_status(status)


def confirm_delivery(cmd: commands.ConfirmDelivery, actor: Actor, uow: UnitOfWork, settings: Settings) -> DeliveryProof:
    """Record a hand-over with its proof; the order becomes delivered unless the office changed it meanwhile."""
    run, stop = _own_stop(uow, actor, cmd.stop_id)
    uow.track(run)
    order = uow.track(uow.orders.get(stop.order_id, for_update=True))
    _check_refs(uow, actor, cmd.blob_refs)
    photos, signatures = check_blob_refs([{"id": r.id, "role": r.role} for r in cmd.blob_refs])
    already = stop.status == StopStatus.DELIVERED.value
    parts = parts_of(order, uow)
    verdict = sync_rules.confirm_delivery(order_status=order.status, stop_delivered=already, split=len(parts) > 1)
    proof = DeliveryProof(stop_id=stop.id, order_id=order.id, driver_id=actor.user_id, command_id=uow.command_id,
                          recipient_name=cmd.recipient_name, occurred_at=cmd.occurred_at, photo_blob_ids=photos,
                          signature_blob_ids=signatures, latitude=cmd.latitude, longitude=cmd.longitude,
                          cod_collected_minor=cmd.cod_collected_minor, currency=stop.currency,
                          extra_evidence=already)
    proof.complete_if_ready(uow.delivery.present_blob_ids(proof.blob_ids))
    uow.delivery.add(proof)
    if not already:
        _stop_done(run, stop, StopStatus.DELIVERED, actor.user_id, "run.stop_delivered",
                   cod_collected_minor=cmd.cod_collected_minor)
        _follow_shipment(uow, stop, ShipmentStatus.DELIVERED)
        announce_next_stop(uow, run, actor.user_id)
    if verdict.outcome == Outcome.APPLY:
        # Delivered once every part is: the other parts' parcels may still be on their way.
        moved = follow_parts(order, parts_of(order, uow), actor_id=actor.user_id, recipient=proof.recipient_name)
        if not moved:
            order.record("order.part_delivered", actor_id=actor.user_id, changed=True, stop_id=stop.id,
                         shipment_id=stop.shipment_id, recipient=proof.recipient_name)
    elif verdict.outcome == Outcome.EXCEPTION:
        # The parcel really changed hands: the fact stands, the order is left as the office set it
        # (a cancelled order is not reported "delivered" to the customer), and a person decides.
        order.record("order.handed_over_despite_state", actor_id=actor.user_id, stop_id=stop.id,
                     status=order.status, code=verdict.code)
        uow.open_exception(verdict.code, verdict.message, order_id=order.id,
                           data={"stop_id": stop.id, "run_id": run.id, "driver_id": run.driver_id,
                                 "recipient_name": proof.recipient_name})
    uow.commit()
    return proof


def record_failed_attempt(cmd: commands.RecordFailedAttempt, actor: Actor,
                          uow: UnitOfWork, settings: Settings) -> DeliveryAttempt:
    """Record that a drop-off failed: the order and shipment show it (services/failed_deliveries.py). After a
    delivery, or when the stop already failed (one visit is one attempt), it is kept as history only."""
    run, stop = _own_stop(uow, actor, cmd.stop_id)
    uow.track(run)
    if cmd.photo is not None:
        _check_refs(uow, actor, [cmd.photo])
    verdict = sync_rules.failed_attempt(stop_status=stop.status)
    attempt = DeliveryAttempt(stop_id=stop.id, order_id=stop.order_id, driver_id=actor.user_id,
                              command_id=uow.command_id, reason=cmd.reason, note=cmd.note,
                              photo_blob_id=cmd.photo.id if cmd.photo else None, occurred_at=cmd.occurred_at,
                              history_only=verdict.outcome == Outcome.NOOP)
    uow.delivery.add(attempt)
    if verdict.outcome == Outcome.APPLY:
        _stop_done(run, stop, StopStatus.FAILED, actor.user_id, "run.stop_failed", reason=cmd.reason)
        order = uow.orders.get(stop.order_id, for_update=True)
        note_failed_attempt(uow, run=run, stop=stop, order=uow.track(order) if order is not None else None,
                            reason=cmd.reason, actor_id=actor.user_id, settings=settings)
        announce_next_stop(uow, run, actor.user_id)
    uow.commit()
    return attempt


def settle_run_cash(cmd: commands.SettleRunCash, actor: Actor, uow: UnitOfWork, settings: Settings) -> CashSettlement:
    """Count the run's cash against what its stops recorded; the run is done once every stop is."""
    require_role(actor, *DRIVING)
    run = uow.delivery.run(cmd.run_id, for_update=True)
    if run is None or (actor.role == Role.DRIVER and run.driver_id != actor.user_id):
        raise NotFound("No such run.", field="run_id")
    existing = uow.delivery.settlement(run.id)
    if existing is not None:
        if existing.counted_minor == cmd.counted_minor:
            return existing  # the same count sent twice (a retried form): nothing new
        raise SettlementError("This run's cash was already settled.", code="settlement.already_settled")
    if any(s.pending for s in run.stops):
        raise SettlementError("Some stops are still open: deliver them or record a failed attempt first.",
                              code="settlement.stops_pending")
    due = {s.id: s.cod_due_minor for s in run.stops}
    proofs = [p for p in uow.delivery.proofs_of_stops(list(due)) if not p.extra_evidence]
    expected = expected_cash([CashLine(p.stop_id, due[p.stop_id], p.cod_collected_minor) for p in proofs])
    currency = run.stops[0].currency if run.stops else settings.currency
    settlement = CashSettlement(run_id=run.id, expected_minor=expected, counted_minor=cmd.counted_minor,
                                currency=currency, settled_by_id=actor.user_id, note=cmd.note)
    uow.delivery.add(settlement)
    uow.track(run)
    if run.status == RunStatus.OUT.value:
        run.finish(actor_id=actor.user_id)
    run.record("run.cash_settled", actor_id=actor.user_id, expected_minor=expected,
               counted_minor=cmd.counted_minor, difference_minor=settlement.difference_minor)
    cash_on_delivery.pay_collected_orders(uow, actor, run, proofs)
    cash_on_delivery.report_difference(uow, run, settlement)
    uow.commit()
    return settlement


def record_blob_upload(cmd: commands.RecordBlobUpload, actor: Actor,
                       uow: UnitOfWork, settings: Settings) -> tuple[Blob, bool]:
    """File an uploaded image: (blob, created). Same id and bytes again is a no-op; other bytes a 409."""
    require_role(actor, Role.DRIVER, Role.OWNER, Role.MANAGER, Role.FLOOR)
    existing = uow.delivery.blob(cmd.blob_id)
    if existing is not None:
        if existing.uploaded_by_id != actor.user_id:
            raise Forbidden("This photo id belongs to someone else.", code="blob.not_yours")
        if not existing.same_bytes(cmd.sha256):
            raise BlobConflict("A different photo was already uploaded under this id.")
        return existing, False
    if uow.delivery.referenced_by_other_driver(cmd.blob_id, actor.user_id):
        raise Forbidden("This photo id belongs to someone else.", code="blob.not_yours")
    blob = Blob(cmd.blob_id, cmd.sha256, cmd.size, cmd.content_type, cmd.storage_key, actor.user_id)
    uow.delivery.add(blob)
    uow.flush()
    for proof in uow.delivery.pending_proofs_of(actor.user_id):
        if cmd.blob_id in proof.blob_ids and proof.complete_if_ready(uow.delivery.present_blob_ids(proof.blob_ids)):
            uow.publish(DomainEvent(name="delivery.proof_completed", aggregate_type="delivery_proof",
                                    aggregate_id=proof.id, aggregate_version=1,
                                    data={"actor_id": actor.user_id, "order_id": proof.order_id,
                                          "stop_id": proof.stop_id, "driver_id": proof.driver_id}))
    uow.commit()
    return blob, True
