"""Code 128 B barcodes printed on our own labels."""
import pytest

from backend.web.barcode import PATTERNS, STOP, code128_svg, code128b_values, modules


def test_every_symbol_is_eleven_modules_wide_and_distinct():
    assert len(PATTERNS) == 106 and len(set(PATTERNS)) == 106
    assert all(sum(map(int, p)) == 11 for p in PATTERNS) and sum(map(int, STOP)) == 13


def test_start_data_and_modulo_103_checksum():
    # PJJ123C: start B (104) + weighted data values, mod 103.
    values = code128b_values("PJJ123C")
    assert values[0] == 104 and values[1:-1] == [48, 42, 42, 17, 18, 19, 35]
    assert values[-1] == (104 + 48 + 2 * 42 + 3 * 42 + 4 * 17 + 5 * 18 + 6 * 19 + 7 * 35) % 103
    bars = modules("PJJ123C")
    assert len(bars) == 11 * 9 + 13 and bars.startswith("11") and bars.endswith("11")


def test_only_printable_ascii_is_encoded_and_the_svg_is_labelled():
    with pytest.raises(ValueError):
        code128b_values("é")
    svg = code128_svg("WBF0A1B2C3D4E5", label="Barcode of tracking number WBF0A1B2C3D4E5")
    assert 'role="img"' in svg and 'aria-label="Barcode of tracking number WBF0A1B2C3D4E5"' in svg
