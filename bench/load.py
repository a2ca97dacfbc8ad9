"""The load client: N threads with keep-alive sessions posting prepared orders, timing each request."""
from __future__ import annotations

import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field

import requests

from tests.factories import LEEDS, LONDON


def order_bodies(count: int, customer_id: int, skus: list[str], seed: int) -> list[bytes]:
    """`count` card orders of 1-3 lines, 1-3 units each, to Leeds or London (both warehouses get work).

    Encoded once up front and identical for both sides, so the client does the same work for each.
    """
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        lines = [{"sku": sku, "quantity": rng.randint(1, 3)} for sku in rng.sample(skus, rng.randint(1, 3))]
        bodies.append(json.dumps({"customer_id": customer_id, "channel": "api", "lines": lines,
                                  "shipping_address": rng.choice([LEEDS, LONDON]),
                                  "payment_method": "card"}).encode())
    return bodies


@dataclass
class Phase:
    """What one timed phase produced."""

    elapsed_s: float = 0.0
    latencies_s: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (status or None, first 300 characters of the answer)
    not_sent: int = 0  # requests skipped because the phase ran out of time
    chunk_rates: list = field(default_factory=list)  # orders/s of each chunk merged in

    @property
    def ok(self) -> int:
        """Requests answered as done (201, or what the run counted as done)."""
        return len(self.latencies_s)

    def merge(self, other: "Phase") -> None:
        """Add a later chunk of the same side: times add up, samples pool."""
        self.elapsed_s += other.elapsed_s
        self.latencies_s.extend(other.latencies_s)
        self.errors.extend(other.errors)
        self.not_sent += other.not_sent
        self.chunk_rates.append(round(other.ok / other.elapsed_s, 1) if other.ok else None)

    def summary(self) -> dict:
        """Orders per second, latency percentiles (ms), errors and requests left unsent."""
        lat = sorted(self.latencies_s)

        def pct(p):
            return round(1000 * lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 2) if lat else None
        return {"orders": self.ok, "elapsed_s": round(self.elapsed_s, 3),
                "orders_per_s": round(self.ok / self.elapsed_s, 1) if self.elapsed_s else 0.0,
                "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
                "errors": len(self.errors), "not_sent": self.not_sent, "chunk_orders_per_s": self.chunk_rates}


class LoadClient:
    """`clients` threads, each with its own requests.Session (keep-alive), sharing one work list."""

    def __init__(self, url: str, token: str, clients: int):
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.sessions = [requests.Session() for _ in range(clients)]

    def close(self) -> None:
        """Close every keep-alive connection."""
        for session in self.sessions:
            session.close()

    def run(self, bodies: list[bytes], time_limit_s: float, *, headers: list[dict] | None = None,
            ok_statuses=(201,)) -> Phase:
        """Post every body once, spread over the threads; stop taking work after `time_limit_s`.

        `headers`, when given, are each body's own (a shop's signed webhook); `ok_statuses` are the answers
        that count as done (a re-sent webhook is answered 200).
        """
        next_index = itertools.count()  # next() on a count is atomic under the GIL
        outputs = [([], []) for _ in self.sessions]
        start = threading.Barrier(len(self.sessions) + 1)
        deadline = [0.0]

        def work(session, latencies, errors):
            start.wait()
            while True:
                i = next(next_index)
                if i >= len(bodies) or time.monotonic() > deadline[0]:
                    return
                began = time.perf_counter()
                try:
                    response = session.post(self.url, data=bodies[i], timeout=60,
                                            headers=self.headers if headers is None else headers[i])
                    status = response.status_code
                    text = "" if status in ok_statuses else response.text
                except requests.RequestException as exc:
                    status, text = None, repr(exc)
                took = time.perf_counter() - began
                if status in ok_statuses:
                    latencies.append(took)
                else:
                    errors.append((status, text[:300]))

        threads = [threading.Thread(target=work, args=(s, *out), daemon=True)
                   for s, out in zip(self.sessions, outputs)]
        for thread in threads:
            thread.start()
        deadline[0] = time.monotonic() + time_limit_s
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        phase = Phase(elapsed_s=time.perf_counter() - began)
        for latencies, errors in outputs:
            phase.latencies_s.extend(latencies)
            phase.errors.extend(errors)
        phase.not_sent = max(0, len(bodies) - phase.ok - len(phase.errors))
        return phase
