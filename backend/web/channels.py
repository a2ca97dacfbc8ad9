"""The office's shop channels page: where each shop is told our stock and parcels, which products it lists, and
the pushes that wait or failed, each with "Retry now" (settings and listings are changed through the API/CLI)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.channels_out import FAILED, PENDING
from ..domain.errors import DomainError
from ..extensions import db
from ..identity import actor_for
from ..queries.channel_intake import list_channels
from ..queries.channels_out import list_listings, list_pushes

bp = Blueprint("channel_pages", __name__, url_prefix="/office/channels")


@bp.get("/")
@login_required
def index():
    """Each channel's shop address, its listings, and the pushes still waiting or failed, newest first."""
    require_role(actor_for(current_user), *OFFICE)
    channels = [{**channel, "listings": list_listings(db.session, channel["slug"]),
                 "open_pushes": list_pushes(db.session, slug=channel["slug"], statuses=(PENDING, FAILED), limit=20)}
                for channel in list_channels(db.session)]
    return render_template("office/channels.html", channels=channels)


@bp.post("/pushes/<id:push_id>/retry")
@login_required
def retry(push_id: int):
    """Send a failed or waiting push to its shop again now; the page says what happened."""
    try:
        bus().handle(commands.RetryChannelPush(push_id), actor_for(current_user))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(exc.message)
    else:
        flash("Sent again: the shop is told within a few seconds.")
    return redirect(url_for("channel_pages.index"))
