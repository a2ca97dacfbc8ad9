"""Bank transfers over the API: read a statement CSV, list the lines a person must look at, settle them."""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.errors import NotFound
from ..edge.authentication import authenticate
from ..edge.bank_statement_csv import StatementUnreadable, read_statement
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.text import Text
from ..extensions import db
from ..queries.bank_statements import list_statement_lines, order_id_for_number, statement_line

blp = Blueprint("api_bank", __name__, url_prefix="/api/v1/bank",
                description="Bank transfers: statements read in, matched to orders, the rest for a person")
blp.before_request(authenticate)

CSV_BODY = {"required": True, "description": "The statement as the bank exports it: a header line naming at least "
            "a date and an amount column (also understood: currency, reference, payer, transaction id).",
            "content": {"text/csv": {"schema": {"type": "string"}},
                        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                            "file": {"type": "string", "format": "binary"}}}}}}


class StatementQuery(Schema):
    """How to read the statement."""

    preview = fields.Boolean(load_default=False, metadata={"description": "Say what would happen, write nothing"})
    file_name = Text(load_default="", validate=validate.Length(max=200))


class LineResultSchema(Schema):
    """What the import made of one credit."""

    line_id = fields.Integer(allow_none=True, metadata={"description": "None in a preview"})
    line_number = fields.Integer(metadata={"description": "In the file, the header being line 1"})
    outcome = Text(metadata={"description": "matched, partial, overpaid or unmatched"})
    order_id = fields.Integer(allow_none=True, metadata={"description": "The order the money was recorded on"})
    message = Text()


class StatementReportSchema(Schema):
    """A statement read: how many credits, how many for a person, and each credit's result."""

    file_name = Text()
    preview = fields.Boolean()
    credits = fields.Integer()
    debits_skipped = fields.Integer()
    duplicates = fields.Integer(metadata={"description": "Credits an earlier import already read: nothing added"})
    matched = fields.Integer()
    partial = fields.Integer()
    overpaid = fields.Integer()
    unmatched = fields.Integer()
    to_check = fields.Integer(metadata={"description": "Partial, overpaid and unmatched: listed for a person"})
    results = fields.List(fields.Nested(LineResultSchema))


class LinesQuery(Schema):
    """Which lines."""

    status = Text(load_default="open", validate=validate.OneOf(["open", "settled", "all"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class StatementLineSchema(Schema):
    """One credit read from a statement, and where it stands."""

    id = fields.Integer()
    booked_on = fields.Date()
    amount_minor = fields.Integer(metadata={"description": "Minor units (pence)"})
    currency = Text()
    reference = Text()
    payer = Text()
    outcome = Text()
    message = Text()
    order_id = fields.Integer(allow_none=True)
    order_number = Text(allow_none=True)
    status = Text(metadata={"description": "open (a person must look) or settled"})
    settle_note = Text()
    settled_by = Text(allow_none=True)
    settled_at = fields.DateTime(allow_none=True)
    line_number = fields.Integer()
    file_name = Text()


class StatementLinesSchema(Schema):
    """Lines, newest booking first, with how many are open in all."""

    lines = fields.List(fields.Nested(StatementLineSchema))
    open = fields.Integer()
    total = fields.Integer()


class MatchSchema(Schema):
    """Which order an unmatched credit pays."""

    order = Text(required=True, validate=validate.Length(min=1, max=20),
                 metadata={"description": "The order number, e.g. WB-000123"})
    note = Text(load_default="", validate=validate.Length(max=500))


class SettleSchema(Schema):
    """What a person did about a listed line."""

    note = Text(required=True, validate=validate.Length(min=1, max=500))


def statement_bytes() -> tuple[bytes, str]:
    """The uploaded statement (multipart `file`, or a text/csv body) and its file name."""
    upload = request.files.get("file")
    if upload is not None:
        return upload.read(), upload.filename or "statement.csv"
    if request.mimetype in ("text/csv", "text/plain", "application/vnd.ms-excel"):
        return request.get_data(), "statement.csv"
    abort(415, message="Send the statement as text/csv, or as a multipart form with a 'file' field.",
          code="bank.not_csv")


def report_json(report, read, preview: bool) -> dict:
    """The import's report as the API and the page show it."""
    return {"file_name": report.file_name, "preview": preview, "credits": report.credits,
            "debits_skipped": read.debits_skipped, "duplicates": report.duplicates, **report.counts,
            "to_check": report.to_check, "results": report.results}


def import_statement(raw: bytes, file_name: str, *, preview: bool):
    """Read and import a statement through the bus; row errors abort with every broken line named."""
    try:
        read = read_statement(raw, currency=current_app.config["WAYBILL_CURRENCY"])
    except StatementUnreadable as exc:
        abort(422, message=str(exc), code="bank.statement_unreadable", errors={"file": [str(exc)]})
    if read.errors:
        broken = len(read.errors)
        abort(422, message=f"{broken} {'line' if broken == 1 else 'lines'} of the statement cannot be read; "
                           f"nothing was imported.",
              code="bank.statement_invalid", errors=read.problem_errors())
    report = bus().handle(commands.ImportBankStatement(file_name=file_name[:200], lines=tuple(read.credits),
                                                       preview=preview), current_actor())
    return report, read


@blp.route("/statements")
class Statements(MethodView):
    """Statements read in."""

    @blp.arguments(StatementQuery(), location="query")
    @blp.response(201, StatementReportSchema)
    @blp.alt_response(200, schema=StatementReportSchema, description="A preview: nothing was written")
    @blp.doc(requestBody=CSV_BODY)
    def post(self, query):
        """Read a statement: each credit recorded on the order it pays, the rest listed; all or nothing."""
        require_role(current_actor(), *OFFICE)
        raw, name = statement_bytes()
        report, read = import_statement(raw, query["file_name"] or name, preview=query["preview"])
        return report_json(report, read, query["preview"]), 200 if query["preview"] else 201


@blp.route("/lines")
class Lines(MethodView):
    """Statement lines."""

    @blp.arguments(LinesQuery(), location="query")
    @blp.response(200, StatementLinesSchema)
    def get(self, query):
        """Lines by status (open by default: what a person must look at), newest booking first."""
        require_role(current_actor(), *OFFICE)
        return list_statement_lines(db.session, **query)


@blp.route("/lines/<id:line_id>/match")
class MatchLine(MethodView):
    """Say which order a credit pays."""

    @blp.arguments(MatchSchema())
    @blp.response(200, StatementLineSchema)
    def post(self, body, line_id):
        """Record an unmatched credit on the order named; the line closes with the note."""
        require_role(current_actor(), *OFFICE)
        order_id = order_id_for_number(db.session, body["order"])
        if order_id is None:
            raise NotFound(f"No order {body['order']}.", field="order")
        bus().handle(commands.MatchStatementLine(line_id, order_id, body["note"]), current_actor())
        return _line_json(line_id)


@blp.route("/lines/<id:line_id>/settle")
class SettleLine(MethodView):
    """Close a listed line."""

    @blp.arguments(SettleSchema())
    @blp.response(200, StatementLineSchema)
    def post(self, body, line_id):
        """Close a line once a person has dealt with it (asked for the rest, sent the excess back, not ours)."""
        require_role(current_actor(), *OFFICE)
        bus().handle(commands.SettleStatementLine(line_id, body["note"]), current_actor())
        return _line_json(line_id)


def _line_json(line_id: int) -> dict:
    line = statement_line(db.session, line_id)
    if line is None:
        raise NotFound("No such statement line.")
    return line
