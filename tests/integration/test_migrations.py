"""The schema on PostgreSQL is made by alembic and matches the models."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from backend.extensions import db


def test_migrations_build_every_table_the_models_declare(pg_app):
    with pg_app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_readyz_reports_the_database_current_on_postgresql(pg_app):
    response = pg_app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "migrations": "current"}


def test_readyz_is_unavailable_when_migrations_are_behind(pg_app):
    with pg_app.app_context():
        with db.engine.begin() as conn:
            head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
            conn.execute(sa.text("DELETE FROM alembic_version"))
        try:
            response = pg_app.test_client().get("/readyz")
        finally:
            with db.engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    assert response.status_code == 503
    assert "code expects" in response.get_json()["checks"]["migrations"]
