"""The point of sale: a counter sale takes stock off the store's shelf and is paid in the same transaction."""
from __future__ import annotations

import secrets

from ..domain import commands
from ..domain.access import Actor, Role, ensure_visible, require_role
from ..domain.catalogue import Channel, Customer
from ..domain.counter import (CounterPayment, NoStoreWarehouse, NotEnoughAtCounter, counter_payment,
                              counter_quote, shortage_message)
from ..domain.errors import InvalidOrder
from ..domain.orders import Order, OrderLine, OrderStatus
from ..domain.payments import PaymentMethod, PaymentStatus
from ..domain.stock import MovementReason
from . import reservations
from .orders import IdempotencyConflict
from .settings import Settings
from .unit_of_work import UnitOfWork


def record_counter_payment(order: Order, payment: CounterPayment, actor: Actor) -> None:
    """Mark the sale paid in full and write the tender's facts (terminal reference, cash and change) on its
    event. The one place the counter records money: a card gateway's ledger would be wired in here."""
    order.payment_status = PaymentStatus.PAID.value
    order.paid_minor = payment.total_minor
    order.record("order.paid_at_counter", actor_id=actor.user_id, changed=True, currency=order.currency,
                 **payment.as_event_data())


def _store(uow: UnitOfWork, settings: Settings):
    """The warehouse the counter sells from, or NoStoreWarehouse."""
    store = (uow.catalogue.warehouse_by_code(settings.store_warehouse_code)
             if settings.store_warehouse_code else None)
    if store is None:
        raise NoStoreWarehouse("No warehouse is set up as the shop's store, so nothing can be sold at the counter "
                               "(set WAYBILL_STORE_WAREHOUSE to the store's warehouse code).")
    return store


def _customer_id(cmd: commands.SellAtCounter, uow: UnitOfWork, settings: Settings) -> int:
    """The named customer, or the walk-in customer (made on the first anonymous sale)."""
    if cmd.customer_id is not None:
        if uow.orders.customer_recent_orders(cmd.customer_id, minutes=1) is None:
            raise InvalidOrder("No such customer.", field="customer_id")
        return cmd.customer_id
    walk_in = uow.catalogue.customer_by_email(settings.walk_in_email)
    if walk_in is None:
        walk_in = Customer(settings.walk_in_email, "Walk-in customer")
        uow.catalogue.add(walk_in)
        uow.flush()  # the order below needs the customer's id
    return walk_in.id


def _products(cmd: commands.SellAtCounter, uow: UnitOfWork):
    """(product, quantity) per line, every unknown SKU reported at once."""
    products = uow.catalogue.products_by_sku(sku for sku, _ in cmd.lines)
    unknown = [(i, sku) for i, (sku, _) in enumerate(cmd.lines) if sku not in products]
    if unknown:
        raise InvalidOrder(f"Unknown or inactive product {unknown[0][1]!r}.", field=f"lines.{unknown[0][0]}.sku",
                           details={"unknown_skus": [sku for _, sku in unknown]})
    return [(products[sku], quantity) for sku, quantity in cmd.lines]


def _replayed(cmd: commands.SellAtCounter, actor: Actor, uow: UnitOfWork) -> Order | None:
    """The sale a retried request (same Idempotency-Key) already made, if any."""
    if not cmd.idempotency_key or actor.user_id is None:
        return None
    stored = uow.idempotency.find(actor.user_id, cmd.idempotency_key)
    if stored is None:
        return None
    if stored.request_hash != cmd.request_fingerprint:
        raise IdempotencyConflict("This Idempotency-Key was already used for a different sale.",
                                  field="Idempotency-Key")
    return uow.orders.get(stored.order_id)


def sell_at_counter(cmd: commands.SellAtCounter, actor: Actor, uow: UnitOfWork,
                    settings: Settings) -> tuple[Order, bool]:
    """Sell from the store's shelf, paid at once: the order ends collected; returns (order, created).

    Not enough on the shelf refuses the whole sale before anything is written.
    """
    require_role(actor, Role.OWNER, Role.MANAGER)
    existing = _replayed(cmd, actor, uow)
    if existing is not None:
        ensure_visible(actor, existing)
        return existing, False
    store = _store(uow, settings)
    items = _products(cmd, uow)
    country = (store.address or {}).get("country", "")
    priced = counter_quote(items, currency=settings.currency, store_country=country, tax=settings.tax)
    payment = counter_payment(cmd.tender, priced.total.amount, settings.currency,
                              terminal_reference=cmd.terminal_reference, tendered_minor=cmd.tendered_minor)
    # Lock the shelf's levels in primary-key order, then check every line before writing anything.
    uow.stock.lock_levels_of([(store.id, product.id) for product, _ in items])
    levels = {product.id: uow.stock.lock_level(store.id, product.id) for product, _ in items}
    shortages = [{"sku": product.sku, "requested": quantity,
                  "available": levels[product.id].available if levels[product.id] else 0, "line": i}
                 for i, (product, quantity) in enumerate(items)
                 if levels[product.id] is None or levels[product.id].available < quantity]
    if shortages:
        raise NotEnoughAtCounter(shortage_message(shortages), details={"shortages": shortages},
                                 errors={f"lines.{s['line']}.quantity": f"Only {s['available']} on the shelf."
                                         for s in shortages})
    address = dict(store.address or {})
    method = PaymentMethod.CARD if payment.tender.value == "card" else PaymentMethod.CASH
    order = Order(customer_id=_customer_id(cmd, uow, settings), channel=Channel.POS.value,
                  currency=settings.currency, payment_method=method.value, payment_status=PaymentStatus.UNPAID.value,
                  shipping_address=address, billing_address=address, subtotal_minor=priced.subtotal.amount,
                  shipping_minor=0, tax_minor=priced.tax.amount, total_minor=priced.total.amount,
                  tracking_token=secrets.token_urlsafe(24), notes=cmd.notes, created_by_id=actor.user_id)
    for line in priced.lines:
        order.lines.append(OrderLine(line.product_id, line.sku, line.name, line.quantity, line.unit_price.amount,
                                     line.net.amount, line.tax.amount))
    uow.orders.insert_new(order)  # the ledger rows below name the order
    uow.track(order)
    if cmd.idempotency_key and actor.user_id is not None:
        uow.idempotency.store(actor.user_id, cmd.idempotency_key, cmd.request_fingerprint, order.id)
    for line in order.lines:
        level = levels[line.product_id]
        # Reserved, then handed over: the ledger shows the units promised to the sale and leaving with it.
        reservations.reserve_for_line(order, line, level, line.quantity, uow, actor)
        movement = level.apply(MovementReason.COLLECTED, on_hand_delta=-line.quantity,
                               reserved_delta=-line.quantity, order_id=order.id, actor_id=actor.user_id)
        uow.stock.add_movement(movement)
        uow.publish(reservations.stock_event("stock.collected", level, movement, order.id))
    order.record("order.placed", actor_id=actor.user_id, number=order.number, status=order.status,
                 total_minor=order.total_minor, currency=order.currency, channel=order.channel,
                 customer_id=order.customer_id, shortages=[])
    record_counter_payment(order, payment, actor)
    order.transition(OrderStatus.COLLECTED, actor_id=actor.user_id, reason="sold at the counter",
                     warehouse_id=store.id)
    uow.commit()
    return order, True
