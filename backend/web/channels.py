"""The office's shop channels page: where each shop is told our stock and parcels, which products it lists (listed
and taken off here, with the API's own validation), and the pushes that wait or failed, each with "Retry now".
A channel's address, token and default buffer are set through the API or the `channels` command."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.channels_out import FAILED, PENDING
from ..domain.errors import DomainError
from ..edge.channel_schemas import ChannelListingInSchema
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
    return _page()


def _page(*, form_of: str = "", typed: dict | None = None, errors: dict | None = None, status: int = 200):
    """The page; a refused listing form comes back on its channel with what was typed and why, field by field."""
    channels = [{**channel, "listings": list_listings(db.session, channel["slug"]),
                 "open_pushes": list_pushes(db.session, slug=channel["slug"], statuses=(PENDING, FAILED), limit=20)}
                for channel in list_channels(db.session)]
    return render_template("office/channels.html", channels=channels, form_of=form_of, typed=typed or {},
                           errors=errors or {}), status


@bp.post("/<string(maxlength=40):slug>/listings")
@login_required
def list_product(slug: str):
    """List one of our products on the shop under the shop's ids (and a buffer of its own, if given)."""
    actor = actor_for(current_user)
    require_role(actor, *OFFICE)
    typed = {name: request.form.get(name, "").strip() for name in ("sku", "item_id", "parent_id", "buffer")}
    errors = {} if typed["sku"] else {"sku": "Type the product's SKU."}
    try:  # the API's schema; an empty optional box means "not given"
        data = ChannelListingInSchema().load({name: typed[name] for name in ("item_id", "parent_id", "buffer")
                                             if typed[name]})
    except ValidationError as exc:
        errors.update({name: " ".join(map(str, messages)) for name, messages in exc.messages.items()})
    if errors:
        return _page(form_of=slug, typed=typed, errors=errors, status=422)
    try:
        bus().handle(commands.SetChannelListing(slug, typed["sku"], data["item_id"], data["parent_id"],
                                                data["buffer"]), actor)
    except DomainError as exc:
        if not exc.errors:  # no such channel, or not the office's: the page's usual answers
            raise
        return _page(form_of=slug, typed=typed, errors=exc.errors, status=exc.status)
    flash(f"{typed['sku']} is listed; the shop is told its quantity within a few seconds.")
    return redirect(url_for("channel_pages.index", _anchor=f"channel-{slug}"))


@bp.post("/<string(maxlength=40):slug>/listings/<string(maxlength=64):sku>/remove")
@login_required
def unlist_product(slug: str, sku: str):
    """Stop telling the shop about a product (what it shows stays as last sent)."""
    bus().handle(commands.RemoveChannelListing(slug, sku), actor_for(current_user))
    flash(f"{sku} is no longer sent to this shop; it keeps the quantity it was last told.")
    return redirect(url_for("channel_pages.index", _anchor=f"channel-{slug}"))


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
