"""RFC 9457 problem details: the one error shape of the API and the sync endpoints, and its schema."""
from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields

from .text import Text

PROBLEM_TYPES = "https://waybill.dev/problems/"
PROBLEM_JSON = "application/problem+json"


class ProblemSchema(Schema):
    """RFC 9457 problem details (application/problem+json)."""

    type = Text()
    title = Text()
    status = fields.Integer()
    detail = Text()
    code = Text(metadata={"description": "Stable machine-readable error code"})
    errors = fields.Dict(keys=Text(), values=fields.List(Text()),
                         metadata={"description": "Field path -> messages"})
    details = fields.Dict(metadata={"description": "Facts about a refused change (e.g. unknown SKUs, the current "
                                                   "version), depending on `code`"})


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """{'json': {'lines': {0: {'quantity': [..]}}}} -> {'lines.0.quantity': [..]}; drops webargs' location."""
    if isinstance(messages, dict) and not prefix and set(messages) <= {"json", "query", "headers", "form",
                                                                         "view_args", "files", "cookies"}:
        flat: dict[str, list[str]] = {}
        for value in messages.values():
            flat.update(flatten_errors(value))
        return flat
    if isinstance(messages, dict):
        flat = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": messages}
    return {prefix or "_schema": [str(messages)]}


def problem(status: int, title: str, detail: str = "", *, code: str | None = None,
            errors: dict | None = None, headers: dict | None = None, **extra):
    """A problem+json response with a stable `code` and, for validation, per-field `errors`."""
    body = {"type": PROBLEM_TYPES + (code or str(status)).replace(".", "/"), "title": title,
            "status": status}
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
