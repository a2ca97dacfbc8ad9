"""Benchmark plumbing: throw-away databases, the seeded shop, and gunicorn servers in subprocesses."""
from __future__ import annotations

import contextlib
import io
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("WAYBILL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET_KEY = "bench-secret-key-not-for-production"
# Many orders a minute from one customer is the point of a load test, not a fraud signal.
VELOCITY_LIMIT = 10**9
ROW_TABLES = ("orders", "order_line", "line_allocation", "stock_movement", "outbox_event", "audit_event")

# (sku, price in pence, weight in grams): cheap enough that no order reaches the review threshold.
PRODUCTS = [(f"BENCH-{i:02d}", 400 + 350 * i, 150 + 90 * i) for i in range(1, 13)]
UNITS_PER_LEVEL = 1_000_000


@contextlib.contextmanager
def pg_database():
    """A fresh PostgreSQL database for one run, dropped afterwards even if the run fails."""
    import psycopg
    name = f"waybill_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def sqlite_database():
    """A fresh SQLite file in a temporary directory, removed afterwards (with its WAL files)."""
    directory = tempfile.mkdtemp(prefix="waybill_bench_")
    try:
        yield f"sqlite:///{directory}/waybill.db"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _app_for(url: str):
    os.environ["SECRET_KEY"] = SECRET_KEY  # create_app would otherwise read or write instance/secret_key
    from backend import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WAYBILL_RISK_VELOCITY_LIMIT": VELOCITY_LIMIT})


def seed_shop(url: str) -> dict:
    """Migrate `url` and build the bench shop through Waybill's own bus; returns token, customer, SKUs.

    Both sides of a comparison are seeded by this function, so they start from identical rows.
    """
    from flask_migrate import upgrade

    from backend.adapters.records import User
    from backend.extensions import db
    from tests.factories import LEEDS, Shop, issue_token

    app = _app_for(url)
    log = io.StringIO()
    try:
        with app.app_context(), contextlib.redirect_stderr(log):  # alembic logs every step at INFO
            upgrade()
    except Exception:
        sys.stderr.write(log.getvalue())
        raise
    shop = Shop(app)
    shop.warehouse("LON", 51.507, 0.02)
    shop.warehouse("MAN", 53.466, -2.32)
    for sku, price, weight in PRODUCTS:
        shop.product(sku, price, weight, LON=UNITS_PER_LEVEL, MAN=UNITS_PER_LEVEL)
    customer_id = shop.customer("casey", LEEDS)
    user_id, _ = shop.user("owner")
    with app.app_context():
        _, token = issue_token(db.session.get(User, user_id), "bench")
        db.session.remove()
        db.engine.dispose()
    return {"token": token, "customer_id": customer_id, "skus": [sku for sku, _, _ in PRODUCTS]}


def row_counts(url: str) -> dict:
    """Rows per written table and total units reserved: both sides must end up with the same."""
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ROW_TABLES}
            counts["units_reserved"] = conn.execute(sa.text("SELECT sum(reserved) FROM stock_level")).scalar_one()
        return counts
    finally:
        engine.dispose()


class Server:
    """A running gunicorn: its base URL and the CPU time its processes have used."""

    def __init__(self, url: str, process):
        self.url = url
        self.process = process

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the master and its workers so far (Linux /proc), None elsewhere."""
        try:
            pid = self.process.pid
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            return sum(_cpu_seconds(p) for p in [pid, *map(int, children)])
        except (OSError, ValueError):
            return None


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, in ticks


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict, threads: int):
    """Serve `app_spec` with one gunicorn gthread worker of `threads` threads; yields a Server."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="waybill_bench_gunicorn_", suffix=".log", delete=False)
    child_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    child_env.update(env, SECRET_KEY=SECRET_KEY, WAYBILL_RISK_VELOCITY_LIMIT=str(VELOCITY_LIMIT),
                     PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT), "-k", "gthread", "-w", "1",
               "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--keep-alive", "30",
               "--log-level", "warning", "--no-control-socket", app_spec]
    process = subprocess.Popen(command, env=child_env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log.name)
        yield Server(base, process)
    finally:
        _stop(process)
        log.close()
        if process.returncode not in (0, -signal.SIGTERM):
            sys.stderr.write(Path(log.name).read_text()[-4000:])
        os.unlink(log.name)


def _wait_until_up(base: str, process, log_path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{Path(log_path).read_text()[-4000:]}")
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f}s")


def _stop(process) -> None:
    """SIGTERM the gunicorn master we started (it stops its worker); SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
