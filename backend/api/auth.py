"""The token endpoints (sign in for a bearer token, list and revoke them) and the password change."""
from __future__ import annotations

from flask import g, request
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import abort

from ..accounts import confirm_current_password, user_by_id
from ..bootstrap import bus
from ..domain import commands
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..extensions import db
from ..identity import actor_for
from ..security_log import client_ip
from ..sessions import current_remember, log_in, start_sign_in
from ..sign_in import SignInRefused
from ..sign_in import authenticate as check_credentials
from ..tokens import tokens_of
from .schemas import PasswordChangeSchema, TokenCreatedSchema, TokenRequestSchema, TokenSchema

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Sign in for API tokens")


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
        token, plain = bus().handle(commands.IssueApiToken(data.get("name", "")), actor_for(user))
        return {"id": token.id, "token": plain, "name": token.name, "created_at": token.created_at,
                "user": {"id": user.id, "email": user.email, "role": user.role}}

    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """List your tokens (never their values)."""
        authenticate()
        return tokens_of(g.api_actor.user_id)


@blp.route("/tokens/<id:token_id>")
class TokenItem(MethodView):
    """One API token."""

    @blp.response(204)
    def delete(self, token_id):
        """Revoke one of your tokens; it stops working at once."""
        authenticate()
        if not bus().handle(commands.RevokeApiToken(token_id), g.api_actor):
            abort(404, message="No such token.")
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
        user = user_by_id(g.api_actor.user_id)
        remember = by_cookie and current_remember(current_user.session_token)
        try:
            confirm_current_password(user, data["current_password"])
        except SignInRefused as refused:
            _refuse(refused)
        bus().handle(commands.ChangePassword(data["new_password"], client_ip=client_ip()), g.api_actor)
        if by_cookie:  # the page's own sign-in ended with the others: give it a new one
            log_in(user, bus().handle(start_sign_in(remember=remember), g.api_actor), remember=remember)
        return ""
