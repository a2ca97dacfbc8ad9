"""The point of sale: a sale paid and handed over at the counter, and the tender that paid for it."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .errors import DomainError, InvalidOrder
from .money import format_money
from .pricing import Quote, ShippingPolicy, TaxPolicy, quote

# Goods handed over the counter travel nowhere: no shipping charge.
NO_SHIPPING = ShippingPolicy(0, 0, 0)


class Tender(str, Enum):
    """How a counter sale is paid: the card terminal or notes and coins."""

    CARD = "card"
    CASH = "cash"


class NotEnoughAtCounter(DomainError):
    """The store's shelf holds fewer units than the counter sale asks for: nothing is sold."""

    code = "counter.not_enough_stock"
    status = 409


class NoStoreWarehouse(DomainError):
    """No warehouse is configured as the store (WAYBILL_STORE_WAREHOUSE), or it does not exist."""

    code = "counter.no_store"
    status = 409


@dataclass(frozen=True)
class CounterPayment:
    """What was handed over for a sale: the tender, its terminal reference or the cash and the change."""

    tender: Tender
    total_minor: int
    terminal_reference: str = ""
    tendered_minor: int | None = None

    @property
    def change_minor(self) -> int:
        """Cash given back: what was tendered less the total (0 for a card)."""
        return 0 if self.tendered_minor is None else self.tendered_minor - self.total_minor

    def as_event_data(self) -> dict:
        """The facts of the payment, as written on the order's event (and read back for the receipt)."""
        return {"tender": self.tender.value, "paid_minor": self.total_minor,
                "terminal_reference": self.terminal_reference or None, "tendered_minor": self.tendered_minor,
                "change_minor": self.change_minor}


def counter_quote(items, *, currency: str, store_country: str, tax: TaxPolicy) -> Quote:
    """The price of (product, quantity) pairs sold at the counter: catalogue prices, the store's tax, no shipping."""
    return quote(items, currency=currency, country=store_country, tax=tax, shipping=NO_SHIPPING)


def counter_payment(tender: str, total_minor: int, currency: str, *, terminal_reference: str = "",
                    tendered_minor: int | None = None) -> CounterPayment:
    """The payment of a counter sale, or InvalidOrder naming the field: a card needs the terminal's reference,
    cash must cover the total."""
    try:
        method = Tender(tender)
    except ValueError as exc:
        raise InvalidOrder("Choose card or cash.", field="tender") from exc
    if method == Tender.CARD:
        if not terminal_reference.strip():
            raise InvalidOrder("Enter the reference the card terminal printed.", field="terminal_reference")
        return CounterPayment(method, total_minor, terminal_reference=terminal_reference.strip())
    if tendered_minor is None:
        raise InvalidOrder("Enter the cash the customer handed over.", field="tendered_minor")
    if tendered_minor < total_minor:
        raise InvalidOrder(f"{format_money(tendered_minor, currency)} does not cover the total of "
                           f"{format_money(total_minor, currency)}.", field="tendered_minor",
                           details={"total_minor": total_minor, "tendered_minor": tendered_minor})
    return CounterPayment(method, total_minor, tendered_minor=tendered_minor)


def shortage_message(shortages: list[dict]) -> str:
    """One sentence for the counter: which products the store's shelf is short of, and by how many."""
    return ("Not enough on the shop's shelf: " + "; ".join(
        f"{s['sku']}: {s['requested']} asked, {s['available']} there" for s in shortages)
        + ". Nothing was sold; take the line off or sell fewer.")
