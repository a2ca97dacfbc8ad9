"""Who calls a JSON endpoint: a bearer token, or the PWA's own session cookie (then CSRF is checked on writes)."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user
from flask_smorest import abort
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from ..domain.access import Actor, Role
from ..identity import actor_for
from ..tokens import note_token_use, token_holder, warehouses_of


def authenticate() -> None:
    """Resolve the caller to g.api_actor: a bearer token, or the PWA's own session cookie; else 401.

    One narrow query (token joined to its user) runs on every API call; floor staff pay one more for
    their warehouses.
    """
    header = request.headers.get("Authorization", "")
    if not header and current_user.is_authenticated:
        _authenticate_session()
        return
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        abort(401, message="Send an API token: 'Authorization: Bearer <token>' (POST /api/v1/auth/tokens).")
    row = token_holder(value.strip(), for_write=request.method not in ("GET", "HEAD", "OPTIONS"))
    if row is None or row.revoked_at is not None or not row.active:
        abort(401, message="This token is unknown, revoked, or its user is deactivated.")
    warehouse_ids = warehouses_of(row.user_id) if row.role == Role.FLOOR.value else frozenset()
    g.api_actor = Actor(user_id=row.user_id, role=Role(row.role), customer_id=row.customer_id,
                        warehouse_ids=warehouse_ids)
    note_token_use(row.id, row.last_used_at)


def _authenticate_session() -> None:
    """The signed-in page calling the API (the offline queue): a cookie, so CSRF is checked on writes."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            abort(403, message="Missing or stale CSRF token; reload the page and try again.")
    g.api_actor = actor_for(current_user)
