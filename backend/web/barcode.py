"""Code 128 (set B) barcodes as inline SVG, for labels we print ourselves (no image files, no library)."""
from __future__ import annotations

from markupsafe import Markup

# Bar/space widths of the 107 Code 128 symbols (values 0..102, then Start A/B/C); STOP has 7 elements.
PATTERNS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232",
)
START_B = 104
STOP = "2331112"


def code128b_values(text: str) -> list[int]:
    """Symbol values for `text` in set B: start, data, checksum (stop not included)."""
    if not text or any(not 32 <= ord(ch) <= 126 for ch in text):
        raise ValueError("Code 128 B encodes printable ASCII only")
    data = [ord(ch) - 32 for ch in text]
    checksum = (START_B + sum(i * v for i, v in enumerate(data, start=1))) % 103
    return [START_B, *data, checksum]


def modules(text: str) -> str:
    """The barcode as a run of '1' (bar) and '0' (space) modules, quiet zones excluded."""
    out = []
    for widths in [PATTERNS[v] for v in code128b_values(text)] + [STOP]:
        for i, w in enumerate(widths):
            out.append(("1" if i % 2 == 0 else "0") * int(w))
    return "".join(out)


def code128_svg(text: str, *, height: int = 60, label: str | None = None) -> Markup:
    """An accessible inline SVG barcode (10-module quiet zones) that scales to its container."""
    bars = modules(text)
    width = len(bars) + 20
    rects, x = [], 10
    i = 0
    while i < len(bars):
        j = i
        while j < len(bars) and bars[j] == bars[i]:
            j += 1
        if bars[i] == "1":
            rects.append(f'<rect x="{x + i}" y="0" width="{j - i}" height="{height}"/>')
        i = j
    title = label or f"Barcode {text}"
    svg = (f'<svg class="barcode" role="img" aria-label="{Markup.escape(title)}" viewBox="0 0 {width} {height}" '
           f'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg"><g fill="#000">{"".join(rects)}</g></svg>')
    return Markup(svg)
