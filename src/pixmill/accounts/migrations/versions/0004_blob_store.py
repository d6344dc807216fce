"""Stored images' bytes move to the result store (`blobs`, or an S3 bucket): job_images
and job_inputs keep only what describes them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The keys jobs.store gives each image, written out here as they were at this revision.
TABLES = (("job_images", "results"), ("job_inputs", "inputs"))
blobs = sa.table("blobs", sa.column("key", sa.String), sa.column("data", sa.LargeBinary))


def _images(table: str) -> sa.TableClause:
    return sa.table(
        table,
        sa.column("job_id", sa.String),
        sa.column("index", sa.Integer),
        sa.column("data", sa.LargeBinary),
    )


def _key(images: sa.TableClause, kind: str) -> sa.ColumnElement[str]:
    return (
        sa.literal("jobs/")
        + images.c.job_id
        + sa.literal(f"/{kind}/")
        + sa.cast(images.c.index, sa.String)
    )


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column(
            "key",
            sa.String(length=512).with_variant(sa.String(512, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    for table, kind in TABLES:
        images = _images(table)
        copied = sa.select(_key(images, kind), images.c.data)
        op.execute(blobs.insert().from_select(["key", "data"], copied))
        with op.batch_alter_table(table) as batch:
            batch.drop_column("data")


def downgrade() -> None:
    for table, kind in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("data", sa.LargeBinary(), nullable=True))
        images = _images(table)
        found = sa.select(blobs.c.data).where(blobs.c.key == _key(images, kind))
        op.execute(images.update().values(data=found.scalar_subquery()))
        # Images whose bytes were in a bucket do not come back: their rows go.
        op.execute(images.delete().where(images.c.data.is_(None)))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("data", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table("blobs")
