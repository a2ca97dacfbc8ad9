"""Words the pages share: counts with the right plural ("1 stop", "2 stops"), never "stop(s)"."""
from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it needs: counted(1, "line") -> "1 line", counted(3, "box", "boxes")."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"
