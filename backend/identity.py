"""Turns a signed-in user row into the domain's Actor."""
from __future__ import annotations

from .domain.access import Actor, Role


def actor_for(user) -> Actor:
    """The Actor the domain rules see for this user."""
    role = Role(user.role)
    # Only floor staff are scoped to warehouses; skipping the lookup saves a query per API call.
    warehouse_ids = frozenset(user.warehouse_ids) if role == Role.FLOOR else frozenset()
    return Actor(user_id=user.id, role=role, customer_id=user.customer_id, warehouse_ids=warehouse_ids)
