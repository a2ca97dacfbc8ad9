"""The office's cash page: each settled run and each driver, expected against counted, with the notes."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from marshmallow import ValidationError

from ..domain.access import OFFICE, require_role
from ..domain.events import utcnow
from ..edge.read_schemas import SettlementQuery
from ..extensions import db
from ..identity import actor_for
from ..queries.settlements import list_settlements

bp = Blueprint("settlements", __name__, url_prefix="/office/cash")

DEFAULT_DAYS = 7  # a week of runs when no dates are asked for: enough to spot a driver who is often short


@bp.get("/")
@login_required
def index():
    """Settled runs in a date range (the last week by default) and each driver's totals over them."""
    require_role(actor_for(current_user), *OFFICE)
    today = utcnow().date()
    asked = {k: v for k, v in request.args.items() if k in ("from", "to") and v.strip()}
    errors = {}
    try:
        query = SettlementQuery().load(asked)
    except ValidationError as exc:
        errors = {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in exc.messages.items()}
        query = SettlementQuery().load({})
    if not asked or errors:
        query["date_from"], query["date_to"] = today - timedelta(days=DEFAULT_DAYS - 1), today
    read = list_settlements(db.session, date_from=query["date_from"], date_to=query["date_to"])
    return render_template("office/settlements.html", runs=read["runs"], drivers=read["drivers"],
                           date_from=query["date_from"], date_to=query["date_to"], errors=errors,
                           given=request.args), 422 if errors else 200
