"""The shop's name and colour on the pages its customers see, and its contact details on every page.

The colour comes as a small stylesheet from this origin (the Content-Security-Policy allows no inline style);
its text colour is chosen for contrast, so a shop may pick a light colour without making the bar unreadable.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app

from ..domain.colours import contrast, link_on_white, text_on  # noqa: F401  (contrast: read by tests)

bp = Blueprint("branding", __name__)


def shop() -> dict:
    """What templates know of the shop: name, contact and colour."""
    config = current_app.config
    return {"name": config["WAYBILL_SHOP_NAME"], "email": config["WAYBILL_SHOP_EMAIL"],
            "phone": config["WAYBILL_SHOP_PHONE"], "colour": config["WAYBILL_SHOP_COLOUR"]}


@bp.get("/shop.css")
def stylesheet():
    """The shop's colour as the brand colour, with a text colour that reads on it."""
    colour = current_app.config["WAYBILL_SHOP_COLOUR"]
    ink = text_on(colour)
    # Links on white cards use the brand colour too: a light shop colour falls back to dark text there.
    link = link_on_white(colour)
    css = (f":root {{ --brand: {link}; }}\n"
           f".topbar {{ background: {colour}; color: {ink}; }}\n"
           f".topbar a, .topbar .link {{ color: {ink}; }}\n")
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
