"""Products and warehouses API."""
from __future__ import annotations

from flask.views import MethodView

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, STAFF, Role, require_role, require_warehouse
from ..domain.errors import NotFound
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..extensions import db
from ..queries.catalogue import bins_of, list_products, list_warehouses, product as stored_product
from ..queries.catalogue import warehouse as stored_warehouse
from .schemas import (BinSchema, ProductCreateSchema, ProductFields, ProductQuerySchema, ProductSchema,
                      WarehouseCreateSchema, WarehouseSchema)

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1", description="Products and warehouses")
blp.before_request(authenticate)


@blp.route("/products")
class Products(MethodView):
    """The product catalogue."""

    @blp.arguments(ProductQuerySchema(), location="query")
    @blp.response(200, ProductSchema(many=True))
    def get(self, filters):
        """List products (everyone signed in may browse the catalogue)."""
        return list_products(db.session, **filters)

    @blp.arguments(ProductCreateSchema())
    @blp.response(201, ProductSchema)
    def post(self, data):
        """Add a product (owner, manager)."""
        core = {k: data.pop(k) for k in ("sku", "name", "price_minor", "currency")}
        return bus().handle(commands.CreateProduct(attributes=data, **core), current_actor())


@blp.route("/products/<id:product_id>")
class ProductItem(MethodView):
    """One product."""

    @blp.response(200, ProductSchema)
    def get(self, product_id):
        """Read a product."""
        product = stored_product(db.session, product_id)
        if product is None:
            raise NotFound("No such product.")
        return product

    @blp.arguments(ProductFields())
    @blp.response(200, ProductSchema)
    def patch(self, changes, product_id):
        """Change a product's details (owner, manager); SKU and currency cannot change."""
        return bus().handle(commands.UpdateProduct(product_id, changes), current_actor())


@blp.route("/warehouses")
class Warehouses(MethodView):
    """Warehouses."""

    @blp.response(200, WarehouseSchema(many=True))
    def get(self):
        """List warehouses (staff; floor staff see their own)."""
        actor = current_actor()
        require_role(actor, *STAFF)
        return list_warehouses(db.session, None if actor.role != Role.FLOOR else actor.warehouse_ids)

    @blp.arguments(WarehouseCreateSchema())
    @blp.response(201, WarehouseSchema)
    def post(self, data):
        """Open a warehouse with its bins (owner, manager)."""
        return bus().handle(commands.CreateWarehouse(data["code"], data["name"], data["address"], data["latitude"],
                                                     data["longitude"], tuple(data["bins"])), current_actor())


@blp.route("/warehouses/<id:warehouse_id>")
class WarehouseItem(MethodView):
    """One warehouse."""

    @blp.response(200, WarehouseSchema)
    def get(self, warehouse_id):
        """Read a warehouse."""
        actor = current_actor()
        require_role(actor, *STAFF)
        warehouse = stored_warehouse(db.session, warehouse_id)
        if warehouse is None:
            raise NotFound("No such warehouse.")
        if actor.role == Role.FLOOR:
            require_warehouse(actor, warehouse_id)
        return warehouse


@blp.route("/warehouses/<id:warehouse_id>/bins")
class WarehouseBins(MethodView):
    """Bin locations of a warehouse."""

    @blp.response(200, BinSchema(many=True))
    def get(self, warehouse_id):
        """List bins in walking order."""
        actor = current_actor()
        require_role(actor, *(OFFICE | {Role.FLOOR}))
        require_warehouse(actor, warehouse_id)
        return bins_of(db.session, warehouse_id)
