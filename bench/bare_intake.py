"""The bare baseline for order intake: one Flask endpoint doing Waybill's SQL by hand.

No ORM, no schemas, no message bus: parse the JSON, then in ONE transaction run the statements
Waybill's POST /api/v1/orders runs for a card order that reserves stock in one warehouse:
authenticate the bearer token, check the customer, load the products, count the customer's
recent orders (velocity rule), insert the order and its lines, lock every stock level of those
products in id order, pick the nearest warehouse holding every line, reserve, and write the
stock movements, line allocations, outbox events and the audit row. Served by gunicorn exactly
like Waybill (`gunicorn 'bench.bare_intake:create_app()'`), against a database migrated and
seeded the same way, so the difference between the two is what Waybill's layers cost.

Only the path the benchmark exercises is modelled: a request that would need a payment hold or
a split/backorder answers 500/409 instead, and the benchmark counts that as an error.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import queue
import secrets
import sqlite3
import threading
import uuid
from datetime import datetime, timedelta, timezone

from flask import Flask, jsonify, request

# Waybill's defaults (backend/config.py): GB tax 20%, shipping 4.95 + 1.00/started kg, free over 100.
TAX_BPS = {"GB": 2000, "DE": 1900, "FR": 2000, "US": 0}
DEFAULT_TAX_BPS = 2000
SHIPPING_BASE, SHIPPING_PER_KG, FREE_SHIPPING_OVER = 495, 100, 10000
RISK_MAX_ORDER_MINOR = 100000
VELOCITY_WINDOW = timedelta(minutes=60)


class Refused(Exception):
    """A request the baseline answers with an error status instead of an order."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _share_bps(amount: int, bps: int) -> int:
    """amount * bps / 10000 rounded half up, as Waybill's Money.share_bps does for positive amounts."""
    return (amount * bps + 5000) // 10000


def _distance_km(lat1, lon1, lat2, lon2) -> float:
    """Haversine distance, the same ranking Waybill's allocation uses."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


class Database:
    """A tiny connection pool plus the few differences between PostgreSQL and SQLite."""

    def __init__(self, url: str):
        self.sqlite_path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else None
        self.pg_url = None if self.sqlite_path else url.replace("postgresql+psycopg://", "postgresql://")
        self.lock_clause = "" if self.sqlite_path else " FOR UPDATE"
        self._idle: queue.LifoQueue = queue.LifoQueue()
        # BENCH_BARE_WRITER_QUEUE=1 (bench/intake.py --bare-writer-queue): SQLite writers take turns on a
        # threading lock before BEGIN IMMEDIATE, as Waybill's engine does (adapters/sqlite.py WriterQueue),
        # instead of waiting in SQLite's busy handler. Off by default: the plain hand-written baseline.
        queued = self.sqlite_path is not None and os.environ.get("BENCH_BARE_WRITER_QUEUE") == "1"
        self._writers = threading.Lock() if queued else None
        self._writer = None  # the connection whose transaction has the turn

    def _connect(self):
        if self.sqlite_path is None:
            import psycopg
            return psycopg.connect(self.pg_url)
        conn = sqlite3.connect(self.sqlite_path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def acquire(self):
        """An idle connection, or a new one (the pool grows to the number of server threads)."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._connect()

    def release(self, conn) -> None:
        """Give a connection back for the next request."""
        self._idle.put(conn)

    def discard(self, conn) -> None:
        """Close a connection that failed mid-request instead of pooling it."""
        self._end_turn(conn)
        try:
            conn.close()
        except Exception:  # already broken; nothing more to release
            pass

    def begin(self, conn) -> None:
        """Start the transaction: SQLite takes the write lock at once, as Waybill's engine does."""
        if self.sqlite_path is not None:
            if self._writers is not None:
                self._writers.acquire()
                self._writer = conn
            conn.execute("BEGIN IMMEDIATE")

    def commit(self, conn) -> None:
        """Commit the transaction."""
        if self.sqlite_path is not None:
            try:
                conn.execute("COMMIT")
            finally:
                self._end_turn(conn)
        else:
            conn.commit()

    def rollback(self, conn) -> None:
        """Abandon the transaction (no-op if none is open)."""
        if self.sqlite_path is not None:
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            finally:
                self._end_turn(conn)
        else:
            conn.rollback()

    def _end_turn(self, conn) -> None:
        if self._writer is conn:
            self._writer = None
            self._writers.release()

    def sql(self, text: str) -> str:
        """Waybill-neutral SQL written with %s placeholders, in this driver's paramstyle."""
        return text.replace("%s", "?") if self.sqlite_path is not None else text

    def ts(self, moment: datetime):
        """A UTC timestamp as the column stores it (SQLAlchemy keeps SQLite datetimes as naive text)."""
        if self.sqlite_path is not None:
            return moment.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment


