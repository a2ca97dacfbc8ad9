"""Who may do what: roles and scopes, as pure rules every entry point shares."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .errors import Forbidden, NotFound


class Role(str, Enum):
    """The roles a user can have."""

    OWNER = "owner"
    MANAGER = "manager"
    FLOOR = "floor"
    DRIVER = "driver"
    CUSTOMER = "customer"


STAFF = frozenset({Role.OWNER, Role.MANAGER, Role.FLOOR, Role.DRIVER})
OFFICE = frozenset({Role.OWNER, Role.MANAGER})


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the domain sees them."""

    user_id: int | None
    role: Role
    customer_id: int | None = None
    warehouse_ids: frozenset = field(default_factory=frozenset)

    @property
    def is_office(self) -> bool:
        """Owner or manager: sees and changes everything."""
        return self.role in OFFICE


SYSTEM = Actor(user_id=None, role=Role.OWNER)  # the CLI and demo loader act as the owner
# Whoever holds a tracking link: no account, no user id; the link's token is what authorizes them.
VISITOR = Actor(user_id=None, role=Role.CUSTOMER)


def require_role(actor: Actor, *roles: Role) -> None:
    """Raise Forbidden unless the actor has one of `roles`."""
    if actor.role not in roles:
        raise Forbidden(f"A {actor.role.value} cannot do this.")


def require_warehouse(actor: Actor, warehouse_id: int) -> None:
    """Floor staff act only in the warehouses they are scoped to; the office acts everywhere."""
    if actor.is_office:
        return
    if actor.role == Role.FLOOR and warehouse_id in actor.warehouse_ids:
        return
    raise Forbidden("You are not assigned to this warehouse.")


def can_view_order(actor: Actor, order) -> bool:
    """Office sees all; a customer their own; floor staff orders with stock in their warehouses."""
    if actor.is_office:
        return True
    if actor.role == Role.CUSTOMER:
        return actor.customer_id is not None and order.customer_id == actor.customer_id
    if actor.role == Role.FLOOR:
        return any(a.warehouse_id in actor.warehouse_ids for line in order.lines for a in line.allocations)
    return False


def ensure_visible(actor: Actor, order) -> None:
    """Raise NotFound (not Forbidden: existence is not leaked) if the actor cannot see the order."""
    if order is None or not can_view_order(actor, order):
        raise NotFound("No such order.")


# What a customer never sees of their own order: why it is held names the shop's risk rules and thresholds.
OFFICE_ONLY_ORDER_FIELDS = ("hold_reasons",)


def sees_office_fields(actor: Actor) -> bool:
    """Staff see an order whole; a customer sees it without the office's notes on it."""
    return actor.role in STAFF


def can_read_audit(actor: Actor) -> bool:
    """The audit trail (who changed what, with internal reasons) is for staff; customers get a timeline."""
    return actor.role in STAFF


def can_see_change(actor: Actor, aggregate_type: str, data: dict) -> bool:
    """Which domain events a phone may pull: the office all; floor staff the stock and pick lists of
    their warehouses; drivers their own runs and proofs."""
    if actor.is_office:
        return True
    if actor.role == Role.FLOOR:
        return aggregate_type in ("stock_level", "pick_list") and data.get("warehouse_id") in actor.warehouse_ids
    if actor.role == Role.DRIVER:
        return aggregate_type in ("delivery_run", "delivery_proof") and data.get("driver_id") == actor.user_id
    return False
