"""Order handlers: place, accept, reject, cancel, and the payment hold decisions."""
from __future__ import annotations

import secrets

from ..domain import commands
from ..domain.access import Actor, Role, ensure_visible, require_role
from ..domain.intake import authorize_intake, intake_channel
from ..domain.errors import DomainError, Forbidden, InvalidOrder
from ..domain.order_undo import facts_before_ending
from ..domain.orders import CUSTOMER_CANCELLABLE, HOLDS_STOCK, Order, OrderLine, OrderStatus
from ..domain.payments import (AddressCheck, PaymentMethod, PaymentStatus, RiskFacts, assess_risk,
                               initial_payment_status, needs_buyer_payment_confirmation)
from ..domain.payment_ledger import EntryKind, PaymentEntry
from ..domain.pricing import quote
from . import payments, reservations
from .unit_of_work import UnitOfWork
from .settings import Settings


class IdempotencyConflict(DomainError):
    """The same Idempotency-Key was used before for a different request."""

    code = "idempotency.key_reused"
    status = 422


def _customer_for(actor: Actor, cmd: commands.PlaceOrder, uow: UnitOfWork, settings: Settings) -> tuple[int, int]:
    """(customer id, their orders in the velocity window): customers order for themselves, the office for anyone."""
    customer_id = actor.customer_id if actor.role == Role.CUSTOMER else cmd.customer_id
    recent = (uow.orders.customer_recent_orders(customer_id, minutes=settings.risk.velocity_window_minutes)
              if customer_id is not None else None)
    if recent is None:
        raise InvalidOrder("No such customer.", field="customer_id")
    return customer_id, recent


def _priced_items(cmd, uow: UnitOfWork):
    """Catalogue products for the requested SKUs, every unknown SKU reported at once."""
    products = uow.catalogue.products_by_sku(sku for sku, _ in cmd.lines)
    unknown = [(i, sku) for i, (sku, _) in enumerate(cmd.lines) if sku not in products]
    if unknown:
        index, sku = unknown[0]
        raise InvalidOrder(f"Unknown or inactive product {sku!r}.", field=f"lines.{index}.sku",
                           details={"unknown_skus": [s for _, s in unknown]})
    return [(products[sku], qty) for sku, qty in cmd.lines]


def _replayed(actor, cmd, uow: UnitOfWork):
    """The order a retried request already created (Idempotency-Key or channel order id), if any."""
    if cmd.idempotency_key and actor.user_id is not None:
        stored = uow.idempotency.find(actor.user_id, cmd.idempotency_key)
        if stored is not None:
            if stored.request_hash != cmd.request_fingerprint:
                raise IdempotencyConflict("This Idempotency-Key was already used for a different order.",
                                          field="Idempotency-Key")
            return uow.orders.get(stored.order_id)
    if cmd.channel_order_id:
        return uow.orders.by_channel_order_id(cmd.channel, cmd.channel_order_id)
    return None


