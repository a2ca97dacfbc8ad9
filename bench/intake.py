"""Order intake benchmark: Waybill's POST /api/v1/orders against a bare SQL baseline, same run, same load.

    .venv/bin/python bench/intake.py [--backend pg|sqlite|both] [--requests N] [--clients 16]

For each backend, each side (Waybill, bare baseline) gets its own fresh database, migrated and
seeded identically, and its own gunicorn (one gthread worker, --threads threads). Both are warmed
up, then --clients threads with keep-alive sessions post the same prepared orders to them in
alternating chunks (A B B A ...), so a change in machine load during the run hits both sides
alike. Prints orders/s and p50/p95 latency for both, the ratio waybill/bare against its target
(TARGETS below), and writes the figures to bench/results/intake-<timestamp>.json.

On SQLite, Waybill's writers take turns on an in-process lock (backend/adapters/sqlite.py, WriterQueue);
the bare baseline's wait in SQLite's busy handler, as hand-written sqlite3 code does by default.
--bare-writer-queue gives the baseline the same queue, so the ratio then measures Waybill's layers alone.

Exit status: 0 when every request got its 201, whatever the ratio (this is a measurement);
1 when any request failed or the two sides wrote different rows. The measured phases share a
time budget (--max-seconds); orders left unsent when it runs out are reported, not failed.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)  # run as a script: import bench.* as a package, not its modules as top-level names
sys.path.insert(0, str(ROOT))

from bench.harness import gunicorn, pg_database, row_counts, seed_shop, sqlite_database  # noqa: E402
from bench.load import LoadClient, Phase, order_bodies  # noqa: E402

# The least ratio waybill/bare each comparison must reach: PostgreSQL 75%; SQLite 58% like-for-like (the
# baseline queues its writers as Waybill does, --bare-writer-queue), 60% against the plain baseline.
TARGETS = {("pg", False): 0.75, ("pg", True): 0.75, ("sqlite", True): 0.58, ("sqlite", False): 0.60}
SIDES = {  # implementation -> (gunicorn app, env var carrying the database URL, order endpoint, label)
    "waybill": ("backend:create_app()", "DATABASE_URL", "/api/v1/orders", "waybill API"),
    "bare": ("bench.bare_intake:create_app()", "BENCH_BARE_DATABASE_URL", "/orders", "bare baseline"),
}


@contextlib.contextmanager
def served(backend: str, side: str, args):
    """One side ready for load: fresh database, seeded shop, gunicorn, client; all torn down after."""
    app_spec, env_var, path, _ = SIDES[side]
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg_database() if backend == "pg" else sqlite_database())
        shop = seed_shop(url)
        env = {env_var: url}
        if side == "bare" and args.bare_writer_queue:
            env["BENCH_BARE_WRITER_QUEUE"] = "1"
        server = stack.enter_context(gunicorn(app_spec, env, threads=args.threads))
        client = LoadClient(server.url + path, shop["token"], args.clients)
        stack.callback(client.close)
        bodies = order_bodies(args.warmup + args.requests, shop["customer_id"], shop["skus"], seed=args.seed)
        yield {"url": url, "server": server, "client": client, "bodies": bodies}


def compare(backend: str, args, budget_s: float) -> dict:
    """Both sides on one backend under the same load, in alternating chunks; and their ratio."""
    names = ("waybill", "bare")
    with contextlib.ExitStack() as stack:
        sides = {name: stack.enter_context(served(backend, name, args)) for name in names}
        warmups = {name: sides[name]["client"].run(sides[name]["bodies"][:args.warmup], budget_s)
                   for name in names}
        phases = {name: Phase() for name in names}
        server_cpu = dict.fromkeys(names, 0.0)  # seconds used by each side's gunicorn while measured
        size = -(-args.requests // args.rounds)
        for chunk in range(args.rounds):
            start = args.warmup + chunk * size
            order = names if chunk % 2 == 0 else names[::-1]  # A B, B A, A B: linear drift cancels out
            for name in order:
                bodies = sides[name]["bodies"][start:min(start + size, args.warmup + args.requests)]
                left = max(0.0, budget_s - phases[name].elapsed_s)
                before = sides[name]["server"].cpu_seconds()
                phases[name].merge(sides[name]["client"].run(bodies, left))
                server_cpu[name] = _add_cpu(server_cpu[name], before, sides[name]["server"].cpu_seconds())
        results = {}
        for name in names:
            cpu, ok = server_cpu[name], phases[name].ok
            results[name] = {**phases[name].summary(), "warmup_errors": len(warmups[name].errors),
                             "server_cpu_ms_per_order": round(1000 * cpu / ok, 2) if cpu is not None and ok else None,
                             "error_samples": (warmups[name].errors + phases[name].errors)[:5],
                             "rows": row_counts(sides[name]["url"])}
    bare = results["bare"]["orders_per_s"]
    ratio = results["waybill"]["orders_per_s"] / bare if bare else 0.0
    complete = not any(results[name]["not_sent"] or warmups[name].not_sent for name in names)
    target = TARGETS[(backend, args.bare_writer_queue)]
    return {"backend": backend, **results, "ratio": round(ratio, 3), "target": target,
            "verdict": "PASS" if ratio >= target else "BELOW TARGET",
            # Identical orders must leave identical rows; only checkable when both sent every order.
            "same_rows": results["waybill"]["rows"] == results["bare"]["rows"] if complete else None}


def _add_cpu(total, before, after):
    """Running CPU total of a server; unknown (None) once any reading is unavailable."""
    return None if None in (total, before, after) else total + after - before


def print_report(comparisons: list, args) -> None:
    """The table the issue asks for: both sides, their figures, the ratio and the verdict."""
    print(f"\nOrder creation with allocation over HTTP: {args.clients} clients, gunicorn 1 worker x "
          f"{args.threads} threads, {args.requests} orders per side in {args.rounds} alternating chunks "
          f"after {args.warmup} warm-up")
    if args.bare_writer_queue:
        print("The bare baseline queues its SQLite writers in-process like Waybill (--bare-writer-queue)")
    print(f"{'backend':<9}{'implementation':<16}{'orders/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}"
          f"{'server CPU ms/order':>21}   orders/s per chunk")
    for comparison in comparisons:
        for side in ("waybill", "bare"):
            r = comparison[side]
            print(f"{comparison['backend']:<9}{SIDES[side][3]:<16}{r['orders_per_s']:>10.1f}"
                  f"{_ms(r['p50_ms']):>9}{_ms(r['p95_ms']):>9}{r['errors'] + r['warmup_errors']:>8}"
                  f"{_ms(r['server_cpu_ms_per_order']):>21}"
                  f"   {', '.join(_rate(x) for x in r['chunk_orders_per_s'])}")
        print(f"{comparison['backend']:<9}ratio waybill/bare throughput: {comparison['ratio']:.1%}  "
              f"{comparison['verdict']} (target >= {comparison['target']:.0%})")
        for side in ("waybill", "bare"):
            r = comparison[side]
            if r["not_sent"]:
                print(f"  note: {side} ran out of time; {r['not_sent']} orders were not sent")
            for status, text in r["error_samples"]:
                print(f"  {side} error: {status} {text}")
        if comparison["same_rows"] is False:
            print(f"  WARNING: the two sides wrote different rows: waybill {comparison['waybill']['rows']} "
                  f"bare {comparison['bare']['rows']}")


def _ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def _rate(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def _environment() -> dict:
    """Enough context to compare results files from different machines and commits."""
    import sqlite3
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "backend"], cwd=ROOT, capture_output=True,
                           text=True)
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(), "load_average": os.getloadavg(),
            "commit": commit.stdout.strip() or None, "backend_modified": bool(dirty.stdout.strip())}


def write_results(comparisons: list, args, started: float) -> Path:
    """Save the figures as JSON under bench/results/ (gitignored)."""
    out = ROOT / "bench" / "results" / f"intake-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "intake", "args": vars(args),
                               "environment": _environment(), "duration_s": round(time.monotonic() - started, 1),
                               "results": comparisons}, indent=2, default=str))
    return out


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("pg", "sqlite", "both"), default="both")
    parser.add_argument("--requests", type=int, default=1500, help="measured orders per side (default 1500)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured orders per side first (default 50)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads (default 16)")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn worker threads (default 16)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating chunks per side (default 3)")
    parser.add_argument("--max-seconds", type=float, default=300.0,
                        help="time budget of all measured phases together, shared equally by the sides "
                             "(default 300: 75 s a side for both backends); orders not sent in time are "
                             "reported")
    parser.add_argument("--seed", type=int, default=20261125, help="seed of the generated orders")
    parser.add_argument("--bare-writer-queue", action="store_true",
                        help="give the bare baseline Waybill's in-process SQLite writer queue too, so the ratio "
                             "shows the cost of Waybill's layers alone (default: the plain baseline, whose "
                             "writers wait in SQLite's busy handler)")
    args = parser.parse_args(argv)
    if min(args.requests, args.clients, args.threads, args.rounds) < 1 or args.warmup < 0:
        parser.error("--requests, --clients, --threads and --rounds must be at least 1")
    return args


def main(argv=None) -> int:
    """Run the chosen backends, print the table, save the JSON; 1 if any request failed."""
    args = parse_args(argv)
    started = time.monotonic()
    # A TERM must unwind through the finally blocks: stop gunicorn, drop databases, delete files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    backends = ("pg", "sqlite") if args.backend == "both" else (args.backend,)
    budget = args.max_seconds / (2 * len(backends))
    comparisons = [compare(backend, args, budget) for backend in backends]
    print_report(comparisons, args)
    print(f"\nResults: {write_results(comparisons, args, started).relative_to(ROOT)}")
    failed = any(c[side]["errors"] or c[side]["warmup_errors"] for c in comparisons for side in ("waybill", "bare"))
    return 1 if failed or any(c["same_rows"] is False for c in comparisons) else 0


if __name__ == "__main__":
    sys.exit(main())
