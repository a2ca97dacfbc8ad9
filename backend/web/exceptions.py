"""The office's exception queue page: what clashed, and a way to close each with a note."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.errors import DomainError
from ..domain.exception_queue import OPEN, RESOLVED
from ..extensions import db
from ..identity import actor_for
from ..queries.exception_queue import list_exceptions

bp = Blueprint("exception_queue", __name__, url_prefix="/office/exceptions")


@bp.get("/")
@login_required
def index():
    """Open exceptions oldest first, then the last resolved ones for context."""
    require_role(actor_for(current_user), *OFFICE)
    return render_template("office/exceptions.html", open_items=list_exceptions(db.session, status=OPEN),
                           resolved=list_exceptions(db.session, status=RESOLVED, limit=20),
                           errors={}, notes={})


@bp.post("/<id:exception_id>/resolve")
@login_required
def resolve(exception_id: int):
    """Resolve one exception; a missing note is shown beside its form, the queue stays as it was."""
    actor = actor_for(current_user)
    require_role(actor, *OFFICE)
    note = request.form.get("note", "")
    try:
        bus().handle(commands.ResolveException(exception_id, note), actor)
    except DomainError as exc:
        if exc.status == 404:
            raise
        if exc.field == "note":
            return render_template("office/exceptions.html", open_items=list_exceptions(db.session, status=OPEN),
                                   resolved=list_exceptions(db.session, status=RESOLVED, limit=20),
                                   errors={exception_id: exc.message}, notes={exception_id: note}), 422
        flash(exc.message, "error")
        return redirect(url_for("exception_queue.index"))
    flash("Resolved.")
    return redirect(url_for("exception_queue.index"))
