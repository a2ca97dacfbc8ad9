"""Colours that read: the WCAG contrast of two colours and the text colour for a background (the shop's bar
on its pages and at the top of its e-mails)."""
from __future__ import annotations


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


def link_on_white(colour: str) -> str:
    """The brand colour for links on white, unless it is too light to read there (then near-black)."""
    return colour if contrast(colour, "#ffffff") >= 4.5 else "#1b1f23"
