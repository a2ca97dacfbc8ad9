"""Shared fixtures: apps on a fresh SQLite file (migrated once, copied per test) and factories."""
from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

from backend import create_app  # noqa: E402
from backend.extensions import db  # noqa: E402

TEST_CONFIG = {
    "TESTING": True,
    # Velocity is tested on purpose where it matters; elsewhere many orders per customer are normal.
    "WAYBILL_RISK_VELOCITY_LIMIT": 10_000,
    # argon2 with its cheapest parameters: real hashing, but ~1 ms instead of ~100 ms per account.
    "WAYBILL_FAST_PASSWORD_HASH": True,
    # Suites sign in and mistype on purpose many times from one address; the tests of the limits set
    # low ones of their own.
    "WAYBILL_SIGN_IN_MAX_FAILURES": 10_000,
    "WAYBILL_SIGN_IN_CLIENT_LIMIT": "100000 per minute",
    "WAYBILL_TRACKING_CLIENT_LIMIT": "100000 per minute",
}


def make_app(database_uri: str, **overrides):
    """An app bound to `database_uri` with the test defaults."""
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_uri, **overrides})


def migrate_to_head(app) -> None:
    """Build the schema the only way it is ever built: alembic migrations."""
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, made once per run and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "waybill.db"
    app = make_app(f"sqlite:///{path}")
    migrate_to_head(app)
    with app.app_context():
        db.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path, sqlite_template):
    """A Waybill app on its own fresh, migrated SQLite database (and its own folder of photos)."""
    path = tmp_path / "waybill.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}", BLOB_DIR=str(tmp_path / "blobs"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """Flask's test client for `app`."""
    return app.test_client()
