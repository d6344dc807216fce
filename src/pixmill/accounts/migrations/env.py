"""Alembic environment: migrates the connection pixmill hands over in `config.attributes`."""

from __future__ import annotations

from alembic import context

import pixmill.jobs.tables  # noqa: F401  (their tables are in Base.metadata too)
from pixmill.accounts.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
