"""Web push benchmark: notifications/s encrypted and sent through Waybill's sender vs bare pywebpush, same run.

    .venv/bin/python bench/push.py [--messages 1500] [--browsers 50] [--threads 4]

Both sides send the same payloads (real order notifications, built by domain/notifications.py) to
the same local push service on 127.0.0.1 (tests/push_service.py, a real HTTP server), encrypted with
aes128gcm to --browsers subscriptions and VAPID-signed with the same key:

- "waybill": backend.adapters.push.WebPushSender.send (a fresh claims dict per send, the key parsed
  once, a kept-alive HTTP session per thread, TTL/Topic/Urgency headers);
- "bare": pywebpush.webpush() called as its README shows (the private key as a string, a new claims
  dict, no session), with the same TTL/Topic/Urgency headers.

--threads client threads per side. The measured messages go in 3 chunks per side in A B, B A, A B
order, so a change in machine load hits both alike. The push service does not decrypt while timing;
afterwards 20 messages per side are sent with decryption on and must decrypt to the exact payload
and carry a VAPID JWT that verifies. Prints notifications/s, p50/p95 per send and the ratio
waybill/bare; writes bench/results/push-<timestamp>.json. Exit status 1 if a send failed or a check
did not pass.
"""
from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

from py_vapid import Vapid  # noqa: E402
from pywebpush import webpush  # noqa: E402

from backend.adapters.push import VapidKeys, WebPushSender, application_server_key  # noqa: E402
from backend.domain.notifications import KINDS, build_payload, topic_for  # noqa: E402
from tests.push_service import LocalPushService  # noqa: E402

SUBJECT = "mailto:ops@waybill-shop.co.uk"


def make_jobs(service: LocalPushService, browsers: int, messages: int) -> list[tuple[dict, bytes, int, str, str]]:
    """(subscription info, payload, ttl, topic, urgency) for `messages` notifications over `browsers` phones."""
    subs = [service.subscribe() for _ in range(browsers)]
    kinds = list(KINDS.values())
    jobs = []
    for i in range(messages):
        browser, kind = subs[i % browsers], kinds[i % len(kinds)]
        token = base64.urlsafe_b64encode(i.to_bytes(24, "big")).decode()
        payload = build_payload(kind, order_number=f"WB-{i:06d}", tracking_token=token, event_id=f"bench-{i}",
                                sequence=i + 1, occurred_at=datetime.now(timezone.utc))
        jobs.append(({"endpoint": browser.endpoint, "keys": {"p256dh": browser.p256dh, "auth": browser.auth}},
                     payload, kind.ttl, topic_for(token), kind.urgency))
    return jobs


def waybill_side(keys: VapidKeys):
    sender = WebPushSender(keys, timeout=10)

    def send(job):
        info, payload, ttl, topic, urgency = job
        return sender.send(info, payload, ttl=ttl, topic=topic, urgency=urgency).status_code
    return send


def bare_side(private_key_b64: str):
    def send(job):
        info, payload, ttl, topic, urgency = job
        response = webpush(info, data=payload, vapid_private_key=private_key_b64, vapid_claims={"sub": SUBJECT},
                           ttl=ttl, headers={"Topic": topic, "Urgency": urgency}, timeout=10)
        return response.status_code
    return send


def timed(send, jobs, threads: int) -> tuple[float, list[float], list]:
    """Send `jobs` over `threads` threads; (seconds, per-send latencies, statuses)."""
    latencies, statuses = [], []

    def one(job):
        start = time.perf_counter()
        status = send(job)
        return time.perf_counter() - start, status

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for latency, status in pool.map(one, jobs):
            latencies.append(latency)
            statuses.append(status)
    return time.perf_counter() - start, latencies, statuses


def check(service: LocalPushService, send, jobs) -> list[str]:
    """Send a few with decryption on: each must decrypt to its payload and carry a valid VAPID JWT."""
    problems = []
    service.decrypt = True
    before = len(service.received)
    for job in jobs:
        send(job)
    for job, got in zip(jobs, service.received[before:]):
        if got.payload != json.loads(job[1]):
            problems.append(f"{got.path}: payload did not decrypt to what was sent")
        if not got.claims or got.claims.get("aud") != service.origin or got.claims.get("sub") != SUBJECT:
            problems.append(f"{got.path}: VAPID claims {got.claims!r}")
        if got.headers.get("topic") != job[3] or got.headers.get("urgency") != job[4] or \
                int(got.headers.get("ttl", -1)) != job[2]:
            problems.append(f"{got.path}: headers {got.headers!r}")
    service.decrypt = False
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1500, help="measured notifications per side")
    parser.add_argument("--browsers", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    key = Vapid()
    key.generate_keys()
    raw = base64.urlsafe_b64encode(key.private_key.private_numbers().private_value.to_bytes(32, "big")).decode()
    keys = VapidKeys(key, application_server_key(key), SUBJECT)
    service = LocalPushService().start()
    service.decrypt = False
    try:
        jobs = make_jobs(service, args.browsers, args.messages)
        sides = {"waybill": waybill_side(keys), "bare": bare_side(raw.rstrip("="))}
        for send in sides.values():  # warm-up: connections, imports, key parsing caches
            timed(send, jobs[:50], args.threads)
        chunks = [jobs[i::3] for i in range(3)]
        order = [("waybill", "bare"), ("bare", "waybill"), ("waybill", "bare")]
        totals = {name: {"seconds": 0.0, "latencies": [], "failed": 0} for name in sides}
        for chunk, pair in zip(chunks, order):
            for name in pair:
                seconds, latencies, statuses = timed(sides[name], chunk, args.threads)
                totals[name]["seconds"] += seconds
                totals[name]["latencies"] += latencies
                totals[name]["failed"] += sum(1 for s in statuses if s != 201)
        problems = []
        for name, send in sides.items():
            problems += [f"{name}: {p}" for p in check(service, send, jobs[:20])]
    finally:
        service.stop()

    results = {"messages_per_side": args.messages, "browsers": args.browsers, "threads": args.threads}
    for name, t in totals.items():
        lat = sorted(t["latencies"])
        results[name] = {"per_second": round(len(lat) / t["seconds"], 1),
                         "p50_ms": round(statistics.median(lat) * 1000, 2),
                         "p95_ms": round(lat[int(len(lat) * 0.95) - 1] * 1000, 2), "failed": t["failed"]}
    results["ratio_waybill_over_bare"] = round(results["waybill"]["per_second"] / results["bare"]["per_second"], 2)
    results["checks"] = problems or "ok"
    print(f"web push, {args.messages} notifications per side, {args.browsers} subscriptions, "
          f"{args.threads} threads, local push service on 127.0.0.1")
    for name in sides:
        r = results[name]
        print(f"  {name:8} {r['per_second']:8.1f} notifications/s   p50 {r['p50_ms']:6.2f} ms   "
              f"p95 {r['p95_ms']:6.2f} ms   failed {r['failed']}")
    print(f"  ratio waybill/bare: {results['ratio_waybill_over_bare']:.2f}")
    print(f"  decrypt + VAPID checks: {'ok' if not problems else problems}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"push-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"  written to {path.relative_to(ROOT)}")
    return 1 if problems or any(results[n]["failed"] for n in sides) else 0


if __name__ == "__main__":
    sys.exit(main())
