"""What settling a run's cash does to its cash-on-delivery orders and to the office's queue.

Called by the settlement handler (services/delivery.py) inside its unit of work: each delivered stop's
order is paid with the cash its driver recorded at the door, and a count that differs from what the stops
collected opens an exception naming the driver, the run and the amount.
"""
from __future__ import annotations

from ..domain.access import STAFF, Actor
from ..domain.delivery import CashSettlement, cash_difference
from ..domain.payment_ledger import EntryKind, PaymentEntry
from ..domain.payments import cash_on_delivery_received
from .unit_of_work import UnitOfWork


def pay_collected_orders(uow: UnitOfWork, actor: Actor, run, proofs) -> None:
    """Record the cash each stop collected on its order: paid once it covers the total, else still to collect.

    A failed attempt has no proof, so an order whose parcel did not reach the door is never paid here.
    """
    for proof in sorted(proofs, key=lambda p: p.order_id):  # locked in id order, as everywhere else
        order = uow.orders.get(proof.order_id, for_update=True)
        if order is None:
            continue
        receipt = cash_on_delivery_received(
            method=order.payment_method, status=order.payment_status, total_minor=order.total_minor,
            received_before_minor=order.paid_minor, collected_minor=proof.cod_collected_minor,
            recorded_by_staff=actor.role in STAFF)
        if receipt is None:
            continue
        uow.track(order)
        previous = order.payment_status
        order.payment_status, order.paid_minor = receipt.status.value, receipt.received_minor
        order.record("order.cash_received", actor_id=actor.user_id, changed=True,
                     amount_minor=proof.cod_collected_minor, received_minor=receipt.received_minor, currency=proof.currency, from_payment_status=previous,
                     payment_status=receipt.status.value, paid_in_full=receipt.paid_in_full, run_id=run.id,
                     stop_id=proof.stop_id, driver_id=run.driver_id)
        # The payments ledger keeps the cash too, so the order's balance counts it (one line per stop).
        uow.payments.add(order.id, PaymentEntry(EntryKind.COD_COLLECTED, proof.cod_collected_minor, proof.currency,
                                                f"run-{run.id}-stop-{proof.stop_id}"),
                         idempotency_key=f"cod-{proof.stop_id}", actor_id=actor.user_id)


def report_difference(uow: UnitOfWork, run, settlement: CashSettlement) -> None:
    """Open an exception for the office when the cash handed in is not what the stops collected."""
    driver = uow.accounts.user(run.driver_id) if run.driver_id else None
    raised = cash_difference(settlement, driver_id=run.driver_id, driver_name=driver.name if driver else "The driver",
                             run_date=run.run_date)
    if raised is not None:
        uow.open_exception(raised.code, raised.message, data=raised.data)
