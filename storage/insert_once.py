"""Insert rows unless their unique key is already taken, in the caller's transaction.

``INSERT … ON CONFLICT (key) DO NOTHING`` on SQLite and PostgreSQL: the database decides
between two writers of one key at the same moment, with no savepoint and no error, so
writing the same thing twice (a retried job, two schedulers) leaves one row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_once(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], *, key: str | None
) -> int:
    """Insert ``rows`` (column → value) into ``model``'s table, skipping taken ``key``s
    (``None``: skipping a row that conflicts with any unique key).

    Returns how many rows were inserted: the primary keys the insert returns, which are
    exactly the rows it wrote on every driver. Rows with the same columns go in one
    statement (a job's few hundred outbox rows are a few statements, not hundreds, so its
    write transaction stays short). On SQLite the insert opens the caller's transaction
    rather than a savepoint committing on its own (pysqlite begins transactions only
    before DML), so a claim is rolled back with its cause.
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
    statement = statement.returning(*table.primary_key.columns)
    connection = session.connection()
    # Several rows: SQLAlchemy's "insertmanyvalues" sends them as multi-row VALUES pages.
    return sum(len(connection.execute(statement, list(same)).all()) for same in _alike(rows))


def _alike(rows: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """``rows`` in order, in runs naming the same columns (one statement each)."""
    for _columns, run in groupby(rows, key=_columns_of):
        yield list(run)


def _columns_of(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row)
