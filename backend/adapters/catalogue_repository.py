"""Products, warehouses and customers; and the idempotency keys of order intake."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.catalogue import Customer, Product, Warehouse
from .data_mapper import DataMapper
from .mappings import CUSTOMER, PRODUCT, WAREHOUSE
from .precompiled import PrecompiledBySize, typed_bind
from .records import IdempotencyKey
from .tables import customers, products, warehouses

_PRODUCTS_BY_SKU = PrecompiledBySize(lambda n: sa.select(products).where(
    products.c.sku.in_([typed_bind(products.c.sku, f"sku_{i}") for i in range(n)]), products.c.active.is_(True)))


class CatalogueRepository:
    """Products, warehouses and customers."""

    def __init__(self, session, mapper: DataMapper):
        self.session, self.mapper = session, mapper

    def add(self, thing: Product | Warehouse | Customer) -> None:
        """Stage a new product, warehouse or customer (stored at the next flush)."""
        self.mapper.add(thing)

    def products_by_sku(self, skus) -> dict[str, Product]:
        """Active products keyed by SKU: read-only copies for pricing (change products through product())."""
        skus = sorted(set(skus))
        if not skus:
            return {}
        rows = _PRODUCTS_BY_SKU(len(skus)).run(self.session, {f"sku_{i}": sku for i, sku in enumerate(skus)})
        return {row.sku: PRODUCT.build(row._asdict()) for row in rows}

    def product(self, product_id: int) -> Product | None:
        """One product by id."""
        return self.mapper.get(Product, product_id)

    def product_by_sku(self, sku: str) -> Product | None:
        """One product by SKU, active or not."""
        found = self.mapper.load(PRODUCT, sa.select(products).where(products.c.sku == sku))
        return found[0] if found else None

    def warehouse(self, warehouse_id: int) -> Warehouse | None:
        """One warehouse by id."""
        return self.mapper.get(Warehouse, warehouse_id)

    def warehouse_by_code(self, code: str) -> Warehouse | None:
        """One warehouse by its code (the store the counter sells from)."""
        found = self.mapper.load(WAREHOUSE, sa.select(warehouses).where(warehouses.c.code == code))
        return found[0] if found else None

    def customer_by_email(self, email: str) -> Customer | None:
        """One customer by e-mail (stored lower-case)."""
        found = self.mapper.load(CUSTOMER, sa.select(customers).where(customers.c.email == email.lower()))
        return found[0] if found else None

    def customer(self, customer_id: int, *, for_update: bool = False) -> Customer | None:
        """One customer by id (locked for a change of their settings)."""
        return self.mapper.get(Customer, customer_id, for_update=for_update)

    def customer_by_mail_token(self, token: str, *, for_update: bool = False) -> Customer | None:
        """The customer behind an unsubscribe link's key, or None."""
        query = sa.select(customers).where(customers.c.mail_token == token)
        if for_update:
            query = query.with_for_update()
        found = self.mapper.load(CUSTOMER, query, refresh=for_update)
        return found[0] if found else None


class IdempotencyRepository:
    """Idempotency-Keys of API clients and the orders they created."""

    def __init__(self, session):
        self.session = session

    def find(self, user_id: int, key: str) -> IdempotencyKey | None:
        """The stored key of this user, if the request was seen before."""
        return self.session.execute(sa.select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)).scalar_one_or_none()

    def store(self, user_id: int, key: str, request_hash: str | None, order_id: int) -> None:
        """Remember the key in the same transaction as the order; a racing twin hits the unique index."""
        self.session.add(IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash or "",
                                        order_id=order_id))
        self.session.flush()
