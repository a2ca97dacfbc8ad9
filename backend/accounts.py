"""Creating user accounts (CLI and demo data); passwords are hashed with argon2."""
from __future__ import annotations

import sqlalchemy as sa

from .adapters.records import User
from .adapters.sqlite import fresh_write
from .domain.access import Role
from .domain.catalogue import Warehouse
from .extensions import db
from .passwords import hash_password


class AccountError(ValueError):
    """An account cannot be created as asked."""


def create_user(email: str, password: str, role: str, *, name: str = "", customer_id: int | None = None,
                warehouse_ids=()) -> User:
    """Create an active user; floor staff need at least one warehouse, customers a customer record."""
    role = Role(role).value
    email = email.strip().lower()
    if len(password) < 10:
        raise AccountError("Passwords need at least 10 characters.")
    if role == Role.CUSTOMER.value and customer_id is None:
        raise AccountError("A customer account must be linked to a customer record.")
    if role == Role.FLOOR.value and not warehouse_ids:
        raise AccountError("Floor staff must be assigned to at least one warehouse.")
    password_hash = hash_password(password)  # slow on purpose: done before the write lock is taken
    with fresh_write(db.session) as session:
        if session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none():
            raise AccountError(f"{email} already has an account.")
        user = User(email=email, name=name or email.split("@")[0].title(), password_hash=password_hash,
                    role=role, customer_id=customer_id, active=True)
        user.warehouses = [session.get(Warehouse, wid) for wid in warehouse_ids]
        if any(w is None for w in user.warehouses):
            raise AccountError("Unknown warehouse id.")
        session.add(user)
        session.commit()
    return user