def place_order(cmd: commands.PlaceOrder, actor: Actor, uow: UnitOfWork, settings: Settings, *,
                commit: bool = True) -> tuple[Order, bool]:
    """Price, risk-check and reserve stock for a new order; returns (order, created).

    `commit=False` leaves the transaction open for a caller that writes more with the order (a shop channel's
    record of it, services/channel_intake.py).
    """
    authorize_intake(actor, customer_id=cmd.customer_id, channel=cmd.channel, channel_order_id=cmd.channel_order_id,
                     card_fingerprint=cmd.card_fingerprint, address_check=cmd.address_check)
    existing = _replayed(actor, cmd, uow)
    if existing is not None:
        ensure_visible(actor, existing)
        return existing, False
    customer_id, customer_recent_orders = _customer_for(actor, cmd, uow, settings)
    try:
        channel = intake_channel(actor, cmd.channel).value
        method = PaymentMethod(cmd.payment_method)
        address_check = AddressCheck(cmd.address_check or AddressCheck.NOT_CHECKED.value)
    except ValueError as exc:
        raise InvalidOrder(str(exc)) from exc
    # A buyer's word that a card or PayPal payment was made is not a payment fact (domain/intake.py).
    payment_confirmed = not (actor.role == Role.CUSTOMER and needs_buyer_payment_confirmation(method))
    shipping = cmd.shipping_address
    billing = cmd.billing_address or shipping
    priced = quote(_priced_items(cmd, uow), currency=settings.currency, country=shipping["country"],
                   tax=settings.tax, shipping=settings.shipping)
    # Only the provider's answer is a payment fact: a token it authorizes confirms the payment (a decline
    # is refused here, before anything is written).
    authorization = payments.authorize_at_intake(cmd, method, priced.total.amount, uow, settings)
    payment_confirmed = payment_confirmed or authorization is not None
    facts = RiskFacts(
        total_minor=priced.total.amount, billing_country=billing["country"], shipping_country=shipping["country"],
        customer_recent_orders=customer_recent_orders,
        card_recent_orders=(uow.orders.card_recent_orders(cmd.card_fingerprint,
                                                          minutes=settings.risk.velocity_window_minutes)
                            if cmd.card_fingerprint else 0),
        address_check=address_check, payment_confirmed=payment_confirmed, currency=settings.currency)
    # A plain order: written by the Core data mapper, never through the ORM session (domain/orders.py).
    order = Order(customer_id=customer_id, channel=channel, channel_order_id=cmd.channel_order_id,
                       currency=settings.currency, payment_method=method.value,
                       payment_status=initial_payment_status(method, confirmed=payment_confirmed).value,
                       shipping_address=dict(shipping),
                       billing_address=dict(billing), subtotal_minor=priced.subtotal.amount,
                       shipping_minor=priced.shipping.amount, tax_minor=priced.tax.amount,
                       total_minor=priced.total.amount, tracking_token=secrets.token_urlsafe(24),
                       notes=cmd.notes, card_fingerprint=cmd.card_fingerprint, created_by_id=actor.user_id)
    for line in priced.lines:
        order.lines.append(OrderLine(line.product_id, line.sku, line.name, line.quantity,
                                          line.unit_price.amount, line.net.amount, line.tax.amount))
    uow.orders.insert_new(order)  # the order id is needed by the ledger rows below
    uow.track(order)
    if cmd.idempotency_key and actor.user_id is not None:
        uow.idempotency.store(actor.user_id, cmd.idempotency_key, cmd.request_fingerprint, order.id)
    reservations.reserve_order(order, uow, settings, actor)
    order.record("order.placed", actor_id=actor.user_id, number=order.number, status=order.status,
                 total_minor=order.total_minor, currency=order.currency, channel=order.channel,
                 customer_id=order.customer_id, shortages=order.shortages)
    if authorization is not None:
        payments.note_authorization(order, authorization, cmd, uow, actor)
    reasons = assess_risk(settings.risk, facts)
    if reasons:
        order.hold_reasons = [r.as_dict() for r in reasons]
        order.transition(OrderStatus.PAYMENT_HOLD, actor_id=actor.user_id, reason="payment verification",
                         hold_reasons=order.hold_reasons)
    elif method == PaymentMethod.BANK_TRANSFER:
        order.transition(OrderStatus.AWAITING_PAYMENT, actor_id=actor.user_id, reason="waiting for bank transfer")
    if commit:
        uow.commit()
    return order, True


def _locked_visible(order_id: int, actor: Actor, uow: UnitOfWork) -> Order:
    """Load and lock an order the actor may see, or raise NotFound."""
    order = uow.orders.get(order_id, for_update=True)
    ensure_visible(actor, order)
    return uow.track(order)


def accept_order(cmd: commands.AcceptOrder, actor: Actor, uow: UnitOfWork, settings: Settings) -> Order:
    """Accept a placed order: allocated if all its stock is reserved, else backordered."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    order = _locked_visible(cmd.order_id, actor, uow)
    order.transition(OrderStatus.ACCEPTED, actor_id=actor.user_id)
    _allocate_or_backorder(order, uow, settings, actor)
    uow.commit()
    return order


def retry_allocation(cmd: commands.RetryAllocation, actor: Actor, uow: UnitOfWork, settings: Settings) -> Order:
    """Reserve what has arrived for a backordered order; it becomes allocated once nothing is missing."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    order = _locked_visible(cmd.order_id, actor, uow)
    if order.state != OrderStatus.BACKORDERED:
        raise DomainError(f"Order {order.number} is not backordered.", code="order.not_backordered")
    _allocate_or_backorder(order, uow, settings, actor)
    uow.commit()
    return order


def _allocate_or_backorder(order: Order, uow: UnitOfWork, settings: Settings, actor: Actor) -> None:
    """Reserve any missing stock (it may have arrived since intake), then allocated or backordered."""
    missing_before = sum(line.missing_quantity for line in order.lines)
    if missing_before:
        reservations.reserve_order(order, uow, settings, actor)
    if order.fully_allocated:
        order.shortages = []  # a shortage noted earlier (e.g. before a retry) no longer holds
        order.transition(OrderStatus.ALLOCATED, actor_id=actor.user_id)
    elif order.state != OrderStatus.BACKORDERED:
        order.transition(OrderStatus.BACKORDERED, actor_id=actor.user_id, reason="not enough stock",
                         shortages=order.shortages)
    elif sum(line.missing_quantity for line in order.lines) < missing_before:
        order.record("order.backorder_reduced", actor_id=actor.user_id, changed=True, shortages=order.shortages)
    else:
        raise DomainError(f"Still no stock for order {order.number}: "
                          + ", ".join(f"{s['sku']} {s['missing']} missing" for s in order.shortages) + ".",
                          code="order.still_backordered", details={"shortages": order.shortages})


