"""Queries for delivery bookkeeping: processed events and sent nudges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import ProcessedEvent, SentNudge


def claim_event(event_id: str, *, session: Session, now: datetime) -> bool:
    """Record ``event_id``; False when it was already handled (a retry or a duplicate)."""
    return _insert_once(session, ProcessedEvent(event_id=event_id, received_at=now), event_id)


def claim_nudge(key: str, person_slack_id: str, *, session: Session, now: datetime) -> bool:
    """Record nudge ``key``; False when that nudge already went out."""
    return _insert_once(
        session, SentNudge(key=key, person_slack_id=person_slack_id, sent_at=now), key
    )


def _insert_once(session: Session, row: ProcessedEvent | SentNudge, key: str) -> bool:
    """Add ``row`` unless one with primary key ``key`` exists; False when it does.

    The primary key also decides between two sessions inserting the same key at once.
    """
    if session.get(type(row), key) is not None:
        return False
    try:
        # A savepoint: losing the race undoes this insert only, not the caller's other work.
        with session.begin_nested():
            session.add(row)
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
