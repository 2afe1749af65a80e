"""What a test compares to prove that refused input changed nothing in the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

# Delivery bookkeeping, not state: a refused request is still remembered as received, so
# that a replay of it is skipped too.
BOOKKEEPING = frozenset({"processedevent"})


def database_state(engine: Engine) -> tuple[dict[str, list[str]], str]:
    """Every row of every table but the bookkeeping, and the database's integrity verdict."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        rows = {}
        for table in SQLModel.metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            cursor.execute(f'SELECT * FROM "{table.name}"')
            rows[table.name] = sorted(repr(row) for row in cursor.fetchall())
        verdict = "ok"
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA integrity_check")
            verdict = str(cursor.fetchone()[0])
        return rows, verdict
    finally:
        connection.close()


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement ``engine`` runs inside the block, in order (to count queries)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def empty_postgres(engine: Engine) -> None:
    """The PostgreSQL database behind ``engine`` with nothing in it: other test
    connections closed, every table, type and function dropped with its schema."""
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
