"""The JSON API under /api/v1: its flask-smorest Api (the OpenAPI document, problem+json errors) and blueprints."""
from __future__ import annotations

import http
import logging

from flask import Flask, render_template, request
from flask_smorest import Api
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from ..domain.errors import DomainError
from ..edge.errors import handle_domain_error
from ..edge.fields import MAX_ID, IdConverter
from ..edge.problems import PROBLEM_JSON, ProblemSchema, flatten_errors, problem
from ..extensions import csrf
from .openapi import ProblemResponses, nul_free_text, problem_response

log = logging.getLogger(__name__)


def wants_api(path: str) -> bool:
    """True for requests answered in JSON (the API), False for pages."""
    return path.startswith("/api/")


class WaybillApi(Api):
    """flask-smorest's Api, answering every API error as application/problem+json."""

    ERROR_SCHEMA = ProblemSchema  # documents the problem shape as every operation's default response
    # The document's sections (tags) in the order a reader meets them, whoever registers them when: the app
    # factory registers sync's two after the API's own, and they stay next to stock. Others go last.
    SECTIONS = ("api_auth", "catalogue", "customers", "exceptions", "api_orders", "api_counter", "stock", "sync",
                "sync_blobs", "api_shipments", "api_runs", "api_settlements", "api_bank", "api_picking", "api_imports",
                "channels", "channel_webhooks", "channel_listings", "push",
                "webhooks")

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

    def register_blueprint(self, blp, **options):
        """flask-smorest's register_blueprint; the blueprint's section takes its place in SECTIONS order.

        The ordered list is the spec's `tags` option, which apispec writes over the tags in registration order.
        """
        super().register_blueprint(blp, **options)
        sections = self.spec.options.setdefault("tags", [])
        sections.append({"name": options.get("name", blp.name), "description": blp.description})
        sections.sort(key=lambda tag: self.SECTIONS.index(tag["name"]) if tag["name"] in self.SECTIONS
                      else len(self.SECTIONS))

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


def init_api(app: Flask) -> WaybillApi:
    """Register the API blueprints, the bearer scheme and the error handlers; the app factory adds sync's to the Api."""
    api = WaybillApi(app, spec_kwargs={"info": {"description": "Waybill order management API. "
                                                "Authenticate with a bearer token from POST /api/v1/auth/tokens."}})
    api.register_converter(IdConverter, lambda _c: {"type": "integer", "minimum": 1, "maximum": MAX_ID})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    from . import auth, catalogue, customers, exceptions, orders, stock
    from . import bank, counter, dispatch, settlements, shipping, webhooks
    for module in (auth, catalogue, customers, exceptions, orders, counter, stock, shipping, dispatch, settlements,
                   bank, webhooks):
        csrf.exempt(module.blp)  # bearer tokens, not cookies: no CSRF exposure
        api.register_blueprint(module.blp)
    from . import payments  # card and wallet payments; the provider's webhooks are signed, not token-bearing
    for blueprint in (payments.blp, payments.webhooks):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    from . import picking  # floor: pick lists, picking, packing
    csrf.exempt(picking.blp)
    api.register_blueprint(picking.blp)
    from . import channel_listings, channels  # shop channels: their signed webhooks (no token: the signature is
    # the proof), intake, and what is pushed to them
    for channel_blueprint in (channels.webhooks, channels.blp, channel_listings.blp):
        csrf.exempt(channel_blueprint)
        api.register_blueprint(channel_blueprint)
    from . import imports  # CSV files: raw text/csv bodies with their own size cap
    csrf.exempt(imports.blp)
    api.register_blueprint(imports.blp)
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
