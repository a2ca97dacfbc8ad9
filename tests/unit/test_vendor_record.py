"""Every vendored front-end file is the one recorded: its SHA-256 matches the record and its licence sits beside it."""
import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "pwa" / "static" / "vendor"
ROW = re.compile(r"^\| (?P<package>[\w.-]+) \| (?P<version>[\w.-]+) \| `(?P<file>[^`]+)`.*\| (?P<sha>[0-9a-f]{64}) \|$")


def _rows():
    return [m.groupdict() for line in (VENDOR / "README.md").read_text().splitlines() if (m := ROW.match(line))]


def test_every_vendored_file_matches_its_recorded_hash_and_has_its_licence():
    rows = _rows()
    assert {r["package"] for r in rows} >= {"htmx.org", "socket.io-client"}
    for row in rows:
        path = VENDOR / row["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha"], row["file"]
        assert (path.parent / "LICENSE").is_file(), row["file"]
        assert row["version"] in path.parent.name


def test_nothing_is_vendored_without_a_record():
    recorded = {VENDOR / r["file"] for r in _rows()}
    scripts = {p for p in VENDOR.rglob("*.js")}
    assert scripts <= recorded
