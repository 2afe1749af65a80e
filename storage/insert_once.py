"""Insert rows unless their unique key is already taken, in the caller's transaction.

``INSERT … ON CONFLICT (key) DO NOTHING`` on SQLite and PostgreSQL: the database decides
between two writers of one key at the same moment, with no savepoint and no error, so
writing the same thing twice (a retried job, two schedulers) leaves one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_once(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], *, key: str | None
) -> int:
    """Insert ``rows`` (column → value) into ``model``'s table, skipping taken ``key``s
    (``None``: skipping a row that conflicts with any unique key).

    Returns how many rows were inserted. On SQLite the insert opens the caller's
    transaction rather than a savepoint committing on its own (pysqlite begins
    transactions only before DML), so a claim is rolled back with its cause.
    """
    if not rows:
        return 0
    table: Any = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    index_elements = [key] if key else None
    if dialect == "sqlite":
        statement: Any = sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    elif dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"insert_once on {dialect}")
    inserted = 0
    # Without preserve_rowcount, psycopg's cursor is closed before the count is read and
    # every insert reads as -1: on PostgreSQL every claim would look taken.
    statement = statement.execution_options(preserve_rowcount=True)
    for row in rows:  # one statement per row: rowcount is exact on every driver
        inserted += session.connection().execute(statement.values(**row)).rowcount
    return inserted
