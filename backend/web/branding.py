"""The shop's name and colour on the pages its customers see, and its contact details on every page.

The colour comes as a small stylesheet from this origin (the Content-Security-Policy allows no inline style);
its text colour is chosen for contrast, so a shop may pick a light colour without making the bar unreadable.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app

bp = Blueprint("branding", __name__)


def _luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2) of '#rrggbb'."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two '#rrggbb' colours (1 to 21)."""
    a, b = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_on(background: str) -> str:
    """White or near-black, whichever reads better on `background`."""
    return "#ffffff" if contrast(background, "#ffffff") >= contrast(background, "#1b1f23") else "#1b1f23"


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
    link = colour if contrast(colour, "#ffffff") >= 4.5 else "#1b1f23"
    css = (f":root {{ --brand: {link}; }}\n"
           f".topbar {{ background: {colour}; color: {ink}; }}\n"
           f".topbar a, .topbar .link {{ color: {ink}; }}\n")
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
