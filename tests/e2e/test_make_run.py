"""`make run` on a fresh checkout: migrate, load the demo once, serve, print the URL and the accounts."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "backend"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path, port):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'waybill.db'}", PORT=str(port), SECRET_KEY="run-test-key",
               WAYBILL_DEMO_PASSWORD="a-demo-password")
    return env


def _wait_ready(url: str, process, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not become ready")


def test_the_run_steps_serve_the_demo_shop_and_print_where_to_sign_in(tmp_path):
    port = _free_port()
    env = _env(tmp_path, port)
    for step in (["db", "upgrade"], ["demo", "load", "--if-empty"]):
        subprocess.run(FLASK + step, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    with sqlite3.connect(tmp_path / "waybill.db") as conn:
        demo_orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    again = subprocess.run(FLASK + ["demo", "load", "--if-empty"], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True, timeout=120)
    assert "already loaded" in again.stdout
    server = subprocess.Popen([sys.executable, "-m", "backend.serve"], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, server)
        token = requests.post(url + "/api/v1/auth/tokens", timeout=10, json={
            "email": "owner@example.com", "password": "a-demo-password"}).json()["token"]
        orders = requests.get(url + "/api/v1/orders", timeout=10, headers={"Authorization": f"Bearer {token}"}).json()
        assert orders["total"] == demo_orders > 0  # loaded once, although asked twice
        assert requests.get(url + "/sign-in", timeout=10).status_code == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert f"http://127.0.0.1:{port}/" in output
    for role in ("owner", "manager", "floor", "driver", "customer"):
        assert f"{role}@example.com" in output
    assert "a-demo-password" in output
