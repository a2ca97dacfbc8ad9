"""Orders in from the channels: signed shop webhooks beside the plain API order intake, and CSV import.

    .venv/bin/python bench/intake_channels.py [--section webhooks|csv|all] [--requests N] [--clients 16]
        [--csv-rows 10000 100000]

Each section measures one way orders come in and prints its figures against its target:

- webhooks: one fresh PostgreSQL database, seeded as bench/intake.py seeds it, with a Shopify channel configured
  (a random secret per run), served by one gunicorn (one gthread worker, --threads threads). Two streams of the
  same orders (same lines, quantities, addresses, customer) go to the same server in alternating chunks
  (A B B A ...): plain API orders (POST /api/v1/orders, bearer token) and signed Shopify orders/create webhooks
  (POST /api/v1/channels/<slug>/webhooks: signature check over the raw body, mapping, the idempotency look-up by
  the shop's order id, then the same PlaceOrder). Target: webhooks/s at least 80% of API orders/s. Then every
  webhook is re-sent once (the shop's retries): answered 200 "duplicate", nothing written; its rate is reported.

- csv: a file of --csv-rows order rows (4 lines an order) checked and imported into a fresh seeded PostgreSQL
  database by a child process whose peak memory is measured, beside a bare csv-module + executemany insert of the
  same rows (bench/csv_import.py). Target: peak memory under 150 MB, flat as the file grows.

Writes the figures to bench/results/intake-channels-<timestamp>.json. Exit status 1 when any request failed or
the rows written do not add up; otherwise 0, whatever the ratio (this is a measurement).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)  # run as a script: import bench.* as a package, not its modules as top-level names
sys.path.insert(0, str(ROOT))

from bench.harness import _app_for, gunicorn, pg_database, row_counts, seed_shop  # noqa: E402
from bench.intake import _environment, _ms  # noqa: E402
from bench.load import LoadClient, Phase, order_bodies  # noqa: E402
from bench.harness import PRODUCTS  # noqa: E402

WEBHOOK_TARGET = 0.80
CHANNEL = "bench-shopify"
PRICES = {sku: price for sku, price, _ in PRODUCTS}


def _configure_channel(url: str, secret: str) -> None:
    """The owner sets up the Shopify channel, as `flask channels set` does (the secret generated per run)."""
    from backend.bootstrap import bus
    from backend.domain import commands
    from backend.domain.access import SYSTEM
    from backend.extensions import db
    app = _app_for(url)
    with app.app_context():
        bus().handle(commands.ConfigureChannel(CHANNEL, "shopify", "GBP", name="Bench Shopify", secret=secret), SYSTEM)
        db.session.remove()
        db.engine.dispose()


def webhook_bodies(api_bodies: list[bytes], secret: str) -> tuple[list[bytes], list[dict]]:
    """The same orders as Shopify orders/create deliveries, signed; each with its own order id and headers."""
    from tests.shop_webhooks import body_of, shopify_headers, shopify_order
    bodies, headers = [], []
    for index, raw in enumerate(api_bodies):
        order = json.loads(raw)
        a = order["shipping_address"]
        address = {"name": a["name"], "first_name": a["name"].split()[0], "last_name": a["name"].split()[-1],
                   "address1": a["line1"], "address2": "", "city": a["city"], "zip": a["postcode"],
                   "country_code": a["country"], "phone": "", "latitude": a["latitude"], "longitude": a["longitude"]}
        lines = tuple((line["sku"], line["quantity"], f"{PRICES[line['sku']] / 100:.2f}") for line in order["lines"])
        subtotal = sum(PRICES[line["sku"]] * line["quantity"] for line in order["lines"]) / 100
        body = body_of(shopify_order(9_000_000_000 + index, lines=lines, subtotal=f"{subtotal:.2f}",
                                     total=f"{subtotal * 1.2:.2f}", tax=f"{subtotal * 0.2:.2f}", shipping="0.00",
                                     email="casey@example.com", address=address, note=""))
        bodies.append(body)
        headers.append(shopify_headers(body, secret=secret))
    return bodies, headers


def webhooks_section(args, budget_s: float) -> dict:
    """API orders and signed webhooks on one PostgreSQL server, alternating; then every webhook re-sent."""
    secret = secrets.token_urlsafe(32)
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg_database())
        shop = seed_shop(url)
        _configure_channel(url, secret)
        server = stack.enter_context(gunicorn("backend:create_app()", {"DATABASE_URL": url}, threads=args.threads))
        total = args.warmup + args.requests
        api_orders = order_bodies(total, shop["customer_id"], shop["skus"], seed=args.seed)
        hooks, hook_headers = webhook_bodies(order_bodies(total, shop["customer_id"], shop["skus"], seed=args.seed),
                                             secret)
        api = LoadClient(server.url + "/api/v1/orders", shop["token"], args.clients)
        shopify = LoadClient(server.url + f"/api/v1/channels/{CHANNEL}/webhooks", "", args.clients)
        stack.callback(api.close)
        stack.callback(shopify.close)
        streams = {"api": lambda lo, hi, left: api.run(api_orders[lo:hi], left),
                   "webhooks": lambda lo, hi, left: shopify.run(hooks[lo:hi], left, headers=hook_headers[lo:hi])}
        warmups = {name: run(0, args.warmup, budget_s) for name, run in streams.items()}
        phases = {name: Phase() for name in streams}
        size = -(-args.requests // args.rounds)
        for chunk in range(args.rounds):
            lo, hi = args.warmup + chunk * size, min(args.warmup + (chunk + 1) * size, total)
            for name in (("api", "webhooks") if chunk % 2 == 0 else ("webhooks", "api")):
                phases[name].merge(streams[name](lo, hi, max(0.0, budget_s - phases[name].elapsed_s)))
        before_replay = row_counts(url)
        replays = shopify.run(hooks, budget_s, headers=[{**h, "X-Shopify-Webhook-Id": h["X-Shopify-Webhook-Id"]}
                                                        for h in hook_headers], ok_statuses=(200,))
        rows = row_counts(url)
    results = {name: {**phases[name].summary(), "warmup_errors": len(warmups[name].errors),
                      "error_samples": (warmups[name].errors + phases[name].errors)[:5]} for name in streams}
    api_rate = results["api"]["orders_per_s"]
    ratio = results["webhooks"]["orders_per_s"] / api_rate if api_rate else 0.0
    placed = sum(warmups[name].ok + phases[name].ok for name in streams)
    return {"section": "webhooks", "backend": "pg", **results, "ratio": round(ratio, 3),
            "target": WEBHOOK_TARGET, "verdict": "PASS" if ratio >= WEBHOOK_TARGET else "BELOW TARGET",
            "replays": {**replays.summary(), "error_samples": replays.errors[:5]},
            "rows": rows, "orders_add_up": rows["orders"] == placed,
            "replays_wrote_nothing": rows == before_replay}


def print_webhooks(result: dict, args) -> None:
    """The webhook section's table: both streams, the ratio against the target, the retries."""
    print(f"\nWebhooks beside API order intake on PostgreSQL: {args.clients} clients, gunicorn 1 worker x "
          f"{args.threads} threads, {args.requests} orders per stream in {args.rounds} alternating chunks "
          f"after {args.warmup} warm-up")
    print(f"{'stream':<34}{'orders/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}   orders/s per chunk")
    for name, label in (("api", "API orders (POST /api/v1/orders)"), ("webhooks", "signed Shopify webhooks")):
        r = result[name]
        print(f"{label:<34}{r['orders_per_s']:>10.1f}{_ms(r['p50_ms']):>9}{_ms(r['p95_ms']):>9}"
              f"{r['errors'] + r['warmup_errors']:>8}   {', '.join(str(x) for x in r['chunk_orders_per_s'])}")
        for status, text in r["error_samples"]:
            print(f"  {name} error: {status} {text}")
    print(f"ratio webhooks/API: {result['ratio']:.1%}  {result['verdict']} (target >= {WEBHOOK_TARGET:.0%})")
    r = result["replays"]
    print(f"re-sent webhooks (answered 200 duplicate): {r['orders_per_s']:.1f}/s, p50 {_ms(r['p50_ms'])} ms, "
          f"{r['errors']} errors; wrote nothing: {result['replays_wrote_nothing']}")
    print(f"orders written add up to the 201s: {result['orders_add_up']} ({result['rows']['orders']} orders)")


