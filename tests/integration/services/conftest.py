"""The service tests run through the bus on both databases Waybill supports: SQLite and PostgreSQL.

(Their rules alone run in memory in tests/unit/services; here each repository's SQL is checked too.)
"""
from __future__ import annotations

import shutil

import pytest

from backend.extensions import db
from tests.conftest import make_app


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path, sqlite_template):
    """The app of the test: a fresh migrated SQLite copy, or the run's emptied PostgreSQL database."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_app")
        return
    path = tmp_path / "waybill.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
