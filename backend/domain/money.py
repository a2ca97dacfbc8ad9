"""Money as integer minor units plus an ISO 4217 currency; never floats."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import CurrencyMismatch


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (pence, cents) of one currency."""

    amount: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> "Money":
        """Nothing, in the given currency."""
        return cls(0, currency)

    def _same(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, quantity: int) -> "Money":
        return Money(self.amount * quantity, self.currency)

    def __lt__(self, other: "Money") -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: "Money") -> bool:
        self._same(other)
        return self.amount <= other.amount

    def share_bps(self, basis_points: int) -> "Money":
        """This amount times basis_points/10000, rounded half up (tax is rounded per line, like a till)."""
        numerator = self.amount * basis_points
        rounded = (abs(numerator) + 5000) // 10000
        return Money(rounded if numerator >= 0 else -rounded, self.currency)

    def __str__(self) -> str:
        return f"{self.amount / 100:.2f} {self.currency}"


CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def format_money(amount_minor: int, currency: str) -> str:
    """1234, 'GBP' -> '£12.34' (symbol for common currencies, code otherwise): as pages and alerts show it."""
    sign = "-" if amount_minor < 0 else ""
    value = f"{abs(amount_minor) // 100:,}.{abs(amount_minor) % 100:02d}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{value}" if symbol else f"{sign}{value} {currency}"
