"""Stock API: levels, the movement ledger, and manual adjustments."""
from __future__ import annotations

from flask.views import MethodView

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, Role, require_role, require_warehouse
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.fields import StockLevelSchema
from ..edge.stock_schemas import StockCountV1, build_count
from ..extensions import db
from ..queries.catalogue import movements, stock_levels
from .schemas import AdjustmentSchema, MovementPageSchema, MovementQuerySchema, StockQuerySchema

blp = Blueprint("stock", __name__, url_prefix="/api/v1/stock", description="Stock levels and ledger")
blp.before_request(authenticate)


def _warehouse_scope(filters: dict):
    """The warehouses the caller may read: all for the office, their own for floor staff."""
    actor = current_actor()
    require_role(actor, *(OFFICE | {Role.FLOOR}))
    wanted = filters.get("warehouse_id")
    if wanted is not None:
        require_warehouse(actor, wanted)
        return {wanted}
    return None if actor.is_office else set(actor.warehouse_ids)


@blp.route("")
class StockLevels(MethodView):
    """Stock levels per warehouse and product."""

    @blp.arguments(StockQuerySchema(), location="query")
    @blp.response(200, StockLevelSchema(many=True))
    def get(self, filters):
        """On hand, reserved, available and incoming units."""
        return stock_levels(db.session, warehouse_ids=_warehouse_scope(filters), product_id=filters.get("product_id"))


@blp.route("/movements")
class StockMovements(MethodView):
    """The append-only stock ledger."""

    @blp.arguments(MovementQuerySchema(), location="query")
    @blp.response(200, MovementPageSchema)
    def get(self, filters):
        """Movements newest first; levels always equal the sum of these."""
        return movements(db.session, warehouse_ids=_warehouse_scope(filters), product_id=filters.get("product_id"),
                         page=filters["page"], page_size=filters["page_size"])


@blp.route("/adjustments")
class StockAdjustments(MethodView):
    """Manual stock changes."""

    @blp.arguments(AdjustmentSchema())
    @blp.response(201, StockLevelSchema)
    def post(self, data):
        """Receive, correct or announce stock in one warehouse (office, or floor staff in their warehouse)."""
        return bus().handle(commands.AdjustStock(**data), current_actor())


@blp.route("/counts")
class StockCounts(MethodView):
    """Stock counts: what was counted on a shelf against the on-hand the counter saw."""

    @blp.arguments(StockCountV1())
    @blp.response(201, StockLevelSchema)
    def post(self, data):
        """Record a count as its difference from `expected_on_hand`; a warehouse with no stock level for the
        product yet gets one (expected_on_hand 0). Refused with 409 if the on-hand moved since it was seen."""
        return bus().handle(build_count(data), current_actor())
