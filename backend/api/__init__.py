"""The JSON API under /api/v1: flask-smorest blueprints, problem+json errors, bearer tokens."""
from __future__ import annotations

import http
import json
import logging

import flask_smorest
from flask import Flask, g, render_template, request
from flask_smorest import Api
from sqlalchemy.exc import DataError
from webargs.flaskparser import FlaskParser
from marshmallow import ValidationError
from webargs import missing
from werkzeug.exceptions import HTTPException

from ..domain.errors import DomainError
from ..extensions import csrf
from .openapi import PROBLEM_JSON, ProblemResponses, nul_free_text, problem_response
from .problems import flatten_errors, problem
from .schemas import ProblemSchema
from ..edge.text import invalid_text_paths

log = logging.getLogger(__name__)


def wants_api(path: str) -> bool:
    """True for requests answered in JSON (the API), False for pages."""
    return path.startswith("/api/")


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser: undecodable JSON is a 400, and strings that are not text are a 422.

    The text check covers the whole body (object keys and free-form members included), so no
    endpoint can store a lone surrogate whatever its schema says. A schema whose list members are
    answered one by one (the sync push: one outcome per command) names that list in
    `TEXT_CHECKED_PER_ENTRY` and checks each entry itself, so one bad entry cannot refuse the rest.
    """

    def load_json(self, req, schema):
        data = super().load_json(req, schema)
        if data is missing:
            return data
        per_entry = getattr(schema, "TEXT_CHECKED_PER_ENTRY", ())
        checked = ({key: value for key, value in data.items() if key not in per_entry}
                   if per_entry and isinstance(data, dict) else data)
        problems = invalid_text_paths(checked)
        if problems:
            raise ValidationError(problems)
        return data

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as exc:
            # json.loads raises these instead of JSONDecodeError for nesting deeper than the stack and
            # for integers over Python's 4300-digit limit: the client's malformed input, not a 500.
            raise json.JSONDecodeError(f"Undecodable JSON: {type(exc).__name__}", "<request body>", 0) from exc


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with our parser (its documented way to customise argument parsing)."""

    ARGUMENTS_PARSER = JsonBodyParser()

    def arguments(self, schema, *, location="json", required=None, **kwargs):
        """flask-smorest's arguments; a JSON body none of whose fields is required may be left out.

        webargs reads a missing body as {}, so such a body is optional in fact (an action's reason or note,
        a PATCH): the document says so (requestBody.required: false) unless a view says otherwise.
        """
        if required is None:
            instance = schema() if isinstance(schema, type) else schema
            required = location != "json" or any(f.required for f in instance.fields.values())
        return super().arguments(schema, location=location, required=required, **kwargs)

    def alt_response(self, status_code, response=None, *, schema=None, content_type=None, **kwargs):
        """flask-smorest's alt_response; an error status (4xx, 5xx) is a problem+json body unless told otherwise."""
        if response is None and int(status_code) >= 400:
            schema = schema or ProblemSchema
            content_type = content_type or PROBLEM_JSON
        return super().alt_response(status_code, response, schema=schema, content_type=content_type, **kwargs)


class WaybillApi(Api):
    """flask-smorest's Api, answering every API error as application/problem+json."""

    ERROR_SCHEMA = ProblemSchema  # documents the problem shape as every operation's default response

    def _init_spec(self, *, extra_plugins=None, **kwargs):
        super()._init_spec(extra_plugins=[ProblemResponses(), *(extra_plugins or ())], **kwargs)
        self.ma_plugin.converter.add_attribute_function(nul_free_text)

    def _register_responses(self):
        """The error responses flask-smorest documents (one per status, and the default): problem+json.

        flask-smorest registers them under DEFAULT_RESPONSE_CONTENT_TYPE, the content type of every success
        response too, and has no setting for errors alone; this is its method with that one thing changed.
        """
        for status in http.HTTPStatus:
            self.spec.components.response(status.name, problem_response(status, self.ERROR_SCHEMA), lazy=True)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, {
            "description": "Default error response", "content": {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}},
            lazy=True)

    def handle_http_exception(self, error: HTTPException):
        """HTTP errors: problem+json under /api, an HTML page elsewhere."""
        if error.code >= 500:
            log.exception("unhandled error", exc_info=getattr(error, "original_exception", None) or error)
        if not wants_api(request.path):
            return render_template("error.html", error=error), error.code
        data = getattr(error, "data", None) or {}
        errors = flatten_errors(data["messages"]) if "messages" in data else data.get("errors")
        detail = data.get("message") or (error.description if error.code < 500 else
                                         "Something went wrong on our side; nothing was saved.")
        if errors and set(errors) == {"_schema"}:
            detail = " ".join(errors.pop("_schema"))  # e.g. "Invalid JSON body."
        elif errors:
            detail = data.get("message") or "Some fields are not valid; see errors."
        headers = dict(data.get("headers") or {})
        if getattr(error, "valid_methods", None):  # RFC 9110: a 405 must say which methods are allowed
            headers.setdefault("Allow", ", ".join(error.valid_methods))
        if error.code == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="waybill"')
        return problem(error.code, error.name, detail, code=data.get("code"), errors=errors, headers=headers)


def current_actor():
    """The API caller as a domain Actor (set by the bearer-token check)."""
    return g.api_actor


def handle_domain_error(error: DomainError):
    """Domain rule broken: problem+json with its stable code (pages handle their own)."""
    errors = {path: [message] for path, message in error.errors.items()} or None
    extra = {"details": error.details} if error.details else {}
    return problem(error.status, error.code.replace(".", " ").replace("_", " ").capitalize(), error.message,
                   code=error.code, errors=errors, **extra)


def init_api(app: Flask) -> WaybillApi:
    """Register the API blueprints, the bearer scheme and the error handlers."""
    api = WaybillApi(app, spec_kwargs={"info": {"description": "Waybill order management API. "
                                                "Authenticate with a bearer token from POST /api/v1/auth/tokens."}})
    from .. import IdConverter
    api.register_converter(IdConverter, lambda _c: {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    from ..sync import api as sync_api
    from ..sync import blobs as sync_blobs
    from . import auth, catalogue, customers, exceptions, orders, stock
    from . import dispatch, shipping
    for module in (auth, catalogue, customers, exceptions, orders, stock, sync_api, sync_blobs, shipping, dispatch):
        csrf.exempt(module.blp)  # bearer tokens, not cookies: no CSRF exposure
        api.register_blueprint(module.blp)
    from . import picking  # floor: pick lists, picking, packing
    csrf.exempt(picking.blp)
    api.register_blueprint(picking.blp)
    from . import push  # web push: the tracking token is the key, no cookies read
    csrf.exempt(push.blp)
    api.register_blueprint(push.blp)
    app.register_error_handler(DomainError, _domain_or_page_error)
    app.register_error_handler(DataError, _value_the_database_refused)
    return api


def _value_the_database_refused(error: DataError):
    """Safety net behind validation: a value the database cannot store is the client's 422, never a 500."""
    from ..extensions import db
    db.session.rollback()
    log.warning("database refused a value that validation let through: %s", error.orig)
    if wants_api(request.path):
        return problem(422, "Unprocessable Entity", "A value is out of range or malformed; nothing was saved.",
                       code="invalid_value")
    return render_template("error.html", error=error), 422


def _domain_or_page_error(error: DomainError):
    if wants_api(request.path):
        return handle_domain_error(error)
    return render_template("error.html", error=error), error.status
