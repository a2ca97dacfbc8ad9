"""CSV imports API: upload a file of orders or of products with stock, read its check, import it, follow it.

POST /imports/<kind> takes the CSV file as the raw body (Content-Type: text/csv), copies it to storage a
piece at a time (size cap WAYBILL_CSV_MAX_BYTES) and answers its check: rows, a preview and every problem
with its line. POST /imports/<id>/commit starts the import (all or nothing, in the background);
GET /imports/<id> shows how far it is and, at the end, its report. Owner and manager only.
"""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ..bootstrap import blob_storage, bus, start_csv_import
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.csv_import import KINDS, ORDERS, PRODUCTS
from ..domain.delivery import BlobTooLarge
from ..domain.errors import NotFound
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.csv_upload import CsvUploadRefused, size_words, stage_csv
from ..edge.errors import current_actor
from ..extensions import db
from ..queries.csv_imports import csv_import

blp = Blueprint("api_imports", __name__, url_prefix="/api/v1/imports",
                description="CSV imports of orders and of products with stock")
blp.before_request(authenticate)


class RowProblemSchema(Schema):
    line = fields.Integer(metadata={"description": "Line in the file; 1 is the header"})
    column = fields.String()
    message = fields.String()


class FailureSchema(Schema):
    line = fields.Integer(allow_none=True)
    message = fields.String()


class CsvImportSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(KINDS))
    filename = fields.String()
    size = fields.Integer(metadata={"description": "Bytes"})
    status = fields.String(validate=validate.OneOf(("checked", "invalid", "queued", "importing", "imported",
                                                    "failed")))
    rows = fields.Integer(metadata={"description": "Rows below the header (order lines or product rows)"})
    rows_done = fields.Integer(metadata={"description": "Rows imported so far (progress)"})
    problem_count = fields.Integer()
    problems = fields.List(fields.Nested(RowProblemSchema), metadata={"description": "The first 500 problems"})
    preview = fields.List(fields.Dict(), metadata={"description": "The first rows as they will be imported"})
    report = fields.Dict(metadata={"description": "rows, orders_created, orders_already_imported, customers_created, "
                                   "orders_short, products_created, products_updated, stock_levels_set, seconds"})
    failure = fields.Nested(FailureSchema, metadata={"description": "Why a failed import stopped (nothing written)"})
    stalled = fields.Boolean(metadata={"description": "Queued or importing with nothing running it (its server "
                                       "stopped part-way; nothing was written): POST .../restart starts it again"})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class UploadQuerySchema(Schema):
    filename = fields.String(load_default="upload.csv", validate=validate.Length(min=1, max=255))


_CSV_BODY = {"required": True, "description": "The CSV file itself (UTF-8, header row first; see README)",
             "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}}}


def _found(import_id: int) -> dict:
    found = csv_import(db.session, import_id)
    if found is None:
        raise NotFound("No such import.")
    return found


def _upload(kind: str, filename: str):
    """Copy the body to storage (type and size checked) and check it as a file of `kind`."""
    actor = current_actor()
    require_role(actor, *OFFICE)
    cap = current_app.config["WAYBILL_CSV_MAX_BYTES"]
    if (request.content_length or 0) > cap:
        abort(413, message=f"A CSV file may be at most {size_words(cap)}; split it into smaller files.",
              code="csv.too_large")
    request.max_content_length = cap + 1  # the app-wide body cap is for JSON, smaller than a file
    try:
        staged = stage_csv(blob_storage(), request.stream, filename=filename, content_type=request.mimetype,
                           max_bytes=cap, too_large=BlobTooLarge)
    except CsvUploadRefused as refused:
        abort(refused.status, message=refused.message, code=refused.code, errors={"body": [refused.message]})
    try:
        staged.place()
        job = bus().handle(commands.CheckCsvImport(kind, filename, staged.key, staged.size), actor)
    finally:
        staged.discard()
    return _found(job.id), 201


@blp.route("/orders")
class OrdersUpload(MethodView):
    """Upload a CSV file of orders to check."""

    @blp.arguments(UploadQuerySchema(), location="query")
    @blp.doc(requestBody=_CSV_BODY)
    @blp.response(201, CsvImportSchema)
    @blp.alt_response(413, description="The file is over the size cap")
    @blp.alt_response(415, description="Not a CSV text file")
    def post(self, query):
        """Check a CSV file of orders: row count, preview and every problem by line (owner, manager)."""
        return _upload(ORDERS, query["filename"])


@blp.route("/products")
class ProductsUpload(MethodView):
    """Upload a CSV file of products with stock to check."""

    @blp.arguments(UploadQuerySchema(), location="query")
    @blp.doc(requestBody=_CSV_BODY)
    @blp.response(201, CsvImportSchema)
    @blp.alt_response(413, description="The file is over the size cap")
    @blp.alt_response(415, description="Not a CSV text file")
    def post(self, query):
        """Check a CSV file of products with their stock per warehouse (owner, manager)."""
        return _upload(PRODUCTS, query["filename"])


@blp.route("/<id:import_id>")
class CsvImportItem(MethodView):
    """One import."""

    @blp.response(200, CsvImportSchema)
    def get(self, import_id):
        """Its check, its progress while it runs and its report at the end (owner, manager)."""
        require_role(current_actor(), *OFFICE)
        return _found(import_id)


@blp.route("/<id:import_id>/commit")
class CsvImportCommit(MethodView):
    """Import a checked file."""

    @blp.response(202, CsvImportSchema)
    def post(self, import_id):
        """Import the whole file in one transaction, in the background: follow it with GET (owner, manager)."""
        actor = current_actor()
        job = bus().handle(commands.QueueCsvImport(import_id), actor)
        start_csv_import(job.id, actor)
        return _found(job.id)


@blp.route("/<id:import_id>/restart")
class CsvImportRestart(MethodView):
    """Start again an import that stopped part-way."""

    @blp.response(202, CsvImportSchema)
    def post(self, import_id):
        """Queue again an import whose server stopped part-way (`stalled`: nothing of it was written), and run it
        from the first row; 409 while it still runs or once it finished (owner, manager)."""
        actor = current_actor()
        job = bus().handle(commands.RestartCsvImport(import_id), actor)
        start_csv_import(job.id, actor)
        return _found(job.id)
