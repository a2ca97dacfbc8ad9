"""Delivery proofs, failed attempts, uploaded images and cash settlements, and the runs they belong to."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.delivery import Blob, CashSettlement, DeliveryAttempt, DeliveryProof, ProofStatus
from ..domain.dispatch import DeliveryRun, RunStop
from .data_mapper import DataMapper
from .fulfilment_tables import blobs, cash_settlements, delivery_attempts, delivery_proofs, run_stops
from .mappings import CASH_SETTLEMENT, DELIVERY_PROOF


class DeliveryRepository:
    """What the driver's handlers load and save, in the unit of work's transaction."""

    def __init__(self, session, mapper: DataMapper):
        self.session, self.mapper = session, mapper

    def add(self, thing: DeliveryProof | DeliveryAttempt | Blob | CashSettlement) -> None:
        """Stage a new proof, attempt, blob or settlement."""
        self.mapper.add(thing)

    # -- runs and stops (tables of the shipping area) -----------------------------------------------
    def stop_with_run(self, stop_id: int, *, for_update: bool = False) -> tuple[DeliveryRun | None, RunStop | None]:
        """A stop and its run; with for_update the run row stays locked (two phones confirm in turn)."""
        run_id = self.session.execute(sa.select(run_stops.c.run_id).where(run_stops.c.id == stop_id)).scalar_one_or_none()
        if run_id is None:
            return None, None
        # The stop is taken from the run loaded under the lock, so its status is the committed one.
        run = self.run(run_id, for_update=for_update)
        return run, next(s for s in run.stops if s.id == stop_id)

    def run(self, run_id: int, *, for_update: bool = False) -> DeliveryRun | None:
        """One run with its stops."""
        return self.mapper.get(DeliveryRun, run_id, for_update=for_update)

    def failed_stops_of_shipment(self, shipment_id: int, *, besides: int | None = None) -> int:
        """How many stops of this shipment (on any run) ended in a failed attempt, not counting `besides`."""
        query = sa.select(sa.func.count()).select_from(run_stops).where(
            run_stops.c.shipment_id == shipment_id, run_stops.c.status == "failed")
        if besides is not None:
            query = query.where(run_stops.c.id != besides)
        return self.session.execute(query).scalar_one()

    def failed_attempts_by_shipment(self, shipment_ids) -> dict:
        """Failed attempts (stops that ended failed, on any run) of each of these shipments: {id: count}."""
        ids = list(shipment_ids)
        if not ids:
            return {}
        query = (sa.select(run_stops.c.shipment_id, sa.func.count()).where(
            run_stops.c.shipment_id.in_(ids), run_stops.c.status == "failed").group_by(run_stops.c.shipment_id))
        return {shipment_id: count for shipment_id, count in self.session.execute(query)}

    # -- proofs and attempts ------------------------------------------------------------------------
    def proofs_of_stops(self, stop_ids) -> list[DeliveryProof]:
        """Every proof of these stops, oldest first."""
        if not stop_ids:
            return []
        return self.mapper.load(DELIVERY_PROOF, sa.select(delivery_proofs).where(
            delivery_proofs.c.stop_id.in_(list(stop_ids))).order_by(delivery_proofs.c.id))

    def pending_proofs_of(self, driver_id: int | None) -> list[DeliveryProof]:
        """Proofs of this driver still waiting for an image (a handful at most: a day's run)."""
        return self.mapper.load(DELIVERY_PROOF, sa.select(delivery_proofs).where(
            delivery_proofs.c.status == ProofStatus.PENDING_UPLOAD.value,
            delivery_proofs.c.driver_id.is_(None) if driver_id is None else delivery_proofs.c.driver_id == driver_id)
            .with_for_update(), refresh=True)

    def referenced_by_other_driver(self, blob_id: str, driver_id: int | None) -> bool:
        """True when another driver's proof or attempt names this image id (it is not the caller's to send)."""
        proofs = self.session.execute(sa.select(delivery_proofs.c.photo_blob_ids, delivery_proofs.c.signature_blob_ids)
                                      .where(delivery_proofs.c.driver_id != driver_id)
                                      .where(delivery_proofs.c.status == ProofStatus.PENDING_UPLOAD.value)).all()
        if any(blob_id in (photos or []) + (signatures or []) for photos, signatures in proofs):
            return True
        return self.session.execute(sa.select(sa.func.count()).select_from(delivery_attempts).where(
            delivery_attempts.c.photo_blob_id == blob_id, delivery_attempts.c.driver_id != driver_id)).scalar_one() > 0

    # -- blobs --------------------------------------------------------------------------------------
    def blob(self, blob_id: str) -> Blob | None:
        """One uploaded image's record."""
        return self.mapper.get(Blob, blob_id)

    def present_blob_ids(self, blob_ids) -> set[str]:
        """Which of these images are stored."""
        if not blob_ids:
            return set()
        return set(self.session.execute(sa.select(blobs.c.id).where(blobs.c.id.in_(list(blob_ids)))).scalars())

    # -- settlements --------------------------------------------------------------------------------
    def settlement(self, run_id: int) -> CashSettlement | None:
        """The run's cash settlement, if made."""
        found = self.mapper.load(CASH_SETTLEMENT, sa.select(cash_settlements).where(cash_settlements.c.run_id == run_id))
        return found[0] if found else None