def _webhooks_failed(result: dict) -> bool:
    streams = (result["api"], result["webhooks"], result["replays"])
    return (any(r["errors"] for r in streams) or result["api"]["warmup_errors"] or result["webhooks"]["warmup_errors"]
            or not result["orders_add_up"] or not result["replays_wrote_nothing"])


# Each section: (run(args, budget_s) -> result, print(result, args), failed(result) -> bool). A section added
# later (CSV import) registers itself here with its own figures and target.
def csv_section(args, budget_s: float) -> dict:
    """CSV import of order rows at each --csv-rows size (bench/csv_import.py): speed and peak memory."""
    from bench.csv_import import csv_import_figures
    return {"sizes": csv_import_figures(tuple(args.csv_rows))}


def print_csv(result: dict, args) -> None:
    """The CSV table, with the memory verdict kept in the results."""
    from bench.csv_import import print_csv_report
    result["memory_target_met"] = print_csv_report(result["sizes"])


SECTIONS = {"webhooks": (webhooks_section, print_webhooks, _webhooks_failed),
            # A measurement, like the webhooks: only a failed import (an exception) fails the run.
            "csv": (csv_section, print_csv, lambda result: False)}


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=(*SECTIONS, "all"), default="all")
    parser.add_argument("--requests", type=int, default=1200, help="measured orders per stream (default 1200)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured orders per stream first (default 50)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads (default 16)")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn worker threads (default 16)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating chunks per stream (default 4)")
    parser.add_argument("--max-seconds", type=float, default=240.0,
                        help="time budget of each stream's measured phases (default 240)")
    parser.add_argument("--csv-rows", type=int, nargs="+", default=[10_000, 100_000],
                        help="order rows per CSV file measured (default 10000 100000; 100000 takes minutes)")
    parser.add_argument("--seed", type=int, default=20261203, help="seed of the generated orders")
    args = parser.parse_args(argv)
    if min(args.requests, args.clients, args.threads, args.rounds) < 1 or args.warmup < 0:
        parser.error("--requests, --clients, --threads and --rounds must be at least 1")
    return args


def main(argv=None) -> int:
    """Run the chosen sections, print each one's table, save the JSON; 1 if any section failed."""
    args = parse_args(argv)
    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop gunicorn, drop databases
    chosen = list(SECTIONS) if args.section == "all" else [args.section]
    results = {}
    for name in chosen:
        run, report, _ = SECTIONS[name]
        results[name] = run(args, args.max_seconds)
        report(results[name], args)
    out = ROOT / "bench" / "results" / f"intake-channels-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "intake_channels", "args": vars(args), "environment": _environment(),
                               "duration_s": round(time.monotonic() - started, 1), "results": results},
                              indent=2, default=str))
    print(f"\nResults: {out.relative_to(ROOT)}")
    return 1 if any(SECTIONS[name][2](results[name]) for name in chosen) else 0


if __name__ == "__main__":
    sys.exit(main())
