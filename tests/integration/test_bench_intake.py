"""bench/intake.py runs end to end on a fresh clone: both sides serve every order and write the same rows.

A correctness check of the benchmark tool, not a timing: tiny load, and the figures are not asserted.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_intake_benchmark_on_sqlite_with_the_queued_baseline_serves_every_order_and_writes_the_same_rows():
    run = subprocess.run(
        [sys.executable, "bench/intake.py", "--backend", "sqlite", "--requests", "40", "--warmup", "5",
         "--rounds", "2", "--clients", "4", "--threads", "4", "--bare-writer-queue"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "queues its SQLite writers in-process like Waybill" in run.stdout
    results = ROOT / run.stdout.strip().splitlines()[-1].removeprefix("Results: ")
    try:
        comparison = json.loads(results.read_text())["results"][0]
    finally:
        results.unlink()
    assert comparison["same_rows"] is True
    for side in ("waybill", "bare"):
        assert comparison[side]["orders"] == 40 and comparison[side]["errors"] == 0
        assert comparison[side]["rows"]["orders"] == 45  # warm-up and measured orders, nothing lost
