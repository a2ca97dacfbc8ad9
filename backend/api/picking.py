"""Picking and packing API: pick lists (batch, read, claim, pick, scan, short), the box suggestion, closing a pack,
and reducing an order line before it ships. Every write goes through the bus with the caller as actor."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, Role, require_role, require_warehouse
from ..domain.errors import NotFound
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.fields import ID_RANGE
from ..edge.text import Text
from ..extensions import db
from ..queries.picking import box_suggestion, packable_order, pick_list, pick_lists
from .schemas import OrderSchema

blp = Blueprint("api_picking", __name__, url_prefix="/api/v1", description="Picking and packing")
blp.before_request(authenticate)

UNITS = validate.Range(1, 10_000)


# -- schemas ---------------------------------------------------------------------------------------------
class PickListCreateSchema(Schema):
    warehouse_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    order_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE), load_default=list,
                            validate=validate.Length(0, 200),
                            metadata={"description": "Allocated orders to batch; empty: every one waiting"})


class PickListQuerySchema(Schema):
    warehouse_id = fields.Integer(validate=ID_RANGE)
    status = Text(validate=validate.OneOf(["open", "claimed", "done"]))


class PickLineSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    order_line_id = fields.Integer()
    product_id = fields.Integer()
    sku = Text()
    barcode = Text(allow_none=True)
    bin_code = Text(allow_none=True)
    quantity = fields.Integer()
    picked_quantity = fields.Integer()
    short_quantity = fields.Integer()
    remaining = fields.Integer()
    complete = fields.Boolean()


class ProgressSchema(Schema):
    lines = fields.Integer()
    lines_done = fields.Integer()
    units = fields.Integer()
    picked = fields.Integer()
    short = fields.Integer()
    remaining = fields.Integer()


class PickListSchema(Schema):
    id = fields.Integer()
    warehouse_id = fields.Integer()
    status = Text(metadata={"enum": ["open", "claimed", "done"]})
    claimed_by_id = fields.Integer(allow_none=True)
    claimed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    order_ids = fields.List(fields.Integer())
    progress = fields.Nested(ProgressSchema)
    lines = fields.List(fields.Nested(PickLineSchema), attribute="walk",
                        metadata={"description": "In walking order (bin, then SKU)"})


class PickSchema(Schema):
    quantity = fields.Integer(load_default=1, strict=True, validate=UNITS)
    scanned = Text(load_default=None, allow_none=True, validate=validate.Length(0, 64),
                   metadata={"description": "The barcode or SKU read; a wrong item is refused (pick.wrong_item)"})


class ScanSchema(Schema):
    scanned = Text(required=True, validate=validate.Length(1, 64))


class ShortSchema(Schema):
    missing = fields.Integer(required=True, strict=True, validate=UNITS)


class BoxSchema(Schema):
    code = Text()
    name = Text()
    inner_length_mm = fields.Integer()
    inner_width_mm = fields.Integer()
    inner_height_mm = fields.Integer()
    max_weight_grams = fields.Integer()
    tare_grams = fields.Integer()


class SuggestionSchema(Schema):
    box = fields.Nested(BoxSchema, allow_none=True)
    actual_grams = fields.Integer(metadata={"description": "Items plus the box"})
    dimensional_grams = fields.Integer(metadata={"description": "L x W x H / divisor"})
    chargeable_grams = fields.Integer(metadata={"description": "max(actual, dimensional)"})
    divisor = fields.Integer()
    reason = Text()


class ParcelInSchema(Schema):
    box_code = Text(required=True, validate=validate.Length(1, 32))
    weight_grams = fields.Integer(required=True, strict=True, validate=validate.Range(1, 70_000))


class PackCloseSchema(Schema):
    parcels = fields.List(fields.Nested(ParcelInSchema), required=True, validate=validate.Length(1, 20))
    order_version = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE,
                                   metadata={"description": "The order version the packer saw"})
    order_status = Text(load_default=None, allow_none=True, validate=validate.Length(0, 20))
    warehouse_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE,
                                  metadata={"description": "The warehouse whose part of a split order is packed "
                                                           "(default: the packer's own)"})


class ReduceLineSchema(Schema):
    quantity = fields.Integer(required=True, strict=True, validate=UNITS)
    reason = Text(load_default="", validate=validate.Length(0, 500))


# -- helpers ---------------------------------------------------------------------------------------------
def _readable_list(pick_list_id: int):
    actor = current_actor()
    require_role(actor, *(OFFICE | {Role.FLOOR}))
    found = pick_list(db.session, pick_list_id)
    if found is None or not (actor.is_office or found.warehouse_id in actor.warehouse_ids):
        raise NotFound("No such pick list.")
    return found


# -- routes ----------------------------------------------------------------------------------------------
@blp.route("/pick-lists")
class PickLists(MethodView):

    @blp.arguments(PickListQuerySchema(), location="query")
    @blp.response(200, PickListSchema(many=True))
    def get(self, filters):
        """Pick lists of the warehouses you work in (all for the office), newest first."""
        actor = current_actor()
        require_role(actor, *(OFFICE | {Role.FLOOR}))
        wanted = filters.get("warehouse_id")
        if wanted is not None:
            require_warehouse(actor, wanted)
        scope = {wanted} if wanted is not None else (None if actor.is_office else set(actor.warehouse_ids))
        return pick_lists(db.session, scope, statuses=[filters["status"]] if filters.get("status") else None)

    @blp.arguments(PickListCreateSchema())
    @blp.response(201, PickListSchema)
    def post(self, data):
        """Batch allocated orders of a warehouse into a pick list, lines sorted by bin (office, or floor staff
        in their own warehouse)."""
        pick_list = bus().handle(commands.CreatePickList(data["warehouse_id"], tuple(data["order_ids"])),
                                 current_actor())
        return pick_list, 201, {"Location": f"/api/v1/pick-lists/{pick_list.id}"}


@blp.route("/pick-lists/<id:pick_list_id>")
class PickListItem(MethodView):

    @blp.response(200, PickListSchema)
    def get(self, pick_list_id):
        """One pick list with its lines in walking order and its progress."""
        return _readable_list(pick_list_id)


@blp.route("/pick-lists/<id:pick_list_id>/claim")
class PickListClaim(MethodView):

    @blp.response(200, PickListSchema)
    def post(self, pick_list_id):
        """Claim the list (409 pick_list.claimed when another picker has it; yours again is a no-op)."""
        return bus().handle(commands.ClaimPickList(pick_list_id), current_actor())


@blp.route("/pick-lists/<id:pick_list_id>/scan")
class PickListScan(MethodView):

    @blp.arguments(ScanSchema())
    @blp.response(200, PickListSchema)
    def post(self, data, pick_list_id):
        """A scanned barcode or SKU picks one unit for the first line of that product still to pick."""
        return bus().handle(commands.ScanPick(pick_list_id, data["scanned"]), current_actor())


@blp.route("/pick-lines/<id:pick_line_id>/pick")
class PickLinePick(MethodView):

    @blp.arguments(PickSchema())
    @blp.response(200, PickListSchema)
    def post(self, data, pick_line_id):
        """Record units picked for a line (a fact, as a delta)."""
        return bus().handle(commands.RecordPick(pick_line_id, data["quantity"], data["scanned"]), current_actor())


@blp.route("/pick-lines/<id:pick_line_id>/short")
class PickLineShort(MethodView):

    @blp.arguments(ShortSchema())
    @blp.response(200, PickListSchema)
    def post(self, data, pick_line_id):
        """Report units missing on the shelf: taken off stock, reallocated or backordered, the office told."""
        return bus().handle(commands.ShortPick(pick_line_id, data["missing"]), current_actor())


def _packable_order(order_id: int):
    actor = current_actor()
    require_role(actor, *(OFFICE | {Role.FLOOR}))
    return packable_order(db.session, actor, order_id)


@blp.route("/packing/orders/<id:order_id>/suggestion")
class PackSuggestion(MethodView):

    @blp.response(200, SuggestionSchema)
    def get(self, order_id):
        """The smallest catalogue box that fits the order's picked items, and its chargeable weight."""
        order = _packable_order(order_id)
        divisor = bus().settings.dim_weight_divisor
        actor = current_actor()
        # Floor staff of one warehouse pack that warehouse's part of a split order: suggest its box.
        only = next(iter(actor.warehouse_ids)) if not actor.is_office and len(actor.warehouse_ids) == 1 else None
        s = box_suggestion(db.session, order, divisor, only)
        return {"box": s.box, "actual_grams": s.actual_grams, "dimensional_grams": s.dimensional_grams,
                "chargeable_grams": s.chargeable_grams, "divisor": divisor, "reason": s.reason}


@blp.route("/packing/orders/<id:order_id>/close")
class PackClose(MethodView):

    @blp.arguments(PackCloseSchema())
    @blp.response(200, OrderSchema)
    def post(self, data, order_id):
        """Record the parcel(s) with their weight and mark the order packed (409 if it changed since you saw it)."""
        return bus().handle(commands.ClosePack(order_id, tuple((p["box_code"], p["weight_grams"])
                                                               for p in data["parcels"]),
                                               base_version=data["order_version"], base_status=data["order_status"],
                                               warehouse_id=data["warehouse_id"]),
                            current_actor())


@blp.route("/orders/<id:order_id>/lines/<id:order_line_id>/reduce")
class OrderLineReduce(MethodView):

    @blp.arguments(ReduceLineSchema())
    @blp.response(200, OrderSchema)
    def post(self, data, order_id, order_line_id):
        """Reduce a line before it ships (office): stock released, allocation and pick lines shrunk."""
        return bus().handle(commands.ReduceOrderLine(order_id, order_line_id, data["quantity"], data["reason"]),
                            current_actor())

