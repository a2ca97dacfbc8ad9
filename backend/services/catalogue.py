"""Catalogue handlers: products, warehouses with their bins, customers."""
from __future__ import annotations

from ..domain import commands
from ..domain.access import Actor, Role, require_role
from ..domain.catalogue import BinLocation, Customer, Product, Warehouse
from ..domain.errors import DomainError, NotFound
from .unit_of_work import UnitOfWork
from .settings import Settings

PRODUCT_FIELDS = ("name", "brand", "category", "price_minor", "weight_g", "length_mm", "width_mm",
                  "height_mm", "barcode", "active")


def create_product(cmd: commands.CreateProduct, actor: Actor, uow: UnitOfWork, settings: Settings) -> Product:
    """Add a product; the SKU must be new and the price in the shop's currency."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    if uow.catalogue.product_by_sku(cmd.sku) is not None:
        raise DomainError(f"SKU {cmd.sku} already exists.", code="product.duplicate_sku", field="sku")
    if cmd.currency != settings.currency:
        raise DomainError(f"This shop sells in {settings.currency}.", code="product.wrong_currency",
                          field="currency")
    product = Product(cmd.sku, cmd.name, cmd.price_minor, cmd.currency, **cmd.attributes)
    uow.catalogue.add(product)
    uow.commit()
    return product


def update_product(cmd: commands.UpdateProduct, actor: Actor, uow: UnitOfWork, settings: Settings) -> Product:
    """Change a product's details (not its SKU or currency)."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    product = uow.catalogue.product(cmd.product_id)
    if product is None:
        raise NotFound("No such product.")
    for name, value in cmd.changes.items():
        if name in PRODUCT_FIELDS:
            setattr(product, name, value)
    uow.commit()
    return product


def create_warehouse(cmd: commands.CreateWarehouse, actor: Actor, uow: UnitOfWork, settings: Settings) -> Warehouse:
    """Open a warehouse with its bin locations."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    warehouse = Warehouse(cmd.code, cmd.name, dict(cmd.address), cmd.latitude, cmd.longitude)
    uow.catalogue.add(warehouse)
    uow.flush()
    for code in cmd.bins:
        uow.catalogue.add(BinLocation(warehouse.id, code))
    uow.commit()
    return warehouse


def create_customer(cmd: commands.CreateCustomer, actor: Actor, uow: UnitOfWork, settings: Settings) -> Customer:
    """Register a customer; e-mail addresses are unique regardless of case."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    if uow.catalogue.customer_by_email(cmd.email) is not None:
        raise DomainError("A customer with this e-mail already exists.", code="customer.duplicate_email",
                          field="email")
    customer = Customer(cmd.email, cmd.name, cmd.phone, [dict(a) for a in cmd.addresses])
    uow.catalogue.add(customer)
    uow.commit()
    return customer
