"""Order totals computed from the catalogue, never taken from the client."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidOrder
from .money import Money


@dataclass(frozen=True)
class TaxPolicy:
    """Tax rate in basis points by destination country, prices quoted before tax."""

    rates_bps: dict
    default_bps: int

    def rate_for(self, country: str) -> int:
        """The rate that applies to goods shipped to `country`."""
        return self.rates_bps.get(country.upper(), self.default_bps)


@dataclass(frozen=True)
class ShippingPolicy:
    """A base charge plus a charge per started kilogram, free above a goods value."""

    base_minor: int
    per_kg_minor: int
    free_over_minor: int

    def charge(self, subtotal: Money, weight_g: int) -> Money:
        """Shipping for goods worth `subtotal` weighing `weight_g`."""
        if self.free_over_minor and subtotal.amount >= self.free_over_minor:
            return Money.zero(subtotal.currency)
        started_kg = -(-weight_g // 1000)  # ceiling: carriers bill every started kilogram
        return Money(self.base_minor + self.per_kg_minor * started_kg, subtotal.currency)


@dataclass(frozen=True)
class PricedLine:
    """One line as charged: unit price from the catalogue, tax rounded per line."""

    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Money
    net: Money
    tax: Money


@dataclass(frozen=True)
class Quote:
    """The full price of an order."""

    lines: list
    subtotal: Money
    shipping: Money
    tax: Money
    total: Money


def quote(items, *, currency: str, country: str, tax: TaxPolicy, shipping: ShippingPolicy) -> Quote:
    """Price (product, quantity) pairs; all products must be sold in the shop's currency."""
    if not items:
        raise InvalidOrder("an order needs at least one line", field="lines")
    rate = tax.rate_for(country)
    priced, weight = [], 0
    subtotal, tax_total = Money.zero(currency), Money.zero(currency)
    for index, (product, quantity) in enumerate(items):
        if quantity <= 0:
            raise InvalidOrder("quantity must be at least 1", field=f"lines.{index}.quantity")
        if product.currency != currency:
            raise InvalidOrder(f"{product.sku} is priced in {product.currency}, the shop sells in {currency}",
                               field=f"lines.{index}.sku")
        net = product.price * quantity
        line_tax = net.share_bps(rate)
        priced.append(PricedLine(product.id, product.sku, product.name, quantity, product.price, net,
                                 line_tax))
        subtotal, tax_total = subtotal + net, tax_total + line_tax
        weight += product.weight_g * quantity
    ship = shipping.charge(subtotal, weight)
    tax_total = tax_total + ship.share_bps(rate)
    return Quote(priced, subtotal, ship, tax_total, subtotal + ship + tax_total)