def _one(db: Database, cur, text: str, params=()):
    cur.execute(db.sql(text), tuple(params))
    return cur.fetchone()


def _all(db: Database, cur, text: str, params=()):
    cur.execute(db.sql(text), tuple(params))
    return cur.fetchall()


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def _outbox(db, cur, name, aggregate_type, aggregate_id, version, data, now) -> None:
    _one(db, cur, "INSERT INTO outbox_event (event_id, name, aggregate_type, aggregate_id, aggregate_version, "
         "payload, occurred_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
         (str(uuid.uuid4()), name, aggregate_type, aggregate_id, version, json.dumps(data), db.ts(now)))


def _price(lines, products, country: str):
    """(priced lines, subtotal, shipping, tax, total) as Waybill's pricing computes them."""
    rate = TAX_BPS.get(country.upper(), DEFAULT_TAX_BPS)
    priced, subtotal, tax, weight = [], 0, 0, 0
    for sku, quantity in lines:
        product_id, name, price, _currency, weight_g = products[sku]
        net = price * quantity
        line_tax = _share_bps(net, rate)
        priced.append((product_id, sku, name, quantity, price, net, line_tax))
        subtotal, tax, weight = subtotal + net, tax + line_tax, weight + weight_g * quantity
    shipping = 0 if subtotal >= FREE_SHIPPING_OVER else SHIPPING_BASE + SHIPPING_PER_KG * -(-weight // 1000)
    tax += _share_bps(shipping, rate)
    return priced, subtotal, shipping, tax, subtotal + shipping + tax


def _nearest_holding_all(db, cur, levels, priced, address):
    """The nearest active warehouse whose available stock covers every line, or None."""
    warehouses = _all(db, cur, "SELECT id, latitude, longitude FROM warehouse WHERE active ORDER BY id")
    lat, lon = address.get("latitude"), address.get("longitude")
    if lat is not None and lon is not None:
        warehouses.sort(key=lambda w: (_distance_km(lat, lon, w[1], w[2]), w[0]))
    available = {(lv[1], lv[2]): lv[3] - lv[4] for lv in levels}
    for warehouse_id, _, _ in warehouses:
        if all(available.get((warehouse_id, line[0]), 0) >= line[3] for line in priced):
            return warehouse_id
    return None


def place_order(db: Database, conn, token: str, body: dict, velocity_limit: int) -> dict:
    """Waybill's order intake by hand, in one transaction; returns the created order's summary."""
    now = datetime.now(timezone.utc)
    db.begin(conn)
    cur = conn.cursor()
    user = _one(db, cur, "SELECT u.id, u.role FROM api_token t JOIN users u ON u.id = t.user_id "
                "WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.active",
                (hashlib.sha256(token.encode()).hexdigest(),))
    if user is None:
        raise Refused(401, "unknown token")
    user_id, role = user
    if role not in ("owner", "manager"):
        raise Refused(403, "only the office places orders for customers here")
    customer_id = body["customer_id"]
    if _one(db, cur, "SELECT id FROM customer WHERE id = %s", (customer_id,)) is None:
        raise Refused(422, "no such customer")
    lines = [(line["sku"], int(line["quantity"])) for line in body["lines"]]
    skus = [sku for sku, _ in lines]
    products = {row[1]: (row[0], row[2], row[3], row[4], row[5]) for row in _all(
        db, cur, f"SELECT id, sku, name, price_minor, currency, weight_g FROM product "
                 f"WHERE sku IN ({_marks(len(skus))}) AND active", skus)}
    if any(sku not in products for sku in skus):
        raise Refused(422, "unknown product")
    shipping_address = body["shipping_address"]
    billing_address = body.get("billing_address") or shipping_address
    priced, subtotal, shipping, tax, total = _price(lines, products, shipping_address["country"])
    recent = _one(db, cur, "SELECT count(*) FROM orders WHERE created_at >= %s AND customer_id = %s",
                  (db.ts(now - VELOCITY_WINDOW), customer_id))[0]
    if (total > RISK_MAX_ORDER_MINOR or recent >= velocity_limit
            or billing_address["country"].upper() != shipping_address["country"].upper()):
        raise Refused(500, "this order would need a payment hold, which the baseline does not model")
    order_id = _one(db, cur, (
        "INSERT INTO orders (customer_id, channel, channel_order_id, status, currency, payment_method, "
        "payment_status, card_fingerprint, shipping_address, billing_address, subtotal_minor, shipping_minor, "
        "tax_minor, total_minor, hold_reasons, shortages, notes, tracking_token, version, created_by_id, "
        "created_at, updated_at) VALUES (%s, %s, NULL, 'placed', 'GBP', 'card', 'authorized', NULL, %s, %s, "
        "%s, %s, %s, %s, '[]', '[]', '', %s, 1, %s, %s, %s) RETURNING id"),
        (customer_id, body.get("channel", "api"), json.dumps(shipping_address), json.dumps(billing_address),
         subtotal, shipping, tax, total, secrets.token_urlsafe(24), user_id, db.ts(now), db.ts(now)))[0]
    line_ids = [_one(db, cur, "INSERT INTO order_line (order_id, product_id, sku, name, quantity, unit_price_minor, "
                     "net_minor, tax_minor) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                     (order_id, *line))[0] for line in priced]
    # Lock every level of the ordered products in primary-key order (no deadlocks), then decide.
    product_ids = sorted({line[0] for line in priced})
    levels = _all(db, cur, f"SELECT id, warehouse_id, product_id, on_hand, reserved, incoming, version "
                           f"FROM stock_level WHERE product_id IN ({_marks(len(product_ids))}) ORDER BY id"
                           + db.lock_clause, product_ids)
    warehouse_id = _nearest_holding_all(db, cur, levels, priced, shipping_address)
    if warehouse_id is None:
        raise Refused(409, "no single warehouse holds every line; the baseline does not model splits")
    by_slot = {(lv[1], lv[2]): lv for lv in levels}
    allocations = []
    for line_id, (product_id, sku, _, quantity, *_rest) in zip(line_ids, priced):
        level_id, _, _, on_hand, reserved, incoming, version = by_slot[(warehouse_id, product_id)]
        reserved, version = reserved + quantity, version + 1
        cur.execute(db.sql("UPDATE stock_level SET reserved = %s, version = %s WHERE id = %s"),
                    (reserved, version, level_id))
        _one(db, cur, "INSERT INTO stock_movement (warehouse_id, product_id, reason, on_hand_delta, reserved_delta, "
             "incoming_delta, note, order_id, actor_id, created_at) VALUES (%s, %s, 'reserved', 0, %s, 0, '', %s, "
             "%s, %s) RETURNING id", (warehouse_id, product_id, quantity, order_id, user_id, db.ts(now)))
        _one(db, cur, "INSERT INTO line_allocation (order_line_id, warehouse_id, quantity) VALUES (%s, %s, %s) "
             "RETURNING id", (line_id, warehouse_id, quantity))
        _outbox(db, cur, "stock.reserved", "stock_level", level_id, version, {
            "warehouse_id": warehouse_id, "product_id": product_id, "on_hand": on_hand, "reserved": reserved,
            "incoming": incoming, "reason": "reserved", "order_id": order_id}, now)
        allocations.append({"sku": sku, "quantity": quantity,
                            "allocations": [{"warehouse_id": warehouse_id, "quantity": quantity}]})
    number = f"WB-{order_id:06d}"
    placed = {"actor_id": user_id, "number": number, "status": "placed", "total_minor": total,
              "currency": "GBP", "channel": body.get("channel", "api"), "customer_id": customer_id,
              "shortages": []}
    _outbox(db, cur, "order.placed", "order", order_id, 1, placed, now)
    _one(db, cur, "INSERT INTO audit_event (order_id, actor_id, action, from_status, to_status, data, created_at) "
         "VALUES (%s, %s, 'order.placed', NULL, NULL, %s, %s) RETURNING id",
         (order_id, user_id, json.dumps(placed), db.ts(now)))
    db.commit(conn)
    return {"id": order_id, "number": number, "status": "placed", "total_minor": total, "lines": allocations}


def create_app() -> Flask:
    """The baseline app; the database comes from BENCH_BARE_DATABASE_URL (sqlite:/// or postgresql://)."""
    app = Flask(__name__)
    db = Database(os.environ["BENCH_BARE_DATABASE_URL"])
    velocity_limit = int(os.environ.get("WAYBILL_RISK_VELOCITY_LIMIT", "5"))

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.post("/orders")
    def orders():
        body = request.get_json()
        token = request.headers.get("Authorization", "").partition(" ")[2].strip()
        conn = db.acquire()
        try:
            return jsonify(place_order(db, conn, token, body, velocity_limit)), 201
        except Refused as refused:
            db.rollback(conn)
            return jsonify(error=str(refused)), refused.status
        except BaseException:
            db.discard(conn)  # its state is unknown: never hand it to the next request
            conn = None
            raise
        finally:
            if conn is not None:
                db.release(conn)

    return app
