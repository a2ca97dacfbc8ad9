"""The office's exception queue over the API: list, and resolve with a note."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.exception_queue import MAX_NOTE, OPEN, RESOLVED
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.text import Text
from ..extensions import db
from ..queries.exception_queue import list_exceptions

blp = Blueprint("exceptions", __name__, url_prefix="/api/v1/exceptions",
                description="Facts that clashed with the plan, waiting for a person")
blp.before_request(authenticate)


class ExceptionQuerySchema(Schema):
    """Which exceptions to list."""

    status = fields.String(load_default=OPEN, validate=validate.OneOf([OPEN, RESOLVED, "all"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class ExceptionSchema(Schema):
    """One exception: what happened, about which order, who raised it, and how it ended."""

    id = fields.Integer()
    code = fields.String()
    message = fields.String()
    order_id = fields.Integer(allow_none=True)
    order_number = fields.String(allow_none=True)
    status = fields.String()
    raised_by = fields.String(allow_none=True)
    command_id = fields.String(allow_none=True)
    data = fields.Dict()
    opened_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolution_note = fields.String()


class ResolutionSchema(Schema):
    """What the person did about it."""

    note = Text(required=True, validate=validate.Length(1, MAX_NOTE))


@blp.route("")
class Exceptions(MethodView):
    """The exception queue (owner and managers)."""

    @blp.arguments(ExceptionQuerySchema(), location="query")
    @blp.response(200, ExceptionSchema(many=True))
    def get(self, query):
        """Open exceptions oldest first, or resolved ones newest first."""
        require_role(current_actor(), *OFFICE)
        status = None if query["status"] == "all" else query["status"]
        return list_exceptions(db.session, status=status, limit=query["limit"])


@blp.route("/<id:exception_id>/resolve")
class ResolveException(MethodView):
    """Close an exception."""

    @blp.arguments(ResolutionSchema())
    @blp.response(200, ExceptionSchema)
    def post(self, data, exception_id):
        """Resolve with a note; a second resolution of the same exception is a 409."""
        bus().handle(commands.ResolveException(exception_id, data["note"]), current_actor())
        return list_exceptions(db.session, status=None, exception_id=exception_id)[0]
