"""Realtime benchmark: how long a nudge takes from commit to every connected page, beside a bare broadcast.

    .venv/bin/python bench/realtime.py [--clients 200 500] [--rounds 20]

Waybill side: the `make run` server (`python -m backend.serve`: SQLite, Socket.IO in threading mode,
the outbox relay in a thread) with --clients signed-in Socket.IO clients (websocket, one event loop).
Each round places an order through the API (two events in one transaction: the stock reserved, the
order placed); the clock starts when the order.placed event is recorded in the transaction that commits
it (its outbox row's occurred_at, so the rest of the write and the commit itself count against Waybill)
and stops when each client receives the "changes" message listing it (wall clock, one machine). Bare
side: a minimal Flask-SocketIO app in the same mode that broadcasts from the request itself
(bench/bare_broadcast.py), from the emit's own timestamp. Prints p50/p95/p99 per side and client count,
and the ratio of the medians. The relay thread is woken by the commit (WAYBILL_RELAY_IDLE_SECONDS is only
its fallback poll) and sends one message per room for the pass.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402

SECRET = "bench-secret-key-not-for-production"
EMAIL, PASSWORD = "owner@bench.example", "bench-password-2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url: str) -> dict:
    """Migrate a fresh database, build the bench shop, and an owner to sign in as; returns ids and a token."""
    from bench.harness import _app_for, seed_shop
    shop = seed_shop(url)
    from backend.bootstrap import bus
    from backend.domain import commands
    from backend.domain.access import SYSTEM
    from backend.extensions import db
    app = _app_for(url)
    app.config["WAYBILL_FAST_PASSWORD_HASH"] = True
    with app.app_context():
        bus().handle(commands.CreateUser(EMAIL, PASSWORD, "owner"), SYSTEM)
        db.engine.dispose()
    return shop


@contextlib.contextmanager
def server(command: list[str], env: dict):
    """A server subprocess on a free port, ready when /healthz answers; yields its base URL."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="waybill_rt_", suffix=".log", delete=False)
    child_env = {**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}, **env,
                 "PORT": str(port), "SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(Path(log.name).read_text()[-3000:])
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        if process.poll() is None:
            process.kill()
        log.close()
        os.unlink(log.name)


def session_cookie(base: str) -> str:
    """Sign in through the page (CSRF token included) and return the Cookie header for the session."""
    import re
    http = requests.Session()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', http.get(base + "/sign-in").text).group(1)
    http.post(base + "/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


class Clients:
    """N Socket.IO clients in one event loop, noting when each message arrived.

    `event` is the Socket.IO event to listen to, `unpack(message)` the items one message carries (Waybill's
    "changes" message lists every event of a commit; the bare broadcast's message is one item), `key(item)`
    what a round waits for.
    """

    def __init__(self, count: int, event: str, unpack, key):
        self.count, self.event, self.unpack, self.key = count, event, unpack, key
        self.clients, self.log, self.counts, self.wanted, self.done = [], [], {}, None, asyncio.Event()

    async def connect(self, base: str, cookie: str | None) -> None:
        async def one():
            client = socketio.AsyncClient(reconnection=False)
            client.on(self.event, self._on_change)
            await client.connect(base, transports=["websocket"], headers={"Cookie": cookie} if cookie else {},
                                 wait_timeout=30)
            self.clients.append(client)
        for start in range(0, self.count, 50):  # connect in waves, as phones coming online would
            await asyncio.gather(*(one() for _ in range(min(50, self.count - start))))

    async def _on_change(self, message):
        # Constant work per message: the receiving loop is shared by every client, so rescanning the round's
        # log here (as this used to) delayed each later client's receipt by the bookkeeping of all before it.
        now = time.time()
        for item in self.unpack(message):
            key = self.key(item)
            self.log.append((key, now, item))
            self.counts[key] = self.counts.get(key, 0) + 1
        if self.wanted is not None and self.counts.get(self.wanted, 0) >= self.count:
            self.done.set()

    def arrivals(self) -> list[tuple[float, dict]]:
        return [(t, m) for key, t, m in self.log if key == self.wanted]

    def start_round(self) -> None:
        self.log, self.counts, self.wanted, self.done = [], {}, None, asyncio.Event()

    def expect(self, wanted) -> None:
        """The round's message is known now; it may already have arrived (before the HTTP answer)."""
        self.wanted = wanted
        if self.counts.get(wanted, 0) >= self.count:
            self.done.set()

    async def close(self) -> None:
        await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)


