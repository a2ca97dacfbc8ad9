"""The owner's dashboard on a phone: sales against last week, the last hours, and decisions waiting."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ..bootstrap import bus
from ..domain.access import OFFICE, require_role
from ..domain.events import utcnow
from ..extensions import db
from ..identity import actor_for
from ..queries.dashboard import dashboard as dashboard_figures
from ..queries.order_decisions import undo_offer
from ..queries.orders import order_for
from .timefmt import shop_clock
from .outcome import take_outcome

bp = Blueprint("owner", __name__, url_prefix="/dashboard")


@bp.get("/")
@login_required
def dashboard():
    """The whole page, or (for htmx, after a live nudge) just its figures fragment."""
    actor = actor_for(current_user)
    require_role(actor, *OFFICE)
    figures = dashboard_figures(db.session, zone=shop_clock().zone)
    template = "owner/_figures.html" if request.headers.get("HX-Request") else "owner/dashboard.html"
    # What a decision taken here just did (a hold released or rejected in place), said once, with its undo
    # while it lasts (a reject of an order waiting for acceptance; a rejected payment stays rejected).
    outcome = take_outcome("dashboard")
    undo = None
    if outcome.get("done") and outcome.get("order_id"):
        order = order_for(db.session, outcome["order_id"])
        undo = order and undo_offer(db.session, order, user_id=actor.user_id, is_office=True, now=utcnow(),
                                    window_seconds=bus().settings.undo_seconds)
    return render_template(template, d=figures, outcome=outcome, undo=undo)
