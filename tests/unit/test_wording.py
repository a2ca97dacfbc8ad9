"""Counts read as words: "1 stop", "2 stops", never "stop(s)", and no page spells a plural by hand."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.web.wording import counted

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n, noun, plural, words", [
    (1, "stop", None, "1 stop"), (2, "stop", None, "2 stops"), (0, "line", None, "0 lines"),
    (1, "address", "addresses", "1 address"), (3, "address", "addresses", "3 addresses")])
def test_a_count_takes_the_noun_in_the_number_it_needs(n, noun, plural, words):
    assert counted(n, noun, plural) == words


def test_no_page_or_message_writes_a_plural_as_s_in_brackets():
    sources = list((ROOT / "pwa" / "templates").rglob("*.html")) + list((ROOT / "backend" / "web").rglob("*.py"))
    found = [f"{p.relative_to(ROOT)}:{i}" for p in sources for i, line in enumerate(p.read_text().splitlines(), 1)
             if re.search(r"\w\((s|es)\)", line) and "wording.py" not in str(p)]
    assert found == []
