"""The owner's dashboard on a phone: sales against last week, the last hours, and decisions waiting."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ..domain.access import OFFICE, require_role
from ..extensions import db
from ..identity import actor_for
from ..queries.dashboard import dashboard as dashboard_figures
from .timefmt import shop_clock
from .outcome import take_outcome

bp = Blueprint("owner", __name__, url_prefix="/dashboard")


@bp.get("/")
@login_required
def dashboard():
    """The whole page, or (for htmx, after a live nudge) just its figures fragment."""
    require_role(actor_for(current_user), *OFFICE)
    figures = dashboard_figures(db.session, zone=shop_clock().zone)
    template = "owner/_figures.html" if request.headers.get("HX-Request") else "owner/dashboard.html"
    # What a decision taken here just did (a hold released or rejected in place), said once.
    return render_template(template, d=figures, outcome=take_outcome("dashboard"))
