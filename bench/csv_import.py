"""CSV import of order rows on PostgreSQL: rows/s and the peak memory of the importing process.

For the CSV half of bench/intake_channels.py (call `csv_import_figures()` and `print_csv_report()`), and
runnable alone:

    .venv/bin/python bench/csv_import.py                      # 10,000 and 100,000 rows
    .venv/bin/python bench/csv_import.py --rows 2000 5000     # a quick look

Each size is measured twice, each time in a fresh process on a fresh database seeded like bench/intake.py:
- **waybill**: the file is stored the way an upload is (copied in 64 KB pieces), checked (CheckCsvImport),
  queued and imported (RunCsvImport) through the bus, exactly what POST /api/v1/imports/orders and
  /commit do, minus HTTP: every order through place_order in one transaction;
- **bare**: the csv module reading the same file and psycopg's executemany inserting its rows, 1,000 at
  a time, into one plain table in one transaction: the floor of "read a CSV and write it down".
Peak memory is the process's peak resident set (VmHWM), with its resident set before reading the
file beside it (Python, Flask and the app loaded): the import's own share is the difference. The file is
written row by row and never held whole. Orders have 4 lines each (25,000 orders in 100,000 rows), 5,000 customers, paid by bank transfer.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MEMORY_TARGET_MB = 150
DEFAULT_ROWS = (10_000, 100_000)
LINES_PER_ORDER = 4


def _rss_mb() -> float:
    """The resident set of this process now (MB), from /proc."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def _peak_mb() -> float:
    """The peak resident set of this process so far (MB): VmHWM of /proc (ru_maxrss would carry the parent's
    peak across fork and exec on Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _waybill_child(url: str, path: str, blob_dir: str) -> dict:
    """In a fresh process: store, check and import the file through the bus; times and memory."""
    import sqlalchemy as sa

    from bench.harness import SECRET_KEY, VELOCITY_LIMIT
    os.environ["SECRET_KEY"] = SECRET_KEY
    from backend import create_app
    from backend.adapters.records import User
    from backend.bootstrap import blob_storage, bus
    from backend.domain import commands
    from backend.extensions import db
    from backend.identity import actor_for

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WAYBILL_RISK_VELOCITY_LIMIT": VELOCITY_LIMIT,
                      "BLOB_DIR": blob_dir})
    with app.app_context():
        actor = actor_for(db.session.execute(sa.select(User).where(User.role == "owner")).scalars().first())
        db.session.remove()
        before_mb = _rss_mb()
        started = time.perf_counter()
        with open(path, "rb") as upload:
            key, size, _ = blob_storage().save(upload, max_bytes=10 ** 10)
        job = bus().handle(commands.CheckCsvImport("orders", "bench.csv", key, size), actor)
        checked = time.perf_counter()
        assert job.problem_count == 0, job.problems[:5]
        bus().handle(commands.QueueCsvImport(job.id), actor)
        job = bus().handle(commands.RunCsvImport(job.id), actor)
        done = time.perf_counter()
        orders = db.session.execute(sa.text("SELECT count(*) FROM orders WHERE channel = 'csv'")).scalar_one()
        lines = db.session.execute(sa.text("SELECT count(*) FROM order_line")).scalar_one()
    return {"rows": job.rows, "orders": orders, "order_lines": lines, "check_s": checked - started,
            "import_s": done - checked, "total_s": done - started, "rss_before_mb": before_mb,
            "peak_mb": _peak_mb(), "report": job.report}


def _bare_child(url: str, path: str) -> dict:
    """In a fresh process: csv module + psycopg executemany of the same rows into one table, one transaction."""
    import csv

    import psycopg
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    before_mb = _rss_mb()
    started = time.perf_counter()
    rows = 0
    with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bare_order_row (order_ref text, email text, name text, line1 text, "
                       "city text, postcode text, country text, payment_method text, sku text, quantity int)")
        with open(path, encoding="utf-8", newline="") as text:
            reader = csv.DictReader(text)
            batch = []
            for row in reader:
                batch.append((row["order_ref"], row["email"], row["name"], row["address_line1"], row["city"],
                              row["postcode"], row["country"], row["payment_method"], row["sku"],
                              int(row["quantity"])))
                if len(batch) == 1000:
                    cursor.executemany("INSERT INTO bare_order_row VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", batch)
                    rows += len(batch)
                    batch = []
            if batch:
                cursor.executemany("INSERT INTO bare_order_row VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", batch)
                rows += len(batch)
        connection.commit()
    done = time.perf_counter()
    return {"rows": rows, "total_s": done - started, "rss_before_mb": before_mb, "peak_mb": _peak_mb()}


def _in_child(side: str, url: str, path: str, blob_dir: str) -> dict:
    """Run one side in a fresh Python process (its peak memory is its own) and read its JSON line."""
    run = subprocess.run([sys.executable, __file__, "--child", side, url, path, blob_dir], cwd=ROOT,
                         capture_output=True, text=True, timeout=3600)
    if run.returncode != 0:
        raise RuntimeError(f"{side} child failed:\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def measure(rows: int) -> dict:
    """Both sides on `rows` order rows, each on its own fresh seeded PostgreSQL database."""
    from bench.harness import pg_database, seed_shop
    from tests.csv_files import write_orders_file
    figures = {"rows": rows}
    with tempfile.TemporaryDirectory(prefix="waybill_csv_bench_") as directory:
        path = os.path.join(directory, "orders.csv")
        written = write_orders_file(path, orders=rows // LINES_PER_ORDER, lines_per_order=LINES_PER_ORDER,
                                    skus=("BENCH-01", "BENCH-02", "BENCH-03", "BENCH-04"))
        figures["file_mb"] = os.path.getsize(path) / 1024 / 1024
        assert written == rows
        for side in ("waybill", "bare"):
            with pg_database() as url:
                seed_shop(url)
                figures[side] = _in_child(side, url, path, os.path.join(directory, f"blobs-{side}"))
                figures[side]["rows_per_s"] = rows / figures[side].get("import_s", figures[side]["total_s"])
    return figures


def csv_import_figures(row_counts=DEFAULT_ROWS) -> list[dict]:
    """Measure each size in turn (for bench/intake_channels.py): a list of measure() results."""
    return [measure(rows) for rows in row_counts]


def print_csv_report(results: list[dict]) -> bool:
    """Print the table; True when the peak memory stays under the target and does not grow with the file."""
    print(f"\nCSV import of order rows on PostgreSQL (peak memory target: under {MEMORY_TARGET_MB} MB, flat)")
    print(f"{'rows':>8} {'file MB':>8} | {'waybill check s':>15} {'import s':>9} {'rows/s':>8} "
          f"{'RSS before':>10} {'peak MB':>8} | {'bare s':>7} {'rows/s':>8} {'peak MB':>8}")
    for r in results:
        w, b = r["waybill"], r["bare"]
        print(f"{r['rows']:>8} {r['file_mb']:>8.1f} | {w['check_s']:>15.1f} {w['import_s']:>9.1f} "
              f"{w['rows_per_s']:>8.0f} {w['rss_before_mb']:>10.1f} {w['peak_mb']:>8.1f} | "
              f"{b['total_s']:>7.2f} {b['rows_per_s']:>8.0f} {b['peak_mb']:>8.1f}")
    peaks = [r["waybill"]["peak_mb"] for r in results]
    under = max(peaks) < MEMORY_TARGET_MB
    flat = len(peaks) < 2 or peaks[-1] - peaks[0] < 0.1 * peaks[0] + 10
    print(f"peak memory {'under' if under else 'OVER'} {MEMORY_TARGET_MB} MB; "
          f"{'flat' if flat else 'GROWS'} with file size ({', '.join(f'{p:.0f}' for p in peaks)} MB)")
    return under and flat


def main(argv=None) -> int:
    """Measure, print, write bench/results/csv-import-<time>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=list(DEFAULT_ROWS))
    parser.add_argument("--child", nargs=4, metavar=("SIDE", "URL", "FILE", "BLOB_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        side, url, path, blob_dir = args.child
        result = _waybill_child(url, path, blob_dir) if side == "waybill" else _bare_child(url, path)
        print(json.dumps(result))
        return 0
    results = csv_import_figures(args.rows)
    passed = print_csv_report(results)
    out = ROOT / "bench" / "results" / f"csv-import-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"results": results, "passed": passed}, indent=2))
    print(f"Results: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
