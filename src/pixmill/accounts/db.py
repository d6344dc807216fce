"""The database: engine from a URL, sessions, and Alembic migrations run from the package."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant: replicas starting together take turns migrating.
_MIGRATION_LOCK = 0x706978
_ALEMBIC = threading.Lock()


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here, the driver pixmill installs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Database:
    """One SQLAlchemy engine and its session factory."""

    def __init__(self, url: str):
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def begin(self) -> AbstractContextManager[Connection]:
        """A Core connection in one transaction, for the hot paths that need no ORM."""
        return self.engine.begin()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A Core connection in a read-only transaction: on SQLite it waits for no writer."""
        with self.engine.connect() as connection:
            connection.execution_options(read_only=True)
            with connection.begin():
                yield connection

    def upgrade(self) -> None:
        """Migrate to the newest schema; safe to run from several processes at once."""
        # Alembic keeps its running context in module globals: one migration per process
        # at a time. Across processes, PostgreSQL takes an advisory lock and SQLite's
        # first statement takes the write lock (see _sqlite_begin).
        with _ALEMBIC, self.engine.connect() as connection:
            if not self.is_sqlite:
                connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK})
                connection.commit()
            try:
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                if not self.is_sqlite:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK}
                    )
                    connection.commit()

    def revision(self) -> str | None:
        """The schema revision the database is at; None when it was never migrated."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def make_engine(url: str) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, pool_size=10, max_overflow=20)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, open transactions (see _sqlite_begin).
    # WAL lets readers run beside the one writer; with it, synchronous=NORMAL syncs at
    # checkpoints rather than at every commit (as Rails does in production): a crash of
    # pixmill loses nothing, a power cut may lose the last moments' commits, never the
    # file's consistency. PostgreSQL is the choice where that matters.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock at BEGIN: a deferred transaction that reads, then writes, can
    # fail with "database is locked" under concurrency instead of waiting its turn.
    # Reads alone need no lock under WAL.
    read_only = connection.get_execution_options().get("read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
