"""/api/v1/sync: phones push their queued offline commands here (pull and blobs come next)."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ..api import Blueprint, current_actor
from ..api.auth import authenticate
from ..bootstrap import bus
from ..domain.access import Role, require_role
from ..extensions import db
from .replay import register_device, replay

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Offline sync for floor staff and drivers")
blp.before_request(authenticate)

MAX_BATCH_COMMANDS = 50
MAX_BATCH_BYTES = 256 * 1024  # photos never travel in a push; they go to the blob endpoint


@blp.before_request
def _bounded_batch():
    """Refuse an oversized push before its body is parsed."""
    if (request.content_length or 0) > MAX_BATCH_BYTES:
        abort(413, message=f"A push may carry at most {MAX_BATCH_BYTES // 1024} KB; send fewer commands.")


class PushSchema(Schema):
    """A bounded batch of queued commands from one device; each command is checked on its own."""

    device_id = fields.UUID(required=True)
    commands = fields.List(fields.Raw(), required=True, validate=validate.Length(1, MAX_BATCH_COMMANDS))


class CommandResultSchema(Schema):
    id = fields.String(allow_none=True)
    seq = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": ["applied", "duplicate", "rejected"]})
    original_status = fields.String(metadata={"description": "For a duplicate: what the first push got"})
    code = fields.String(metadata={"description": "For a rejection: stable code (invalid, upgrade_required, ...)"})
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    events = fields.List(fields.Dict(), metadata={"description": "What the command changed (aggregate versions)"})


class PushResultSchema(Schema):
    results = fields.List(fields.Nested(CommandResultSchema))
    last_processed_seq = fields.Integer()


@blp.route("/push")
class Push(MethodView):
    """Upload of a device's offline command log."""

    @blp.arguments(PushSchema())
    @blp.response(200, PushResultSchema())
    def post(self, data):
        """Replay queued commands in seq order, each exactly once; every command gets its own outcome."""
        actor = current_actor()
        require_role(actor, Role.FLOOR, Role.DRIVER, Role.OWNER, Role.MANAGER)
        device_id = str(data["device_id"])
        if register_device(db.session, actor, device_id) is None:
            abort(403, message="This device's queue belongs to another user; sign in as them to send it.")
        return replay(bus(), db.session, actor, device_id, data["commands"])
