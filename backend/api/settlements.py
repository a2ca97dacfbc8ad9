"""Cash settlements over the API: the office's read, per run and per driver (owner and managers)."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from ..domain.access import OFFICE, require_role
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.read_schemas import SettlementQuery
from ..edge.text import Text
from ..extensions import db
from ..queries.settlements import list_settlements

blp = Blueprint("api_settlements", __name__, url_prefix="/api/v1/settlements",
                description="Drivers' cash handed in against what their stops collected")
blp.before_request(authenticate)


class ExceptionStateSchema(Schema):
    """The office exception an unbalanced run opened, and how it was resolved."""

    id = fields.Integer()
    status = Text()
    resolution_note = Text()
    resolved_by = Text(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


class RunSettlementSchema(Schema):
    """One run's cash: expected (what its stops recorded), counted (handed in), difference, the driver's note."""

    run_id = fields.Integer()
    run_date = fields.Date()
    driver_id = fields.Integer(allow_none=True)
    driver_name = Text()
    stops = fields.Integer()
    expected_minor = fields.Integer(metadata={"description": "Minor units (pence)"})
    counted_minor = fields.Integer(metadata={"description": "Minor units (pence)"})
    difference_minor = fields.Integer(metadata={"description": "Counted minus expected; negative when short"})
    currency = Text()
    note = Text()
    settled_at = fields.DateTime()
    settled_by = Text(allow_none=True)
    balanced = fields.Boolean()
    exception = fields.Nested(ExceptionStateSchema, allow_none=True)


class DriverTotalSchema(Schema):
    """One driver's totals over the runs read."""

    driver_id = fields.Integer(allow_none=True)
    driver_name = Text()
    runs = fields.Integer()
    expected_minor = fields.Integer()
    counted_minor = fields.Integer()
    difference_minor = fields.Integer()
    currency = Text()


class SettlementsSchema(Schema):
    """Settled runs, newest run date first, and each driver's totals."""

    runs = fields.List(fields.Nested(RunSettlementSchema))
    drivers = fields.List(fields.Nested(DriverTotalSchema))


@blp.route("")
class Settlements(MethodView):
    """The office's read of cash settlements."""

    @blp.arguments(SettlementQuery(), location="query")
    @blp.response(200, SettlementsSchema)
    def get(self, query):
        """Settled runs in the date range (by run date), with each driver's totals; owner and managers only."""
        require_role(current_actor(), *OFFICE)
        return list_settlements(db.session, **query)
