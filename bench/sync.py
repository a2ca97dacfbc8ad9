"""Offline sync benchmark: replaying queued phone commands against doing the same work online, same run.

    .venv/bin/python bench/sync.py [--devices 50] [--commands 200] [--clients 16] [--batch 50]

Each of --devices floor users has a phone whose queue holds --commands stock counts (deltas on
the bench shop's levels). "replay" sends every queue through POST /api/v1/sync/push in batches of
--batch, as phones coming back online do; "online" sends the same changes one by one through
POST /api/v1/stock/adjustments, as the same people would with signal. Both run on PostgreSQL, each
on its own fresh database and gunicorn (one gthread worker), under --clients concurrent phones.

Prints commands/s, p50/p95 latency per request (a batch for replay, one change online), server CPU
per command and the ratio replay/online; checks that both sides wrote the same ledger (every
command applied exactly once), then pushes every batch again and checks nothing more is written.
Also prints the weight of the driver's run page (bench/page_weight.py), cold and warm.
Writes the figures to bench/results/sync-<timestamp>.json. Exit status 1 if any command was not
applied, or applied twice.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.harness import _app_for, gunicorn, pg_database, seed_shop  # noqa: E402

NOTE = "bench count"


def add_floor_staff(url: str, devices: int) -> list[dict]:
    """One floor user per phone, scoped to every warehouse, each with an API token and a device id."""
    import sqlalchemy as sa

    from backend.adapters.tables import products, warehouses
    from backend.bootstrap import bus
    from backend.domain import commands
    from backend.domain.access import SYSTEM
    from backend.identity import actor_for
    from backend.extensions import db
    app = _app_for(url)
    app.config["WAYBILL_FAST_PASSWORD_HASH"] = True  # the bench measures replay, not 50 argon2 hashes
    people = []
    with app.app_context():
        warehouse_ids = list(db.session.execute(sa.select(warehouses.c.id)).scalars())
        product_ids = list(db.session.execute(sa.select(products.c.id)).scalars())
        for i in range(devices):
            user = bus().handle(commands.CreateUser(f"picker{i}@bench.example", "bench-password-2026", "floor",
                                                    warehouse_ids=tuple(warehouse_ids)), SYSTEM)
            _, token = bus().handle(commands.IssueApiToken("bench phone"), actor_for(user))
            people.append({"token": token, "device_id": str(uuid.uuid4()), "warehouse_ids": warehouse_ids,
                           "product_ids": product_ids})
        db.session.remove()
        db.engine.dispose()
    return people


def queued_commands(person: dict, count: int, rng: random.Random) -> list[dict]:
    """A phone's queue: `count` stock counts, seq 1..count, small deltas that never empty a level."""
    return [{"id": str(uuid.uuid4()), "seq": seq, "type": "stock.adjust", "v": 1,
             "occurred_at": "2026-11-29T08:00:00+00:00",
             "payload": {"warehouse_id": rng.choice(person["warehouse_ids"]),
                         "product_id": rng.choice(person["product_ids"]), "reason": "count",
                         "on_hand_delta": rng.choice([-2, -1, 1, 2, 3]), "note": NOTE}}
            for seq in range(1, count + 1)]


class Recorder:
    """Latencies, applied counts and failures from many threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies, self.failures, self.applied = [], [], 0

    def add(self, seconds: float, ok: bool, applied: int, detail: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.applied += applied
            if not ok:
                self.failures.append(detail[:300])


def replay_phone(base: str, person: dict, queue: list[dict], batch: int, record: Recorder) -> None:
    """Push a phone's queue in seq order, one bounded batch at a time, as the flusher does."""
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {person['token']}"
        for start in range(0, len(queue), batch):
            body = {"device_id": person["device_id"], "commands": queue[start:start + batch]}
            began = time.perf_counter()
            response = http.post(base + "/api/v1/sync/push", json=body, timeout=120)
            elapsed = time.perf_counter() - began
            results = response.json().get("results", []) if response.ok else []
            applied = sum(r["status"] == "applied" for r in results)
            record.add(elapsed, response.ok and applied == len(body["commands"]), applied,
                       f"{response.status_code} {response.text}")


def online_phone(base: str, person: dict, queue: list[dict], record: Recorder) -> None:
    """The same changes made online: one POST per change, in order."""
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {person['token']}"
        for command in queue:
            began = time.perf_counter()
            response = http.post(base + "/api/v1/stock/adjustments", json=command["payload"], timeout=60)
            elapsed = time.perf_counter() - began
            created = response.status_code == 201
            record.add(elapsed, created, int(created), f"{response.status_code} {response.text}")


def ledger(url: str) -> dict:
    """Movements the bench wrote, and how many levels no longer equal their ledger."""
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            movements = conn.execute(sa.text("SELECT count(*) FROM stock_movement WHERE note = :n"),
                                     {"n": NOTE}).scalar_one()
            drift = conn.execute(sa.text(
                "SELECT count(*) FROM stock_level l WHERE l.on_hand <> (SELECT coalesce(sum(m.on_hand_delta), 0) "
                "FROM stock_movement m WHERE m.warehouse_id = l.warehouse_id AND m.product_id = l.product_id)")
            ).scalar_one()
        return {"movements": movements, "levels_off_ledger": drift}
    finally:
        engine.dispose()


