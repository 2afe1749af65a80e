"""Engine, sessions and migrations.

SQLite gets WAL, foreign keys and a busy timeout on every connection; any other
SQLAlchemy URL (PostgreSQL) is used as it is. Migrations run one process at a time
(SQLite's exclusive lock, PostgreSQL's advisory lock).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

SessionFactory = Callable[[], Session]
WAL_SWITCH_SECONDS = 30
BUSY_TIMEOUT_MS = 30_000  # what SQLite waits for the write lock by default


def make_engine(url: str) -> Engine:
    """Create the engine for ``url``, with SQLite's per-connection pragmas.

    Statement parameters are kept out of errors and logs: they carry what a pair wrote
    (questions, agendas, follow-ups, comments), which must never reach a log.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    event.listen(engine, "before_cursor_execute", _drop_nul_characters, retval=True)
    return engine


def _drop_nul_characters(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
) -> tuple[str, Any]:
    """PostgreSQL refuses text holding NUL (\\x00), which SQLite keeps: anything a person
    typed or a payload carried is written without it, rather than failing the request."""
    return statement, _without_nul(parameters)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_nul(v) for v in value)
    return value


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # WAL cannot be set on an in-memory database; SQLite answers "memory" then.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        _switch_to_wal(cursor)
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Switch a new database to WAL. The switch needs the database to itself and answers
    "locked" at once, without waiting in busy_timeout, while another process (say, a
    second one starting on the same fresh file) holds it: wait and try again."""
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def session_factory(engine: Engine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit (one per use case)."""

    def open_session() -> Session:
        return Session(engine, expire_on_commit=False)

    return open_session


@contextmanager
def unit_of_work(open_session: SessionFactory) -> Iterator[Session]:
    """One session for one use case: commit at the end, roll back on error."""
    session = open_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def write_unit(open_session: SessionFactory, *, wait: float | None = None) -> Iterator[Session]:
    """A short write transaction that takes the write lock first (SQLite: ``BEGIN IMMEDIATE``).

    A deferred SQLite transaction that reads and then writes can fail at once with
    SQLITE_BUSY instead of waiting its turn; jobs and claims that select then update use
    this. Elsewhere (PostgreSQL) it is ``unit_of_work``.

    ``wait``: at most this many seconds for a lock another process holds (SQLite's write
    lock, a PostgreSQL row lock), then ``Busy``; None waits as long as the engine does.
    A person waiting on a click gets an answer within Slack's three seconds either way.
    """
    try:
        with unit_of_work(open_session) as session:
            connection = session.connection()
            sqlite = connection.dialect.name == "sqlite"
            if wait is not None and sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait * 1000)}")
            elif wait is not None:
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'")
            try:
                if sqlite:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield session
            finally:
                if wait is not None and sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except OperationalError as error:
        if wait is not None and _is_lock_wait(error):
            raise Busy from error
        raise


class Busy(Exception):
    """The database stayed locked by someone else longer than the caller could wait."""


def _is_lock_wait(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "database is locked" in text or "lock timeout" in text or "locknotavailable" in text


# Alembic is imported only where a migration runs: HTTP workers, which never migrate
# (the parent process did), start without it.


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# The PostgreSQL advisory lock that serialises migrations: any fixed 64-bit key, the same in
# every mentorbot process ("mentorbo" in ASCII).
MIGRATION_LOCK_KEY = 0x6D656E746F72626F


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade`` did: the schema revision before and after (None: an empty database)."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade(engine: Engine) -> Upgrade:
    """Apply every Alembic migration up to head, one process at a time.

    Two processes starting at once on a fresh database would otherwise both find it empty
    and both create the tables. The second one waits for the first, then finds the schema
    at head and has nothing to do.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection, _migration_lock(connection):
        try:
            if not connection.in_transaction():
                connection.begin()
            before = _revision(connection)
            config.attributes["connection"] = connection
            from alembic import command

            command.upgrade(config, "head")
            after = _revision(connection)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    return Upgrade(before=before, after=after)


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the database's migration lock on ``connection`` (the one Alembic then uses)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        # SQLite's own write lock, taken before anything is read: no other connection can
        # write until this transaction ends, and the migration runs inside it, so the lock
        # covers exactly the migration and the revision it stamps, commits with them, and
        # is released by SQLite itself if the process dies (a lock file or lock table could
        # outlive a killed process). The second process waits in busy_timeout (30 s), far
        # longer than migrating takes. ``upgrade`` ends this transaction (commit or rollback).
        connection.exec_driver_sql("BEGIN EXCLUSIVE")
        yield
    elif dialect == "postgresql":
        # A session-level advisory lock on this connection: held across the migration's own
        # transaction, released explicitly after it, because the connection goes back to the
        # pool and its session (and so an unreleased lock) would live on.
        connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK_KEY)))
        connection.commit()
        try:
            yield
        finally:
            connection.rollback()
            try:
                connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK_KEY)))
                connection.commit()
            except Exception:
                # Never back into the pool with the lock possibly held: close its session.
                connection.invalidate()
                raise
    else:
        yield


def _revision(connection: Connection) -> str | None:
    from alembic.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


class BackupRefused(Exception):
    """No backup was written; the message says why and what to do instead."""


def backup(engine: Engine, target: Path) -> int:
    """Copy a SQLite database to ``target`` while the bot keeps running, with SQLite's
    online backup API (a consistent snapshot; writers wait only a few pages at a time).
    Returns the size of the copy in bytes.

    Raises BackupRefused for PostgreSQL (its own ``pg_dump`` does this) and for a
    ``target`` that exists already (a backup never overwrites).
    """
    if engine.dialect.name != "sqlite":
        raise BackupRefused(
            "mentorbot backs up SQLite databases only. For PostgreSQL use its own tool, "
            f"for example: pg_dump --format=custom --file={target} <database URL>"
        )
    if target.exists():
        raise BackupRefused(f"{target} exists already: choose a new file name")
    partial = target.with_name(target.name + ".partial")
    with engine.connect() as connection:
        source = connection.connection.driver_connection
        assert isinstance(source, sqlite3.Connection)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=1024, sleep=0.01)
        finally:
            copy.close()
    partial.rename(target)  # a crash mid-copy never leaves a file that looks complete
    return target.stat().st_size


def compact(engine: Engine) -> None:
    """SQLite: rebuild the file (``VACUUM``) and empty the write-ahead log, so deleted
    content is gone from the disk, not only from the tables. PostgreSQL: nothing (its
    autovacuum reclaims the space)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
