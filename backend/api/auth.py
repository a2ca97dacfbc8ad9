"""Bearer-token authentication for the API, and the token endpoints."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError
from flask.views import MethodView
from flask_smorest import abort

from ..accounts import change_password
from ..adapters.precompiled import Precompiled
from ..adapters.records import ApiToken, User, user_warehouses
from ..adapters.sqlite import begin_write, fresh_write
from ..domain.access import Actor, Role
from ..domain.events import utcnow
from ..extensions import db
from ..identity import actor_for
from ..sessions import current_remember, sign_in_user
from ..sign_in import SignInRefused
from ..sign_in import authenticate as check_credentials
from . import Blueprint
from .schemas import PasswordChangeSchema, TokenCreatedSchema, TokenRequestSchema, TokenSchema

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Sign in for API tokens")

TOKEN_PREFIX = "wb_"
TOKEN_USE_GRANULARITY = timedelta(minutes=5)


def hash_token(token: str) -> str:
    """SHA-256 of a token: enough for 256 random bits, and cheap on every request."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user`; the plain value is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user_id = user.id
    with fresh_write(db.session) as session:
        token = ApiToken(user_id=user_id, name=name, token_hash=hash_token(plain))
        session.add(token)
        session.commit()
    return token, plain


# Runs on every API call: compiled once, executed in the session's transaction (adapters/precompiled.py).
_TOKEN_LOOKUP = Precompiled(
    sa.select(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, User.id.label("user_id"), User.role,
              User.customer_id, User.active)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash", type_=sa.String)))


def authenticate() -> None:
    """Resolve the caller to g.api_actor: a bearer token, or the PWA's own session cookie; else 401.

    One narrow query (token joined to its user) runs on every API call, so it selects columns, not
    ORM objects; floor staff pay one more for their warehouses.
    """
    header = request.headers.get("Authorization", "")
    if not header and current_user.is_authenticated:
        _authenticate_session()
        return
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        abort(401, message="Send an API token: 'Authorization: Bearer <token>' (POST /api/v1/auth/tokens).")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        begin_write(db.session)  # the token lookup and the change share one transaction
    rows = _TOKEN_LOOKUP.run(db.session, {"token_hash": hash_token(value.strip())})
    row = rows[0] if rows else None
    if row is None or row.revoked_at is not None or not row.active:
        abort(401, message="This token is unknown, revoked, or its user is deactivated.")
    warehouse_ids = frozenset()
    if row.role == Role.FLOOR.value:
        warehouse_ids = frozenset(db.session.execute(
            sa.select(user_warehouses.c.warehouse_id).where(user_warehouses.c.user_id == row.user_id)).scalars())
    g.api_actor = Actor(user_id=row.user_id, role=Role(row.role), customer_id=row.customer_id,
                        warehouse_ids=warehouse_ids)
    _note_token_use(row.id, row.last_used_at)


def _authenticate_session() -> None:
    """The signed-in page calling the API (the offline queue): a cookie, so CSRF is checked on writes."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            abort(403, message="Missing or stale CSRF token; reload the page and try again.")
    g.api_actor = actor_for(current_user)


def _note_token_use(token_id: int, last_used_at) -> None:
    """Record when a token was last used, at most every few minutes (not a write per request)."""
    now = utcnow()
    if last_used_at is None or now - last_used_at > TOKEN_USE_GRANULARITY:
        try:
            with fresh_write(db.session) as session:
                session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
                session.commit()
        except OperationalError:  # a usage note is not worth failing the request over (e.g. a busy SQLite)
            db.session.rollback()


def _refuse(refused: SignInRefused):
    """A wrong password is 401; a pause after too many is 429 with Retry-After."""
    if refused.retry_after:
        abort(429, message=refused.message, code="sign_in.paused",
              headers={"Retry-After": str(refused.retry_after)})
    abort(401, message=refused.message)


@blp.route("/tokens")
class Tokens(MethodView):
    """API tokens of the signed-in user."""

    @blp.arguments(TokenRequestSchema())
    @blp.response(201, TokenCreatedSchema)
    @blp.alt_response(401, description="Wrong e-mail or password")
    @blp.alt_response(429, description="Too many wrong passwords: paused for Retry-After seconds")
    @blp.doc(security=[])
    def post(self, data):
        """Exchange e-mail and password for a bearer token (shown once)."""
        try:
            user = check_credentials(data["email"], data["password"])
        except SignInRefused as refused:
            _refuse(refused)
        token, plain = issue_token(user, data.get("name", ""))
        return {"id": token.id, "token": plain, "name": token.name, "created_at": token.created_at,
                "user": {"id": user.id, "email": user.email, "role": user.role}}

    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """List your tokens (never their values)."""
        authenticate()
        return db.session.execute(sa.select(ApiToken).where(ApiToken.user_id == g.api_actor.user_id)
                                  .order_by(ApiToken.id)).scalars().all()


@blp.route("/tokens/<id:token_id>")
class TokenItem(MethodView):
    """One API token."""

    @blp.response(204)
    def delete(self, token_id):
        """Revoke one of your tokens; it stops working at once."""
        authenticate()
        token = db.session.get(ApiToken, token_id)
        if token is None or token.user_id != g.api_actor.user_id:
            abort(404, message="No such token.")
        if token.revoked_at is None:
            with fresh_write(db.session) as session:
                session.execute(sa.update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                                .values(revoked_at=utcnow()))
                session.commit()
        return ""


@blp.route("/password")
class Password(MethodView):
    """The caller's password."""

    @blp.arguments(PasswordChangeSchema())
    @blp.response(204)
    @blp.alt_response(429, description="Too many wrong passwords: paused for Retry-After seconds")
    def post(self, data):
        """Change your password: every sign-in of yours ends (this browser's is renewed); API tokens stay."""
        authenticate()
        db.session.rollback()  # argon2 runs next: not inside the write transaction a token's check begins
        by_cookie = "Authorization" not in request.headers
        user = db.session.get(User, g.api_actor.user_id)
        remember = by_cookie and current_remember(current_user.session_token)
        try:
            change_password(user, data["current_password"], data["new_password"])
        except SignInRefused as refused:
            _refuse(refused)
        if by_cookie:  # the page's own sign-in ended with the others: give it a new one
            sign_in_user(user, remember=remember)
        return ""
