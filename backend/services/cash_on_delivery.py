"""What settling a run's cash does to its cash-on-delivery orders and to the office's queue.

Called by the settlement handler (services/delivery.py) inside its unit of work: each delivered stop's
order is paid with the cash its driver recorded at the door, and a count that differs from what the stops
collected opens an exception naming the driver, the run and the amount.
"""
from __future__ import annotations

from ..domain.access import STAFF, Actor
from ..domain.delivery import CashSettlement, cash_difference
from ..domain.payments import cash_on_delivery_paid
from .unit_of_work import UnitOfWork


def pay_collected_orders(uow: UnitOfWork, actor: Actor, run, proofs) -> None:
    """Mark each order paid with the cash its stop collected; orders with no cash collected stay to collect.

    A failed attempt has no proof, so an order whose parcel did not reach the door is never paid here.
    """
    for proof in sorted(proofs, key=lambda p: p.order_id):  # locked in id order, as everywhere else
        order = uow.orders.get(proof.order_id, for_update=True)
        if order is None:
            continue
        status = cash_on_delivery_paid(method=order.payment_method, status=order.payment_status,
                                       collected_minor=proof.cod_collected_minor,
                                       recorded_by_staff=actor.role in STAFF)
        if status is None:
            continue
        uow.track(order)
        previous = order.payment_status
        order.payment_status, order.paid_minor = status.value, proof.cod_collected_minor
        order.record("order.cash_received", actor_id=actor.user_id, changed=True, amount_minor=proof.cod_collected_minor,
                      currency=proof.currency, from_payment_status=previous, payment_status=status.value,
                      run_id=run.id, stop_id=proof.stop_id, driver_id=run.driver_id)


def report_difference(uow: UnitOfWork, run, settlement: CashSettlement) -> None:
    """Open an exception for the office when the cash handed in is not what the stops collected."""
    driver = uow.accounts.user(run.driver_id) if run.driver_id else None
    raised = cash_difference(settlement, driver_id=run.driver_id, driver_name=driver.name if driver else "The driver",
                             run_date=run.run_date)
    if raised is not None:
        uow.open_exception(raised.code, raised.message, data=raised.data)
