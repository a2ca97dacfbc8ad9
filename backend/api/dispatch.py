"""Delivery runs API: build a driver's run, order its stops, the driver's reorder, start the run."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..edge.command_schemas import RunReorderV1, build_reorder
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.fields import ID_RANGE
from ..edge.text import Text
from ..extensions import db
from ..queries.dispatch import list_runs, run_view, visible_run

blp = Blueprint("api_runs", __name__, url_prefix="/api/v1/runs", description="Delivery runs (dispatch)")
blp.before_request(authenticate)


class RunCreateSchema(Schema):
    driver_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    run_date = fields.Date(required=True)
    shipment_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE), required=True,
                               validate=validate.Length(1, 200))
    planned_start = fields.Time(load_default=None, metadata={
        "description": "When the run leaves, on the shop's clock (WAYBILL_TIMEZONE), like 07:30; left out: the "
                       "run's start so far, else the shop's usual start (WAYBILL_DISPATCH_START_TIME)"})


class MoveStopSchema(Schema):
    position = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    base_version = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE)


class ReorderSchema(RunReorderV1):
    """The run.reorder command's schema, with the run taken from the URL."""

    class Meta:
        exclude = ("run_id",)


class EmptySchema(Schema):
    pass


class AddressOutSchema(Schema):
    name = Text()
    line1 = Text()
    line2 = Text()
    city = Text()
    postcode = Text()
    country = Text()
    phone = Text()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class StopSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    status = Text()
    eta = fields.DateTime(allow_none=True)
    shipment_id = fields.Integer()
    tracking_number = Text()
    order_id = fields.Integer()
    order_number = Text()
    cod_due_minor = fields.Integer(metadata={"description": "Cash to collect, minor units (0 unless COD)"})
    currency = Text()
    delivery_notes = Text()
    version = fields.Integer()
    address = fields.Nested(AddressOutSchema)
    located = fields.Boolean(metadata={"description": "False: no coordinates, placed last, no ETA"})


class RunSchema(Schema):
    id = fields.Integer()
    driver_id = fields.Integer()
    driver_name = Text()
    warehouse_id = fields.Integer()
    warehouse_code = Text()
    warehouse_name = Text()
    run_date = fields.Date()
    planned_start = fields.Time(allow_none=True, metadata={
        "description": "When the run leaves on the shop's clock; null: the shop's usual start"})
    status = Text()
    version = fields.Integer()
    created_at = fields.DateTime()
    cod_total_minor = fields.Integer()
    stops = fields.List(fields.Nested(StopSchema))


class RunQuerySchema(Schema):
    date = fields.Date()
    driver_id = fields.Integer(validate=ID_RANGE)


def _view(run):
    return run_view(db.session, run)


@blp.route("")
class Runs(MethodView):
    """Delivery runs."""

    @blp.arguments(RunCreateSchema())
    @blp.response(201, RunSchema)
    def post(self, data):
        """Put own-fleet shipments on a driver's run for a day (owner, manager); stops are ordered nearest
        first from the warehouse, addresses without coordinates last."""
        run = bus().handle(commands.AssignToRun(data["driver_id"], data["run_date"], tuple(data["shipment_ids"]),
                                                data["planned_start"]), current_actor())
        return _view(run), 201, {"Location": f"/api/v1/runs/{run.id}"}

    @blp.arguments(RunQuerySchema(), location="query")
    @blp.response(200, RunSchema(many=True))
    def get(self, filters):
        """Runs you may see (drivers only their own)."""
        return [_view(r) for r in list_runs(db.session, current_actor(), run_date=filters.get("date"),
                                            driver_id=filters.get("driver_id"))]


@blp.route("/<id:run_id>")
class RunItem(MethodView):
    """One run."""

    @blp.response(200, RunSchema)
    def get(self, run_id):
        """A run with its stops in order."""
        return _view(visible_run(db.session, current_actor(), run_id))


@blp.route("/<id:run_id>/stops/<id:stop_id>/move")
class MoveStop(MethodView):
    """Move one stop."""

    @blp.arguments(MoveStopSchema())
    @blp.response(200, RunSchema)
    def post(self, data, run_id, stop_id):
        """Move a stop to another position (office, or the run's driver)."""
        return _view(bus().handle(commands.MoveStop(run_id, stop_id, data["position"], data["base_version"]),
                                  current_actor()))


@blp.route("/<id:run_id>/reorder")
class Reorder(MethodView):
    """The driver's own stop order."""

    @blp.arguments(ReorderSchema(partial=("base_version",)))
    @blp.response(200, RunSchema)
    def post(self, data, run_id):
        """Visit the stops in this order (every stop id once); refused with `run.changed` if the run moved on."""
        return _view(bus().handle(build_reorder({**data, "run_id": run_id}), current_actor()))


@blp.route("/<id:run_id>/start")
class Start(MethodView):
    """Leave with the run."""

    @blp.arguments(EmptySchema())
    @blp.response(200, RunSchema)
    def post(self, data, run_id):
        """Start the run: every stop's order goes out for delivery."""
        return _view(bus().handle(commands.StartRun(run_id), current_actor()))
