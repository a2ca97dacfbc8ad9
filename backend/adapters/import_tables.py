"""The table of CSV imports: each uploaded file, its check's findings and its import's report."""
from __future__ import annotations

import sqlalchemy as sa

from .tables import UTCDateTime, md

csv_imports = sa.Table(
    "csv_import", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("file_key", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("rows_done", sa.Integer, nullable=False),
    sa.Column("problem_count", sa.Integer, nullable=False),
    sa.Column("problems", sa.JSON, nullable=False),
    sa.Column("preview", sa.JSON, nullable=False),
    sa.Column("report", sa.JSON, nullable=False),
    sa.Column("failure", sa.JSON, nullable=False),
    sa.Column("uploaded_by_id", sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Index("ix_csv_import_created", "created_at"),
)
