"""Domain errors carry a stable code that API clients and pages can rely on."""
from __future__ import annotations


class DomainError(Exception):
    """A rule of the business was broken; `code` is stable, `message` is for people."""

    code = "domain_error"
    status = 409  # the HTTP status an entry point should answer with

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 details: dict | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.details = details or {}
        # Field path -> message, for a refusal about several fields at once (`field` names just one).
        self.errors = dict(errors or {})
        if field and field not in self.errors:
            self.errors[field] = message


class IllegalTransition(DomainError):
    """An order was asked to move to a status its current status does not lead to."""

    code = "order.illegal_transition"


class InvalidOrder(DomainError):
    """The order as asked for cannot exist (no lines, unknown product, bad quantity)."""

    code = "order.invalid"
    status = 422


class CurrencyMismatch(DomainError):
    """Two amounts in different currencies were combined."""

    code = "money.currency_mismatch"
    status = 422


class StockError(DomainError):
    """A stock movement would break the ledger (negative on hand, reserved above on hand)."""

    code = "stock.invalid_movement"
    status = 409


class NotFound(DomainError):
    """The thing asked for does not exist or is not visible to the caller."""

    code = "not_found"
    status = 404


class Forbidden(DomainError):
    """The caller's role or scope does not allow this action."""

    code = "forbidden"
    status = 403


class ConcurrentUpdate(Exception):
    """A concurrent change got in the way (a deadlock or a serialization failure): running the command again is safe.

    Raised by a unit of work (adapters) in place of its database's own error; not a broken business rule.
    """


class DuplicateRow(Exception):
    """A write broke one of the store's constraints, typically because a concurrent request saved the same
    unique thing first; raised by a unit of work (adapters) in place of its database's own error.
    """
