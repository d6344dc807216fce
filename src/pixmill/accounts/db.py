"""The database: engine from a URL, sessions, and Alembic migrations run from the package.

Every session and connection the stores take comes through `Database`, which turns a lost
or refused connection into `ServiceUnavailable` (503 with Retry-After) for any caller:
see `database_errors()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pixmill.errors import ServiceUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant: replicas starting together take turns migrating.
_MIGRATION_LOCK = 0x706978
_ALEMBIC = threading.Lock()
RETRY_AFTER_SECONDS = 5
"""What a 503 for a database outage asks the client to wait."""


@contextmanager
def database_errors() -> Iterator[None]:
    """Translate the database being away (refused, dropped, timed out) to ServiceUnavailable.

    Other database errors (a constraint, bad SQL) are bugs or handled by the caller, and
    pass through unchanged. The message names no host and quotes no SQL.
    """
    try:
        yield
    except DBAPIError as exc:
        unavailable = unavailable_from(exc)
        if unavailable is None:
            raise
        raise unavailable from exc


def unavailable_from(exc: BaseException) -> ServiceUnavailable | None:
    """The ServiceUnavailable that `exc` (or an error it was raised from) amounts to, if any:
    for database errors raised outside `Database`'s sessions (another library's engine)."""
    seen: BaseException | None = exc
    for _ in range(8):  # a short chain: __cause__ or __context__
        if seen is None:
            return None
        if isinstance(seen, ServiceUnavailable):
            return seen
        if isinstance(seen, OperationalError | InterfaceError) or (
            isinstance(seen, DBAPIError) and seen.connection_invalidated
        ):
            return ServiceUnavailable(
                "The database is unavailable; please try again shortly.",
                retry_after=RETRY_AFTER_SECONDS,
            )
        seen = seen.__cause__ or seen.__context__
    return None


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
    def transaction(self, *, durable: bool = True) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error.
        `durable=False`: see `begin`."""
        with database_errors(), self._sessions() as session, session.begin():
            if not durable:
                _defer_flush(session.connection())
            yield session

    @contextmanager
    def begin(self, *, durable: bool = True) -> Iterator[Connection]:
        """A Core connection in one transaction, for the hot paths that need no ORM.

        `durable=False` lets PostgreSQL answer the commit before its record is on disk
        (`synchronous_commit` off, for this transaction alone). Only for writes that a
        later durable commit always follows before anyone relies on them: that commit
        flushes the log up to itself, these included; a database crash before it loses
        them both, never one without the other. It spares the call a disk flush, ~7 ms.
        SQLite in WAL mode already commits so."""
        with database_errors(), self.engine.begin() as connection:
            if not durable:
                _defer_flush(connection)
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A Core connection in a read-only transaction: on SQLite it waits for no writer."""
        with database_errors(), self.engine.connect() as connection:
            connection.execution_options(read_only=True)
            with connection.begin():
                yield connection

    def ping(self) -> None:
        """Run `SELECT 1`; ServiceUnavailable when the database does not answer."""
        with self.read() as connection:
            connection.execute(text("SELECT 1"))

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


CONNECT_TIMEOUT_SECONDS = 5
"""A database that does not answer a connection in this long counts as away."""


def make_engine(url: str) -> Engine:
    backend = make_url(url).get_backend_name()
    if backend != "sqlite":
        # hide_parameters: an error's text (logged) must not carry bound values, such as
        # a key's digest.
        connect_args = (
            {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if backend == "postgresql" else {}
        )
        return create_engine(
            url,
            pool_size=10,
            max_overflow=20,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args=connect_args,
        )
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": 30}, pool_size=10, max_overflow=20, hide_parameters=True
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def use_wal(connection: Any) -> None:
    """Put a new sqlite3 connection in WAL mode with synchronous=NORMAL.

    WAL lets readers run beside the one writer; with it, synchronous=NORMAL syncs at
    checkpoints rather than at every commit (as Rails does in production): a crash of
    pixmill loses nothing, a power cut may lose the last moments' commits, never the
    file's consistency. PostgreSQL is the choice where that matters."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


def _sqlite_connect(connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, open transactions (see _sqlite_begin).
    connection.isolation_level = None
    connection.execute("PRAGMA busy_timeout=30000")
    use_wal(connection)
    connection.execute("PRAGMA foreign_keys=ON")


def _defer_flush(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock at BEGIN: a deferred transaction that reads, then writes, can
    # fail with "database is locked" under concurrency instead of waiting its turn.
    # Reads alone need no lock under WAL.
    read_only = connection.get_execution_options().get("read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
