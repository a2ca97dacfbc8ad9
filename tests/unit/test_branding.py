"""The shop's colour: refused at start when it is not a colour, and never painted with unreadable text."""
from __future__ import annotations

import pytest

from backend.config import _colour
from backend.web.branding import contrast, text_on


@pytest.mark.parametrize("colour, ink", [("#0f4c5c", "#ffffff"), ("#ffd166", "#1b1f23"), ("#000000", "#ffffff"),
                                         ("#ffffff", "#1b1f23")])
def test_the_bar_text_is_whichever_of_white_and_ink_reads_better(colour, ink):
    assert text_on(colour) == ink
    assert contrast(colour, ink) >= 4.5


@pytest.mark.parametrize("raw", ["red", "#12345", "#1234567", "#ggg000", "0f4c5c"])
def test_a_colour_that_is_not_hex_stops_the_start(raw):
    with pytest.raises(RuntimeError, match="WAYBILL_SHOP_COLOUR"):
        _colour("WAYBILL_SHOP_COLOUR", raw, "#0f4c5c")


def test_the_default_and_a_set_colour_are_read_in_lower_case():
    assert _colour("WAYBILL_SHOP_COLOUR", None, "#0F4C5C") == "#0f4c5c"
    assert _colour("WAYBILL_SHOP_COLOUR", "#FFD166", "#0f4c5c") == "#ffd166"
