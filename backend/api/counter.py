"""Point of sale API: a counter sale from the store's shelf, paid at once, and its receipt."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields

from ..bootstrap import bus
from ..domain.access import OFFICE, require_role
from ..domain.errors import NotFound
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.idempotency import key_problem
from ..edge.order_schemas import build_sale
from ..edge.text import Text
from ..extensions import db
from ..queries.counter import counter_receipt
from .orders import order_json
from .schemas import CounterSaleSchema, OrderSchema

blp = Blueprint("api_counter", __name__, url_prefix="/api/v1/counter", description="Point of sale")
blp.before_request(authenticate)


class CounterPaymentSchema(Schema):
    tender = Text(metadata={"description": "card or cash"})
    paid_minor = fields.Integer()
    terminal_reference = Text(allow_none=True)
    tendered_minor = fields.Integer(allow_none=True)
    change_minor = fields.Integer(metadata={"description": "Cash given back, minor units (0 for a card)"})


class CounterSaleResultSchema(Schema):
    order = fields.Nested(OrderSchema)
    payment = fields.Nested(CounterPaymentSchema)
    receipt_url = Text(metadata={"description": "The printable receipt page"})


def _result(order_id: int) -> dict:
    receipt = counter_receipt(db.session, order_id)
    payment = {name: receipt["payment"].get(name) for name in CounterPaymentSchema().fields}
    return {"order": order_json(receipt["order"]), "payment": payment,
            "receipt_url": url_for("counter.receipt", order_id=order_id, _external=True)}


@blp.route("/sales")
class CounterSales(MethodView):
    """Sales at the counter."""

    @blp.arguments(CounterSaleSchema())
    @blp.response(201, CounterSaleResultSchema)
    @blp.alt_response(200, schema=CounterSaleResultSchema,
                      description="A retried request (same Idempotency-Key): the first sale")
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 255},
                          "description": "Retrying with the same key returns the first sale instead of a new one"}])
    def post(self, data):
        """Sell from the store's shelf, paid at once (owner, manager): stock leaves at once, the order ends
        collected at the counter. Not enough on the shelf: 409 counter.not_enough_stock, nothing written."""
        key = request.headers.get("Idempotency-Key")
        problem = key_problem(key)
        if problem:
            abort(400, message=f"Idempotency-Key: {problem}", errors={"Idempotency-Key": [problem]})
        order, created = bus().handle(build_sale(data, key), current_actor())
        headers = {"Location": f"/api/v1/orders/{order.id}"}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return current_app.json.response(_result(order.id)), (201 if created else 200), headers


@blp.route("/sales/<id:order_id>")
class CounterSale(MethodView):
    """One counter sale."""

    @blp.response(200, CounterSaleResultSchema)
    def get(self, order_id):
        """A counter sale with how it was paid and its receipt's address (owner, manager)."""
        require_role(current_actor(), *OFFICE)
        if counter_receipt(db.session, order_id) is None:
            raise NotFound("No such counter sale.")
        return _result(order_id)
