"""Queries for delivery bookkeeping: processed deliveries and sent nudges."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import ProcessedEvent, SentNudge

MAX_KEY = 64  # ProcessedEvent.event_id


def delivery_key(kind: str, *parts: str) -> str:
    """A key for ``claim_event`` of bounded length, whatever (and however long) ``parts`` are."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind[:20]}:{digest[:40]}"


def claim_event(event_id: str, *, session: Session, now: datetime) -> bool:
    """Record ``event_id`` (or any ``delivery_key``); False when it was already claimed.

    Part of the caller's transaction: rolled back with it, and held only until it commits.
    """
    if len(event_id) > MAX_KEY:
        event_id = delivery_key("long", event_id)
    return _insert_once(session, ProcessedEvent, {"event_id": event_id, "received_at": now})


def claim_nudge(key: str, person_slack_id: str, *, session: Session, now: datetime) -> bool:
    """Record nudge ``key``; False when that nudge already went out."""
    return _insert_once(
        session, SentNudge, {"key": key, "person_slack_id": person_slack_id, "sent_at": now}
    )


def _insert_once(
    session: Session, table: type[ProcessedEvent | SentNudge], values: dict[str, object]
) -> bool:
    """Insert one row unless its primary key exists; False when it does.

    One ``INSERT … ON CONFLICT DO NOTHING``: the primary key decides between two sessions
    claiming at once, losing raises nothing (the caller's transaction goes on), and on
    SQLite the insert opens the caller's transaction rather than a savepoint committing
    on its own (pysqlite begins transactions only before DML).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        statement: Insert = sqlite_insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "postgresql":
        statement = postgresql_insert(table).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        return _insert_once_portably(session, table, values)
    result = session.execute(statement)
    return cast(CursorResult[Any], result).rowcount == 1


def _insert_once_portably(
    session: Session, table: type[ProcessedEvent | SentNudge], values: dict[str, object]
) -> bool:
    try:
        with session.begin_nested():
            session.add(table.model_validate(values))
    except IntegrityError:
        return False
    return True


def purge_events_before(cutoff: datetime, *, session: Session) -> int:
    """Delete event IDs received before ``cutoff``; returns how many."""
    stale = session.exec(select(ProcessedEvent).where(col(ProcessedEvent.received_at) < cutoff))
    count = 0
    for row in stale.all():
        session.delete(row)
        count += 1
    return count
