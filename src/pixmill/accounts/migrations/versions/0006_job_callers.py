"""Sync and streamed jobs name the process holding their caller's connection, and every
process leaves a heartbeat: a finished job whose caller's process is gone is released.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not a batch: on SQLite a batch rebuilds `jobs`, and dropping the old table would
    # cascade to its images.
    op.add_column("jobs", sa.Column("caller", sa.String(length=200), nullable=True))
    op.create_table(
        "callers",
        sa.Column("id", sa.String(length=200), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("callers")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE jobs DROP COLUMN caller")  # SQLite 3.35+, without a rebuild
    else:
        op.drop_column("jobs", "caller")
