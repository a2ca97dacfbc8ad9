"""PostgreSQL fixtures: each run creates its own database and drops it, leaving nothing behind."""
from __future__ import annotations

import os
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from backend.extensions import db
from tests.channels_out import CHANNELS_OUT_CONFIG
from tests.conftest import make_app, migrate_to_head
from tests.shop_api import ShopApiServer

PG_ADMIN = os.environ.get("WAYBILL_TEST_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_PREFIX = "waybill_test_"


def _admin():
    return psycopg.connect(PG_ADMIN, autocommit=True)


def _drop_stale_databases(conn) -> None:
    """Drop databases of earlier runs whose process is gone (a killed run must not break the next)."""
    for (name,) in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (PG_PREFIX + "%",)):
        pid = name[len(PG_PREFIX):].split("_")[0]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url():
    """A brand-new PostgreSQL database for this test run, dropped at the end."""
    name = f"{PG_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _admin() as conn:
        _drop_stale_databases(conn)
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_session_app(pg_url):
    """One app on the run's database, migrated to head by alembic."""
    application = make_app(pg_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 60, "max_overflow": 10,
                                                              "pool_pre_ping": True})
    migrate_to_head(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def pg_app(pg_session_app):
    """The PostgreSQL app with every table emptied after the test."""
    yield pg_session_app
    with pg_session_app.app_context():
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(pg_app):
    """Tests written against `app` (the service tier) run here on PostgreSQL instead of SQLite."""
    return pg_app


@pytest.fixture
def shop_api():
    """The local shop API (Shopify's and WooCommerce's shapes) that channels out talks to."""
    with ShopApiServer() as server:
        yield server


@pytest.fixture
def out_app(pg_app, pg_url):
    """An app on the run's PostgreSQL database that reaches the local shop API (pg_app empties it after)."""
    application = make_app(pg_url, **CHANNELS_OUT_CONFIG)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
