"""Queries for connections."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.models import Connection, ConnectionSource


def connected_ids(person_id: int, *, session: Session) -> set[int]:
    """Person IDs ``person_id`` already has a connection with (any source)."""
    statement = select(Connection.other_id).where(Connection.person_id == person_id)
    return set(session.exec(statement).all())


def record_connection(
    a_id: int, b_id: int, source: ConnectionSource, *, session: Session, now: datetime
) -> bool:
    """Give both people the connection (idempotent); True when it is new for ``a_id``."""
    if a_id == b_id:
        return False
    created = False
    for person_id, other_id in ((a_id, b_id), (b_id, a_id)):
        existing = session.exec(
            select(Connection).where(
                Connection.person_id == person_id,
                Connection.other_id == other_id,
                Connection.source == source,
            )
        ).first()
        if existing is None:
            session.add(
                Connection(person_id=person_id, other_id=other_id, source=source, made_at=now)
            )
            created = created or person_id == a_id
    session.flush()
    return created
