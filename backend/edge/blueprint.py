"""The Blueprint of every JSON endpoint (the API's and the sync's): our body parser, problem+json errors."""
from __future__ import annotations

import json
import re

import flask_smorest
from marshmallow import ValidationError
from webargs import missing
from webargs.flaskparser import FlaskParser

from .problems import PROBLEM_JSON, ProblemSchema
from .text import invalid_text_paths

# JSON can carry a lone surrogate or a NUL only as an escape (raw ones are not valid UTF-8 or JSON), so a
# body without `\uD8..`-`\uDF..` or `\u0000` needs no walk: the common case costs one byte search.
_MAY_HOLD_NON_TEXT = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser: undecodable JSON is a 400, and strings that are not text are a 422.

    The text check covers the whole body (object keys and free-form members included), so no
    endpoint can store a lone surrogate whatever its schema says. A schema whose list members are
    answered one by one (the sync push: one outcome per command) names that list in
    `TEXT_CHECKED_PER_ENTRY` and checks each entry itself, so one bad entry cannot refuse the rest.
    """

    def load_json(self, req, schema):
        data = super().load_json(req, schema)
        if data is missing or not _MAY_HOLD_NON_TEXT.search(req.get_data(cache=True)):
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