async def measure(base: str, clients: Clients, rounds: int, trigger, origin) -> list[float]:
    """Latencies (ms) from each message's origin (`origin(message)`, wall clock) to each client's receipt."""
    latencies, missing = [], 0
    async with aiohttp.ClientSession() as http:
        for n in range(rounds):
            clients.start_round()
            wanted = await trigger(http, n)
            clients.expect(wanted)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(clients.done.wait(), timeout=10)
            arrivals = clients.arrivals()
            missing += clients.count - len(arrivals)
            if arrivals:
                started = origin(arrivals[0][1])
                latencies += [(t - started) * 1000 for t, _ in arrivals]
            await asyncio.sleep(0.3)
    if missing:
        print(f"  warning: {missing} nudges did not arrive within 10 s", file=sys.stderr)
    return latencies


def occurred_at(url: str, event_id: str) -> float:
    """When the event was recorded, inside the transaction that committed it (wall clock, seconds)."""
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(sa.text("SELECT occurred_at FROM outbox_event WHERE event_id = :e"),
                                 {"e": event_id}).scalar_one()
    finally:
        engine.dispose()
    from datetime import datetime, timezone
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run_side(side: str, base: str, count: int, rounds: int, shop: dict | None) -> dict:
    if side == "waybill":
        clients = Clients(count, "changes", unpack=lambda m: m["events"],
                          key=lambda n: (n.get("aggregate"), n.get("id"), n.get("name")))
        cookie = session_cookie(base)

        async def trigger(http, n):
            body = {"customer_id": shop["customer_id"], "lines": [{"sku": shop["skus"][n % len(shop["skus"])],
                                                                   "quantity": 1}],
                    "shipping_address": {"name": "Bench", "line1": "1 Road", "city": "Leeds", "postcode": "LS1 1AA",
                                         "country": "GB", "latitude": 53.8, "longitude": -1.55},
                    "payment_method": "card"}
            async with http.post(base + "/api/v1/orders", json=body,
                                 headers={"Authorization": f"Bearer {shop['token']}"}) as response:
                order = await response.json()
            return ("order", order["id"], "order.placed")

        def origin(message):
            return occurred_at(shop["url"], message["event_id"])
    else:
        clients = Clients(count, "change", unpack=lambda m: [m], key=lambda m: m.get("id"))
        cookie = None

        async def trigger(http, n):
            async with http.post(base + "/broadcast", json={"id": n}) as response:
                await response.read()
            return n

        def origin(message):
            return message["sent_at"]
    await clients.connect(base, cookie)
    try:
        latencies = await measure(base, clients, rounds, trigger, origin)
    finally:
        await clients.close()
    return {"side": side, "clients": count, "received": len(latencies), "p50_ms": pct(latencies, 50),
            "p95_ms": pct(latencies, 95), "p99_ms": pct(latencies, 99), "mean_ms": statistics.fmean(latencies)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[200, 500])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    directory = tempfile.mkdtemp(prefix="waybill_rt_db_")
    results = []
    try:
        url = f"sqlite:///{directory}/waybill.db"
        shop = dict(seed(url), url=url)
        with server([sys.executable, "-m", "backend.serve"], {"DATABASE_URL": url}) as waybill, \
                server([sys.executable, "bench/bare_broadcast.py"], {}) as bare:
            for count in args.clients:
                for side, base in (("waybill", waybill), ("bare", bare)):
                    results.append(asyncio.run(run_side(side, base, count, args.rounds, shop)))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"\nNudge delivery latency, event recorded at commit -> client received; {args.rounds} rounds")
    print(f"{'clients':>7} {'side':<8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'received':>9}")
    for r in results:
        print(f"{r['clients']:>7} {r['side']:<8} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} "
              f"{r['received']:>9}")
    for count in args.clients:
        w, b = (next(r for r in results if r["clients"] == count and r["side"] == s) for s in ("waybill", "bare"))
        print(f"{count} clients: Waybill p50 is {w['p50_ms'] / max(b['p50_ms'], 0.001):.1f}x the bare broadcast's "
              f"(+{w['p50_ms'] - b['p50_ms']:.0f} ms: the rest of the write and its commit, the relay's pass, rooms)")
    out = ROOT / "bench" / "results" / f"realtime-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"figures written to {out.relative_to(ROOT)}")
    expected = {c: c * args.rounds for c in args.clients}
    return 0 if all(r["received"] == expected[r["clients"]] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
