"""/api/v1/sync: phones push their queued offline commands and pull what changed (photos: blobs.py)."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ..bootstrap import bus
from ..domain.access import Role, can_see_change, require_role
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.fields import StockLevelSchema
from ..edge.text import Text
from ..extensions import db
from ..queries.catalogue import stock_levels
from ..queries.changes import CURSOR, changes_after, head, parse_cursor
from .replay import ReplayInterrupted, last_processed_seq, register_device, replay

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Offline sync for floor staff and drivers")
blp.before_request(authenticate)

MAX_BATCH_COMMANDS = 50
MAX_BATCH_BYTES = 256 * 1024  # photos never travel in a push; they go to the blob endpoint
RETRY_AFTER_SECONDS = 30  # after an unexpected error: the phone sends the rest again later


@blp.before_request
def _bounded_batch():
    """Refuse an oversized push before its body is parsed, and cap what is read of a chunked one."""
    request.max_content_length = MAX_BATCH_BYTES  # counted while reading: no Content-Length, same cap
    if (request.content_length or 0) > MAX_BATCH_BYTES:
        abort(413, message=f"A push may carry at most {MAX_BATCH_BYTES // 1024} KB; send fewer commands.")


class PushSchema(Schema):
    """A bounded batch of queued commands from one device; each command is checked on its own."""

    # One bad command (a string that is not text included) is answered on its own, never refuses the batch.
    TEXT_CHECKED_PER_ENTRY = ("commands",)

    device_id = fields.UUID(required=True)
    # Any JSON value, null included: a malformed entry is answered on its own, never refuses the batch.
    commands = fields.List(fields.Raw(allow_none=True), required=True,
                           validate=validate.Length(1, MAX_BATCH_COMMANDS))


class CommandResultSchema(Schema):
    id = fields.String(allow_none=True, metadata={"description": "null for an entry without a usable id"})
    seq = fields.Integer(allow_none=True)
    index = fields.Integer(metadata={"description": "The entry's position in the pushed `commands` list"})
    status = fields.String(metadata={"enum": ["applied", "applied_with_exception", "duplicate", "rejected"]})
    original_status = fields.String(metadata={"description": "For a duplicate: what the first push got"})
    code = fields.String(metadata={"description": "For a rejection: stable code (invalid, upgrade_required, ...)"})
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    events = fields.List(fields.Dict(), metadata={"description": "What the command changed (aggregate versions)"})
    exceptions = fields.List(fields.Dict(), metadata={
        "description": "For applied_with_exception: what the office was told ({id, code, message})"})


class PushResultSchema(Schema):
    results = fields.List(fields.Nested(CommandResultSchema))
    last_processed_seq = fields.Integer(allow_none=True)


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
        if not register_device(bus(), actor, device_id):
            abort(403, message="This device's queue belongs to another user; sign in as them to send it.")
        try:
            return replay(bus(), db.session, actor, device_id, data["commands"])
        except ReplayInterrupted as stopped:
            # What was processed is committed and is answered; the entries without a result
            # stay queued on the phone, which sends them again after Retry-After.
            retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            if not stopped.results:
                abort(503, message="The server could not process this push; nothing was saved. Try again later.",
                      headers=retry)
            return {"results": stopped.results, "last_processed_seq": _progress(device_id)}, 200, retry


def _progress(device_id: str) -> int | None:
    """The device's progress for an interrupted push; unknown (null) if the database is what failed."""
    try:
        return last_processed_seq(db.session, device_id)
    except Exception:
        db.session.rollback()
        return None


class PullQuerySchema(Schema):
    cursor = Text(load_default=None, metadata={"description": "From the last pull; leave out for a fresh snapshot",
                                               "pattern": CURSOR.pattern})
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 500))


class ChangeSchema(Schema):
    event_id = fields.String()
    name = fields.String()
    aggregate_type = fields.String()
    aggregate_id = fields.Integer(allow_none=True)
    aggregate_version = fields.Integer()
    payload = fields.Dict()
    occurred_at = fields.DateTime()


class SnapshotSchema(Schema):
    stock_levels = fields.List(fields.Nested(StockLevelSchema))


class PullResultSchema(Schema):
    reset = fields.Boolean(metadata={"description": "True: replace local data with `snapshot`, then pull from `cursor`"})
    snapshot = fields.Nested(SnapshotSchema)
    changes = fields.List(fields.Nested(ChangeSchema))
    cursor = fields.String()
    has_more = fields.Boolean()


def _snapshot(actor) -> dict:
    """What a phone starts from: the stock levels it may see (runs and pick lists join with their issues)."""
    if actor.is_office:
        return {"stock_levels": stock_levels(db.session)}
    if actor.role == Role.FLOOR:
        return {"stock_levels": stock_levels(db.session, warehouse_ids=actor.warehouse_ids)}
    return {"stock_levels": []}


@blp.route("/pull")
class Pull(MethodView):
    """Download of what changed in the caller's scope."""

    @blp.arguments(PullQuerySchema(), location="query")
    @blp.response(200, PullResultSchema())
    def get(self, args):
        """Changes after the cursor (never skipping one that commits late); no cursor: a fresh snapshot."""
        actor = current_actor()
        require_role(actor, Role.FLOOR, Role.DRIVER, Role.OWNER, Role.MANAGER)
        db.session.rollback()  # one snapshot for everything below (REPEATABLE READ on PostgreSQL)
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        if args["cursor"] is None:
            return {"reset": True, "snapshot": _snapshot(actor), "changes": [], "cursor": head(db.session),
                    "has_more": False}
        position = parse_cursor(args["cursor"])
        if position is None:
            abort(400, message="This cursor was not issued by this server; pull without one to start afresh.",
                  errors={"cursor": ["Not a valid cursor."]})
        page = changes_after(db.session, position, args["limit"])
        # The cursor moves past events the caller may not see too: they are skipped, not waited for.
        visible = [e for e in page.events if can_see_change(actor, e["aggregate_type"], e["payload"])]
        return {"reset": False, "changes": visible, "cursor": page.cursor, "has_more": page.has_more}
