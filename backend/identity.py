"""Turns a signed-in user row into the domain's Actor."""
from __future__ import annotations

from .domain.access import Actor, Role


def actor_for(user) -> Actor:
    """The Actor the domain rules see for this user."""
    return Actor(user_id=user.id, role=Role(user.role), customer_id=user.customer_id,
                 warehouse_ids=frozenset(user.warehouse_ids))