def _run_phones(pool, side: str, base: str, people, queues, batch: int, record: Recorder) -> None:
    if side == "replay":
        jobs = [pool.submit(replay_phone, base, p, q, batch, record) for p, q in zip(people, queues)]
    else:
        jobs = [pool.submit(online_phone, base, p, q, record) for p, q in zip(people, queues)]
    for job in jobs:
        job.result()


def measure(side: str, args) -> dict:
    """One side on its own fresh PostgreSQL database and server; the same queues for both sides."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg_database())
        seed_shop(url)
        people = add_floor_staff(url, args.devices)
        rng = random.Random(args.seed)
        queues = [queued_commands(p, args.commands, rng) for p in people]
        server = stack.enter_context(gunicorn("backend:create_app()", {"DATABASE_URL": url}, threads=args.threads))
        record = Recorder()
        cpu_before = server.cpu_seconds()
        began = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            _run_phones(pool, side, server.url, people, queues, args.batch, record)
        elapsed = time.perf_counter() - began
        cpu_after = server.cpu_seconds()
        result = {"side": side, "seconds": elapsed, "commands": args.devices * args.commands,
                  "applied": record.applied, "failures": record.failures[:5], "requests": len(record.latencies),
                  "commands_per_s": record.applied / elapsed if elapsed else 0.0,
                  "p50_ms": 1000 * statistics.median(record.latencies),
                  "p95_ms": 1000 * statistics.quantiles(record.latencies, n=20)[18],
                  "cpu_ms_per_command": (1000 * (cpu_after - cpu_before) / max(record.applied, 1)
                                         if cpu_before is not None else None),
                  "ledger": ledger(url)}
        if side == "replay":  # every batch again, as after lost responses: nothing more may be written
            again = Recorder()
            with ThreadPoolExecutor(args.clients) as pool:
                _run_phones(pool, side, server.url, people, queues, args.batch, again)
            result["replayed_again_applied"] = again.applied
            result["ledger_after_second_push"] = ledger(url)
        return result


def run_page_weight() -> dict | None:
    """Bytes a driver's phone fetches for the run page, cold (first visit) and warm (next visit)."""
    try:
        from bench.page_weight import driver_run_page_weight
    except ImportError:  # the page-weight probe needs Playwright and Chromium
        return None
    return driver_run_page_weight()


def print_report(results: list, pages: dict | None, args) -> None:
    print(f"\nOffline sync on PostgreSQL: {args.devices} phones x {args.commands} queued commands, "
          f"{args.clients} concurrent, batches of {args.batch}")
    print(f"{'side':<8} {'commands/s':>11} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/cmd':>11} {'requests':>9}")
    for r in results:
        cpu = f"{r['cpu_ms_per_command']:.2f}" if r["cpu_ms_per_command"] is not None else "n/a"
        print(f"{r['side']:<8} {r['commands_per_s']:>11.1f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {cpu:>11} "
              f"{r['requests']:>9}")
    replay, online = results
    print(f"replay/online throughput: {replay['commands_per_s'] / online['commands_per_s']:.2f}x "
          f"(latency is per batch of up to {args.batch} for replay, per single change online)")
    print(f"ledger: replay wrote {replay['ledger']['movements']} movements, online {online['ledger']['movements']}; "
          f"levels off their ledger: {replay['ledger']['levels_off_ledger']} / {online['ledger']['levels_off_ledger']}")
    print(f"every batch pushed a second time: {replay['replayed_again_applied']} applied again, "
          f"{replay['ledger_after_second_push']['movements']} movements after")
    if pages:
        print(f"driver run page: cold {pages['cold_kb']:.1f} KB in {pages['cold_requests']} requests; "
              f"warm {pages['warm_kb']:.1f} KB over the network in {pages['warm_requests']} requests")


def sound(results: list, expected: int) -> bool:
    """Every command applied exactly once on both sides, and the ledger still adds up."""
    replay, online = results
    return (replay["applied"] == online["applied"] == expected
            and replay["ledger"]["movements"] == online["ledger"]["movements"] == expected
            and replay["replayed_again_applied"] == 0
            and replay["ledger_after_second_push"]["movements"] == expected
            and replay["ledger"]["levels_off_ledger"] == online["ledger"]["levels_off_ledger"] == 0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads per side")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-page-weight", action="store_true", help="skip the run page weight (no Chromium)")
    args = parser.parse_args(argv)
    started = time.time()
    results = [measure("replay", args), measure("online", args)]
    pages = None if args.no_page_weight else run_page_weight()
    print_report(results, pages, args)
    out = ROOT / "bench" / "results" / f"sync-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started))}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "results": results, "run_page": pages}, indent=2, default=str))
    print(f"figures written to {out.relative_to(ROOT)}")
    if not sound(results, args.devices * args.commands):
        print("FAILED: a command was lost or applied twice", file=sys.stderr)
        for r in results:
            for failure in r["failures"]:
                print(f"  {r['side']}: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
