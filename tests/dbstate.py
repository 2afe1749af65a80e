"""What a test compares to prove that refused input changed nothing in the database."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
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


# How SQLite reads a table for every row in some status, company-wide: a scan of the table,
# or a search of an index on the status alone (whatever the index is called: migration
# 0010's status-first digest indexes were taken for a mentor's load that way); and every
# active person (an index led by is_active had matching start from everyone, not from the
# few offers it was given).
COMPANY_WIDE = re.compile(
    r"SCAN (conversation|metlog|person)\b|SEARCH (conversation|metlog) USING (COVERING )?INDEX "
    r"\w+ \(status=\?\)$|SEARCH person USING (COVERING )?INDEX \w+ \(is_active=\?\)$"
)


def company_wide_reads(engine: Engine, statements: Iterable[str]) -> dict[str, list[str]]:
    """The SELECTs among ``statements`` whose SQLite query plan reads conversations, met
    logs or people company-wide, with those lines of the plan (empty when none does)."""
    connection = engine.raw_connection()
    try:
        plans = {
            statement: [
                row[3]
                for row in connection.cursor().execute(
                    f"EXPLAIN QUERY PLAN {statement}", [None] * statement.count("?")
                )
            ]
            for statement in statements
            if statement.lstrip().upper().startswith(("SELECT", "WITH"))
        }
    finally:
        connection.close()
    wide = {s: [line for line in plan if COMPANY_WIDE.search(line)] for s, plan in plans.items()}
    return {s: lines for s, lines in wide.items() if lines}


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
