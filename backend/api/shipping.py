"""Shipments API: create with a carrier, read, list, download the label."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.shipping import ShipmentStatus
from ..edge.authentication import authenticate
from ..edge.command_schemas import FailedDeliveryDecisionV1, build_decision
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.fields import ID_RANGE
from ..edge.text import Text
from ..extensions import db
from ..queries.dispatch import list_shipments, visible_shipment

blp = Blueprint("api_shipments", __name__, url_prefix="/api/v1/shipments", description="Shipments and labels")
blp.before_request(authenticate)


class ShipmentCreateSchema(Schema):
    order_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    carrier = Text(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,32}$", error="Not a carrier code."),
                   metadata={"description": "'own_fleet' or the external carrier's code"})
    service = Text(load_default="standard", validate=validate.Regexp(r"^[a-z0-9_]{1,64}$"))
    warehouse_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE,
                                  metadata={"description": "The warehouse whose packed part of a split order "
                                                           "ships (default: the packed part)"})


class ShipmentSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    warehouse_id = fields.Integer()
    carrier = Text()
    service = Text()
    tracking_number = Text()
    label_format = Text(metadata={"description": "pdf, png or zpl"})
    status = Text()
    created_at = fields.DateTime()
    created_by_id = fields.Integer(allow_none=True)
    label_url = fields.Method("_label_url")
    slip_url = fields.Method("_slip_url")

    def _label_url(self, shipment):
        return f"/api/v1/shipments/{shipment.id}/label"

    def _slip_url(self, shipment):
        return f"/shipping/{shipment.id}/print"


class DecisionSchema(FailedDeliveryDecisionV1):
    """The office's decision, with the shipment taken from the URL."""

    class Meta:
        exclude = ("shipment_id",)


class ShipmentQuerySchema(Schema):
    status = Text(validate=validate.OneOf([s.value for s in ShipmentStatus]))
    order_id = fields.Integer(validate=ID_RANGE)
    carrier = Text(validate=validate.Length(1, 32))


@blp.route("")
class Shipments(MethodView):
    """The shipment collection."""

    @blp.arguments(ShipmentCreateSchema())
    @blp.response(201, ShipmentSchema)
    def post(self, data):
        """Ship a packed order: the carrier gives a tracking number and label, the order becomes shipped.

        Own fleet shipments then wait for dispatch. A carrier failure answers 422 (refused), 502
        (failing/bad answer) or 504 (timeout) and nothing is saved."""
        shipment = bus().handle(commands.CreateShipment(data["order_id"], data["carrier"], data["service"],
                                                        data["warehouse_id"]),
                                current_actor())
        return shipment, 201, {"Location": f"/api/v1/shipments/{shipment.id}"}

    @blp.arguments(ShipmentQuerySchema(), location="query")
    @blp.response(200, ShipmentSchema(many=True))
    def get(self, filters):
        """Shipments you may see (office all, floor their warehouses, drivers their runs'), newest first."""
        return list_shipments(db.session, current_actor(), **filters)


@blp.route("/<id:shipment_id>")
class ShipmentItem(MethodView):
    """One shipment."""

    @blp.response(200, ShipmentSchema)
    def get(self, shipment_id):
        """Read a shipment."""
        return visible_shipment(db.session, current_actor(), shipment_id)


@blp.route("/<id:shipment_id>/label")
class ShipmentLabel(MethodView):
    """The carrier's label as stored."""

    @blp.response(200, description="The label file (PDF, PNG or ZPL)")
    def get(self, shipment_id):
        """Download the label to print it."""
        shipment = visible_shipment(db.session, current_actor(), shipment_id)
        filename = f"label-{shipment.tracking_number}.{shipment.label_format}"
        return Response(bytes(shipment.label_data), mimetype=shipment.label_media_type.split(";")[0],
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "Cache-Control": "private, no-store"})


@blp.route("/<id:shipment_id>/decision")
class ShipmentDecision(MethodView):
    """What happens to a parcel after a failed delivery attempt."""

    @blp.arguments(DecisionSchema())
    @blp.response(200, ShipmentSchema)
    def post(self, data, shipment_id):
        """Owner or manager: put the parcel on a later run (reattempt), hold it for collection (hold), return it
        to the shelf (return: its stock goes back through the ledger), or record that a held parcel was
        collected (collected). A decision that does not fit the shipment's status is a 409."""
        shipment, _ = bus().handle(build_decision({**data, "shipment_id": shipment_id}), current_actor())
        return shipment