def _end_order(order: Order, to: OrderStatus, actor: Actor, uow: UnitOfWork, reason: str, decision: str,
               settings: Settings) -> Order:
    """Reject or cancel: release every reserved unit and void the payment in the same transaction.

    The ending event keeps what the order was before, when the decision may be undone (domain/order_undo.py).
    """
    held_stock = order.state in HOLDS_STOCK
    # A split order may have sent one warehouse's part already: those units left, nothing to give back.
    shipped = ({s.warehouse_id for s in uow.shipping.shipments_of_order(order.id)}
               if order.state in (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.BACKORDERED) else set())
    undo = facts_before_ending(order, decision)
    order.transition(to, actor_id=actor.user_id, reason=reason, **({"undo": undo} if undo else {}))
    if held_stock:
        reservations.release_order(order, uow, actor, keep_warehouses=shipped)
    if order.payment_status != PaymentStatus.PAID.value and not payments.ledger_of(order, uow).authorized_minor:
        order.payment_status = PaymentStatus.VOIDED.value  # nothing held at a provider: the payment simply lapses
    uow.commit()
    # After the ending committed: a slow or failing provider never blocks a cancel.
    return payments.void_after_ending(order.id, uow, settings, actor) or order


def reject_order(cmd: commands.RejectOrder, actor: Actor, uow: UnitOfWork, settings: Settings) -> Order:
    """Refuse a placed order (owner or manager)."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    order = _locked_visible(cmd.order_id, actor, uow)
    return _end_order(order, OrderStatus.REJECTED, actor, uow, cmd.reason, "reject", settings)


def cancel_order(cmd: commands.CancelOrder, actor: Actor, uow: UnitOfWork, settings: Settings) -> Order:
    """Cancel before shipping; a customer may cancel their own order until it is accepted."""
    order = _locked_visible(cmd.order_id, actor, uow)
    if actor.role == Role.CUSTOMER:
        if order.state not in CUSTOMER_CANCELLABLE:
            raise Forbidden("This order is already being prepared; please contact the shop to cancel it.",
                            code="order.cancel_needs_shop")
    else:
        require_role(actor, Role.OWNER, Role.MANAGER)
    return _end_order(order, OrderStatus.CANCELLED, actor, uow, cmd.reason, "cancel", settings)


def _locked_on_hold(order_id: int, actor: Actor, uow: UnitOfWork) -> Order:
    """An order on payment hold, locked, for an owner or manager to decide on."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    order = _locked_visible(order_id, actor, uow)
    if order.state != OrderStatus.PAYMENT_HOLD:
        raise DomainError(f"Order {order.number} is not on payment hold.", code="order.not_on_hold")
    return order


def release_payment_hold(cmd: commands.ReleasePaymentHold, actor: Actor, uow: UnitOfWork, settings: Settings) -> Order:
    """A manager checked the held payment and lets the order go on to acceptance."""
    order = _locked_on_hold(cmd.order_id, actor, uow)
    confirms_payment = order.payment_status == PaymentStatus.UNPAID.value
    order.transition(OrderStatus.PLACED, actor_id=actor.user_id, reason=cmd.note or "payment hold released",
                     released_reasons=order.hold_reasons, **({"payment_confirmed": True} if confirms_payment else {}))
    order.hold_reasons = []
    if confirms_payment:  # the person releasing it checked that the buyer's card or PayPal payment was taken
        order.payment_status = PaymentStatus.AUTHORIZED.value
    if order.payment_method == PaymentMethod.BANK_TRANSFER.value and order.payment_status != PaymentStatus.PAID.value:
        order.transition(OrderStatus.AWAITING_PAYMENT, actor_id=actor.user_id, reason="waiting for bank transfer")
    uow.commit()
    return order


def reject_payment_hold(cmd: commands.RejectPaymentHold, actor: Actor, uow: UnitOfWork, settings: Settings) -> Order:
    """A manager judges a held payment bad: the order is rejected and its stock released."""
    order = _locked_on_hold(cmd.order_id, actor, uow)
    return _end_order(order, OrderStatus.REJECTED, actor, uow, cmd.reason or "payment rejected", "reject_hold", settings)


def record_payment_received(cmd: commands.RecordPaymentReceived, actor: Actor,
                            uow: UnitOfWork, settings: Settings) -> Order:
    """Bank transfer funds arrived: the order goes on to acceptance."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    order = _locked_visible(cmd.order_id, actor, uow)
    if order.payment_status == PaymentStatus.PAID.value:
        raise DomainError(f"Order {order.number} is already paid.", code="payment.already_paid")
    if order.payment_method != PaymentMethod.BANK_TRANSFER.value:
        raise DomainError("Only bank transfer orders wait for funds.", code="payment.not_bank_transfer")
    order.payment_status = PaymentStatus.PAID.value
    # The transfer in the payments ledger: the balance counts it (the rest of the total, as the office said).
    owed = order.total_minor - payments.ledger_of(order, uow).balance_minor
    if owed > 0:
        uow.payments.add(order.id, PaymentEntry(EntryKind.TRANSFER_RECEIVED, owed, order.currency,
                                                (cmd.reference or "")[:100]), idempotency_key=None,
                         actor_id=actor.user_id)
    if order.state == OrderStatus.AWAITING_PAYMENT:
        order.transition(OrderStatus.PLACED, actor_id=actor.user_id, reason="funds received", reference=cmd.reference)
    else:
        order.record("order.payment_received", actor_id=actor.user_id, reference=cmd.reference)
    uow.commit()
    return order
