"""The office's intake exceptions page: shop orders that could not be placed as sent, fixed and released here."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.channel_intake import ADDRESS_FIELDS, DISCARDED, OPEN, RELEASED
from ..domain.errors import DomainError
from ..extensions import db
from ..identity import actor_for
from ..queries.channel_intake import list_intake_exceptions

bp = Blueprint("intake", __name__, url_prefix="/office/intake")


def _page(*, errors: dict | None = None, status: int = 200):
    """The list of held shop orders, with the messages of a refused release or discard beside its form."""
    closed = (list_intake_exceptions(db.session, status=RELEASED, limit=10)
              + list_intake_exceptions(db.session, status=DISCARDED, limit=10))
    closed.sort(key=lambda item: item["closed_at"] or item["received_at"], reverse=True)
    return render_template("office/intake.html", open_items=list_intake_exceptions(db.session, status=OPEN),
                           closed=closed[:10], errors=errors or {}, form=request.form), status


@bp.get("/")
@login_required
def index():
    """Held shop orders oldest first, each with what is wrong and the fields to put it right."""
    require_role(actor_for(current_user), *OFFICE)
    return _page()


@bp.post("/<id:exception_id>/release")
@login_required
def release(exception_id: int):
    """Place a held shop order with the SKUs and address the manager typed; what is still wrong is shown."""
    actor = actor_for(current_user)
    require_role(actor, *OFFICE)
    sku_map = tuple((shop_sku, ours.strip()) for shop_sku, ours in zip(request.form.getlist("shop_sku"),
                                                                       request.form.getlist("our_sku")) if ours.strip())
    address = {name: request.form[f"address_{name}"].strip() for name in ADDRESS_FIELDS
               if request.form.get(f"address_{name}", "").strip()}
    try:
        row = bus().handle(commands.ReleaseIntakeException(exception_id, sku_map, address or None), actor)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _page(errors={exception_id: {"message": exc.message, "fields": exc.errors}}, status=exc.status)
    flash(f"Placed as order WB-{row.order_id:06d}.")
    return redirect(url_for("intake.index"))


@bp.post("/<id:exception_id>/discard")
@login_required
def discard(exception_id: int):
    """Decide a held shop order will not be placed; the reason is required and kept."""
    actor = actor_for(current_user)
    require_role(actor, *OFFICE)
    try:
        bus().handle(commands.DiscardIntakeException(exception_id, request.form.get("reason", "")), actor)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _page(errors={exception_id: {"message": exc.message, "fields": exc.errors}}, status=exc.status)
    flash("Discarded; the shop's order stays on record.")
    return redirect(url_for("intake.index"))
