"""bench/csv_import.py runs end to end: both sides read every row, Waybill places every order once.

A correctness check of the benchmark tool, not a timing: a tiny file, and the figures are not asserted.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_csv_import_benchmark_imports_every_row_on_both_sides_and_reports_peak_memory():
    run = subprocess.run([sys.executable, "bench/csv_import.py", "--rows", "40", "80"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = ROOT / run.stdout.strip().splitlines()[-1].removeprefix("Results: ")
    try:
        measured = json.loads(results.read_text())["results"]
    finally:
        results.unlink()
    assert [m["rows"] for m in measured] == [40, 80]
    for m in measured:
        assert m["waybill"]["rows"] == m["bare"]["rows"] == m["rows"]
        assert m["waybill"]["orders"] == m["rows"] // 4 and m["waybill"]["order_lines"] == m["rows"]
        assert m["waybill"]["peak_mb"] >= m["waybill"]["rss_before_mb"] > 0
