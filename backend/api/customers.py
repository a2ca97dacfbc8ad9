"""Customers API."""
from __future__ import annotations

from flask.views import MethodView

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, Role, require_role
from ..domain.errors import NotFound
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..extensions import db
from ..queries.catalogue import customer as stored_customer, list_customers
from .schemas import CustomerCreateSchema, CustomerSchema, ProductQuerySchema

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers", description="Customers")
blp.before_request(authenticate)


@blp.route("")
class Customers(MethodView):
    """The customer list."""

    @blp.arguments(ProductQuerySchema(only=("q",)), location="query")
    @blp.response(200, CustomerSchema(many=True))
    def get(self, filters):
        """List or search customers (owner, manager)."""
        require_role(current_actor(), *OFFICE)
        return list_customers(db.session, filters.get("q"))

    @blp.arguments(CustomerCreateSchema())
    @blp.response(201, CustomerSchema)
    def post(self, data):
        """Register a customer (owner, manager)."""
        return bus().handle(commands.CreateCustomer(data["email"], data["name"], data["phone"],
                                                    tuple(data["addresses"])), current_actor())


@blp.route("/me")
class MyCustomer(MethodView):
    """The signed-in customer's own record."""

    @blp.response(200, CustomerSchema)
    def get(self):
        """Your customer record (customers only)."""
        actor = current_actor()
        require_role(actor, Role.CUSTOMER)
        customer = stored_customer(db.session, actor.customer_id) if actor.customer_id else None
        if customer is None:
            raise NotFound("No customer record is linked to this account.")
        return customer


@blp.route("/<id:customer_id>")
class CustomerItem(MethodView):
    """One customer."""

    @blp.response(200, CustomerSchema)
    def get(self, customer_id):
        """Read a customer (office, or the customer themself)."""
        actor = current_actor()
        if not actor.is_office and actor.customer_id != customer_id:
            raise NotFound("No such customer.")
        customer = stored_customer(db.session, customer_id)
        if customer is None:
            raise NotFound("No such customer.")
        return customer
