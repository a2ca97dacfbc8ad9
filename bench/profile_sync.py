"""Profile offline replay against the same changes online, in-process: CPU per command, then cProfile.

    .venv/bin/python bench/profile_sync.py [--backend pg|sqlite] [--commands 1000] [--batch 50] [--top 40]

Seeds a fresh database like bench/sync.py (the bench shop, a floor user with a token and a device),
then in one thread through Flask's test client (no server, no other load): pushes queued stock
counts in batches of --batch to /api/v1/sync/push, and makes as many changes one by one through
POST /api/v1/stock/adjustments. Prints the CPU milliseconds per command of each side measured
without the profiler, then cProfile's view (thread CPU time) of the replay side, or of --profile online.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

from bench.harness import SECRET_KEY, VELOCITY_LIMIT, pg_database, seed_shop, sqlite_database  # noqa: E402
from bench.sync import add_floor_staff, queued_commands  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("pg", "sqlite"), default="pg")
    parser.add_argument("--commands", type=int, default=1000, help="commands measured per side, and as many profiled")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--profile", choices=("replay", "online"), default="replay")
    parser.add_argument("--top", type=int, default=40, help="rows of each profile table")
    args = parser.parse_args(argv)
    os.environ["SECRET_KEY"] = SECRET_KEY
    with (pg_database() if args.backend == "pg" else sqlite_database()) as url:
        seed_shop(url)
        person = add_floor_staff(url, 1)[0]
        from backend import create_app
        from backend.extensions import db
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WAYBILL_RISK_VELOCITY_LIMIT": VELOCITY_LIMIT})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {person['token']}"}
        queue = queued_commands(person, 3 * args.commands + 100, random.Random(1))

        def replay(commands):
            for start in range(0, len(commands), args.batch):
                response = client.post("/api/v1/sync/push", headers=headers, json={
                    "device_id": person["device_id"], "commands": commands[start:start + args.batch]})
                statuses = {r["status"] for r in response.get_json()["results"]} if response.status_code == 200 else set()
                if statuses != {"applied"}:
                    raise SystemExit(f"push failed: {response.status_code} {response.text[:300]}")

        def online(commands):
            for command in commands:
                response = client.post("/api/v1/stock/adjustments", headers=headers, json=command["payload"])
                if response.status_code != 201:
                    raise SystemExit(f"adjustment failed: {response.status_code} {response.text[:300]}")

        sides = {"replay": replay, "online": online}
        replay(queue[:50])
        online(queue[50:100])
        cpu = {}
        for offset, (side, run) in enumerate(sides.items()):
            chunk = queue[100 + offset * args.commands:100 + (offset + 1) * args.commands]
            started = time.process_time()
            run(chunk)
            cpu[side] = 1000 * (time.process_time() - started) / args.commands
        print(f"{args.backend}: ms CPU per command without the profiler ({args.commands} commands): "
              f"replay {cpu['replay']:.2f}, online {cpu['online']:.2f} ({cpu['online'] / cpu['replay']:.2f}x)\n")
        profile = cProfile.Profile(time.thread_time)
        profile.enable()
        sides[args.profile](queue[100 + 2 * args.commands:])
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
