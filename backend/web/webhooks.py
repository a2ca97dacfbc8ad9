"""The owner's webhooks page on a phone: which URLs get the shop's events, which were stopped and why, and
each one's delivery log (made and deleted through the API: /api/v1/webhooks)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..domain.access import Role, require_role
from ..domain.webhooks import EVENT_TYPES
from ..extensions import db
from ..identity import actor_for
from ..queries.webhooks import delivery_log, list_subscriptions, subscription_for

bp = Blueprint("webhook_pages", __name__, url_prefix="/office/webhooks")


@bp.get("/")
@login_required
def index():
    """Every subscription of the shop: its address, events, and whether it still receives them."""
    actor = actor_for(current_user)
    require_role(actor, Role.OWNER)
    return render_template("office/webhooks.html", subscriptions=list_subscriptions(db.session, actor),
                           event_types=EVENT_TYPES)


@bp.get("/<id:subscription_id>")
@login_required
def deliveries(subscription_id):
    """One subscription's delivery log: each event, each try's answer and time, and the next retry."""
    actor = actor_for(current_user)
    require_role(actor, Role.OWNER)
    subscription = subscription_for(db.session, actor, subscription_id)
    if subscription is None:
        abort(404)
    return render_template("office/webhook_deliveries.html", subscription=subscription,
                           deliveries=delivery_log(db.session, subscription_id))
