"""Web push over the API: a browser subscribes to (or stops) notifications about the order of a tracking link.

Staff alerts (`/staff-subscriptions`) are different: the signed-in owner or manager is authenticated like any
API call (bearer token, or the PWA's session with its X-CSRFToken header, checked by `authenticate`).

No account is needed: the tracking token (192 random bits, only in the customer's link) is the key, and it
opens nothing but this order's notifications. No cookie is read, so there is nothing for CSRF to forge.
"""
from __future__ import annotations

from flask import g, request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..bootstrap import bus, push_endpoint_rules, vapid_public_key
from ..domain import commands
from ..domain.access import VISITOR
from ..domain.push_subscriptions import (MAX_ENDPOINT_LENGTH, PushNotConfigured, endpoint_problem, keys_problem,
                                         valid_browser_key)
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.text import Text

blp = Blueprint("push", __name__, url_prefix="/api/v1/push",
                description="Web push notifications about an order, for whoever holds its tracking link")

TOKEN = validate.Regexp(r"^[A-Za-z0-9_-]{32}$", error="Not a tracking token.")


class PushKeysSchema(Schema):
    """The browser's keys for encrypting to it (PushSubscription.toJSON().keys)."""

    # The patterns say the shape keys_problem checks (65 and 16 bytes, base64url); a p256dh of that shape
    # must still be a point on the curve, which no pattern can say.
    p256dh = Text(required=True, validate=validate.Length(1, 128), metadata={"pattern": "^B[A-Za-z0-9_-]{86}=?$"})
    auth = Text(required=True, validate=validate.Length(1, 64), metadata={"pattern": "^[A-Za-z0-9_-]{22}(==)?$"})


class SubscriptionInSchema(Schema):
    """A browser's push subscription for the order of a tracking link.

    Extra members of the browser's subscription JSON (expirationTime) are accepted and ignored.
    """

    tracking_token = Text(required=True, validate=TOKEN)
    endpoint = Text(required=True, validate=validate.Length(1, MAX_ENDPOINT_LENGTH))
    keys = fields.Nested(PushKeysSchema, required=True)
    expirationTime = fields.Raw(load_default=None, allow_none=True, metadata={"description": "Ignored"})

    @validates_schema
    def _push_service(self, data, **_kwargs):
        errors = {}
        problem = endpoint_problem(data["endpoint"], **push_endpoint_rules())
        if problem:
            errors["endpoint"] = [problem]
        keys = keys_problem(data["keys"]["p256dh"], data["keys"]["auth"])
        if "keys.p256dh" not in keys and not valid_browser_key(data["keys"]["p256dh"]):
            keys["keys.p256dh"] = "Is not a point on the P-256 curve."
        for name, message in keys.items():
            errors.setdefault("keys", {})[name.split(".", 1)[1]] = [message]
        if errors:
            raise ValidationError(errors)


class SubscriptionOffSchema(Schema):
    """Which browser stops getting notifications about which order."""

    tracking_token = Text(required=True, validate=TOKEN)
    endpoint = Text(required=True, validate=validate.Length(1, MAX_ENDPOINT_LENGTH))


class SubscriptionSchema(Schema):
    """A subscription as its owner sees it (no keys are echoed)."""

    endpoint = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime()


class PublicKeySchema(Schema):
    """The VAPID public key to pass to pushManager.subscribe() as applicationServerKey."""

    public_key = fields.String(metadata={"description": "Uncompressed P-256 point, base64url"})


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    """This browser's notifications about one order."""

    @blp.arguments(SubscriptionInSchema())
    @blp.response(201, SubscriptionSchema)
    @blp.alt_response(200, schema=SubscriptionSchema, description="Already subscribed: its keys were refreshed")
    @blp.doc(security=[])
    def post(self, data):
        """Turn notifications on: shipped, out for delivery, arriving soon, delivered and the like.

        The body is the tracking link's token and the browser's `PushSubscription.toJSON()`.
        """
        row, created = bus().handle(commands.SubscribeToPush(
            data["tracking_token"], data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"]), VISITOR)
        return row, (201 if created else 200)

    @blp.arguments(SubscriptionOffSchema())
    @blp.response(204)
    @blp.doc(security=[])
    def delete(self, data):
        """Turn notifications off for this browser and order; nothing still waiting is sent."""
        bus().handle(commands.UnsubscribeFromPush(data["tracking_token"], data["endpoint"]), VISITOR)


# -- staff alerts: an owner's or manager's browser, told about new orders when the app is closed ----------
class StaffSubscriptionInSchema(SubscriptionInSchema):
    """A signed-in owner's or manager's browser subscription (PushSubscription.toJSON()); no tracking token."""

    class Meta:
        exclude = ("tracking_token",)


class StaffSubscriptionOffSchema(Schema):
    """Which of your browsers stops getting new-order alerts."""

    endpoint = Text(required=True, validate=validate.Length(1, MAX_ENDPOINT_LENGTH))


@blp.before_request
def _staff_alerts_need_a_token():
    """Staff alerts: the caller is authenticated before the body is read, so no token is a 401, not a 422."""
    if request.endpoint == f"{blp.name}.StaffSubscriptions":
        authenticate()


@blp.route("/staff-subscriptions")
class StaffSubscriptions(MethodView):
    """New-order alerts for the signed-in owner's or manager's browser (bearer token, or session + X-CSRFToken)."""

    @blp.arguments(StaffSubscriptionInSchema())
    @blp.response(201, SubscriptionSchema)
    @blp.alt_response(200, schema=SubscriptionSchema, description="Already subscribed: its keys were refreshed")
    @blp.alt_response(403, description="Only an owner or a manager gets new-order alerts")
    def post(self, data):
        """Alert this browser to every new order (and payment hold), even when the app is closed.

        Owners and managers only. The alert says the order's number and total, never who or where.
        """
        row, created = bus().handle(commands.SubscribeToStaffPush(
            data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"]), g.api_actor)
        return row, (201 if created else 200)

    @blp.arguments(StaffSubscriptionOffSchema())
    @blp.response(204)
    @blp.alt_response(403, description="Only an owner or a manager gets new-order alerts")
    def delete(self, data):
        """Stop new-order alerts on this browser; nothing still waiting is sent."""
        bus().handle(commands.UnsubscribeFromStaffPush(data["endpoint"]), g.api_actor)


@blp.route("/vapid-public-key")
class VapidPublicKey(MethodView):
    """The server's VAPID public key."""

    @blp.response(200, PublicKeySchema)
    @blp.doc(security=[])
    def get(self):
        """The applicationServerKey browsers subscribe with (503 until push is set up)."""
        try:
            return {"public_key": vapid_public_key()}
        except PushNotConfigured as exc:
            abort(503, message=str(exc))
