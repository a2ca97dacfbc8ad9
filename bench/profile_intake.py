"""Profile Waybill's POST /api/v1/orders in-process: CPU per order, then cProfile of the same requests.

    .venv/bin/python bench/profile_intake.py [--backend pg|sqlite] [--orders 300] [--top 40]

Seeds a fresh database exactly like bench/intake.py (migrations, the bench shop, an owner's token),
posts the same generated orders through Flask's test client in one thread (no server, no other
load, so the numbers are about the request's own work), prints the CPU milliseconds per order
measured without the profiler, then cProfile's view (thread CPU time) of as many orders again.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

from bench.harness import SECRET_KEY, VELOCITY_LIMIT, pg_database, seed_shop, sqlite_database  # noqa: E402
from bench.load import order_bodies  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("pg", "sqlite"), default="pg")
    parser.add_argument("--orders", type=int, default=300, help="orders measured, and as many profiled")
    parser.add_argument("--top", type=int, default=40, help="rows of each profile table")
    args = parser.parse_args(argv)
    os.environ["SECRET_KEY"] = SECRET_KEY
    with (pg_database() if args.backend == "pg" else sqlite_database()) as url:
        shop = seed_shop(url)
        from backend import create_app
        from backend.extensions import db
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WAYBILL_RISK_VELOCITY_LIMIT": VELOCITY_LIMIT})
        warmup = 50
        bodies = order_bodies(warmup + 2 * args.orders, shop["customer_id"], shop["skus"], seed=1)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {shop['token']}", "Content-Type": "application/json"}

        def post(batch):
            for body in batch:
                response = client.post("/api/v1/orders", data=body, headers=headers)
                if response.status_code != 201:
                    raise SystemExit(f"order failed: {response.status_code} {response.text[:300]}")

        post(bodies[:warmup])
        started = time.process_time()
        post(bodies[warmup:warmup + args.orders])
        cpu_ms = 1000 * (time.process_time() - started) / args.orders
        profile = cProfile.Profile(time.thread_time)
        profile.enable()
        post(bodies[warmup + args.orders:])
        profile.disable()
        print(f"{args.backend}: {cpu_ms:.2f} ms CPU per order without the profiler ({args.orders} orders)\n")
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
