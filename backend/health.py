"""Liveness and readiness probes for load balancers and orchestrators."""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from flask_migrate import Migrate
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up and answering."""
    return jsonify(status="ok")


def _migration_state() -> tuple[set, set]:
    """(heads the code expects, revisions the database has applied)."""
    migrate: Migrate = current_app.extensions["migrate"].migrate
    config = migrate.get_config()
    expected = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        applied = set(MigrationContext.configure(connection).get_current_heads())
    return expected, applied


@bp.get("/readyz")
def readyz():
    """The database answers and its schema is at the migrations' head: safe to send traffic."""
    checks = {}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready", never a 500
        checks["database"] = f"unreachable: {type(exc).__name__}"
        return jsonify(status="unavailable", checks=checks), 503
    expected, applied = _migration_state()
    if expected != applied:
        checks["migrations"] = f"database at {sorted(applied) or 'nothing'}, code expects {sorted(expected)}"
        return jsonify(status="unavailable", checks=checks), 503
    checks["migrations"] = "current"
    return jsonify(status="ok", checks=checks)
