"""What the OpenAPI document says about errors and strings, made to match what the API does.

Every error the API sends is an RFC 9457 problem (application/problem+json, `edge.problems.problem`), and some
errors come from layers every operation passes through: the bearer-token check (401), the path converters
and lookups (404), JSON body parsing and the body size cap (400, 413), the message bus's role and state
rules (403, 409, 422). These are documented here once, for every operation they apply to, rather than by
hand on each view.
"""
from __future__ import annotations

import http

from apispec import BasePlugin

from ..edge.problems import PROBLEM_JSON
from ..edge.text import Text
# Text fields refuse NUL characters (edge.text.Text); in the document, a pattern says so. ECMA-262 and
# Python read this pattern alike.
NUL_FREE = "^[^\\u0000]*$"
WRITE_METHODS = {"post", "put", "patch", "delete"}


def problem_response(status: http.HTTPStatus, error_schema) -> dict:
    """A response object documenting a problem+json body (no body for 1xx, 204 and 304)."""
    response = {"description": status.phrase}
    if not (100 <= status < 200) and status not in (204, 304):
        response["content"] = {PROBLEM_JSON: {"schema": error_schema}}
    return response


class ProblemResponses(BasePlugin):
    """apispec plugin: the error answers an operation can give because of the layers it passes through.

    Runs on every operation as apispec registers it; a status the view documents itself is left alone.
    The values are names of the component responses WaybillApi registers (problem+json bodies).
    """

    def operation_helper(self, path=None, operations=None, **kwargs):
        """Add 400/413 (JSON body), 401/403 (bearer token, roles), 404 (path ids), 409/422 (writes)."""
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            wanted = []
            if "requestBody" in operation:
                wanted += [400, 413]  # malformed JSON; a body over MAX_CONTENT_LENGTH
            if operation.get("security") != []:
                wanted += [401, 403]  # no or a revoked token; a role or scope that may not do this
            if "{" in (path or ""):
                wanted.append(404)  # an id that does not exist or that the caller may not see
            if method in WRITE_METHODS and operation.get("security") != []:
                wanted += [409, 422]  # the bus refuses a change the state or a domain rule does not allow
            for status in wanted:
                responses.setdefault(str(status), http.HTTPStatus(status).name)


def nul_free_text(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: a Text field without a pattern of its own gets the NUL-free pattern.

    A field with a Regexp validator already documents a pattern that allows no NUL.
    """
    if isinstance(field, Text) and "pattern" not in ret:
        return {"pattern": NUL_FREE}
    return {}
