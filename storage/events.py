"""Queries for delivery bookkeeping: processed events and sent nudges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import ProcessedEvent, SentNudge


def claim_event(event_id: str, *, session: Session, now: datetime) -> bool:
    """Record ``event_id``; False when it was already handled (a retry or a duplicate)."""
    if session.get(ProcessedEvent, event_id) is not None:
        return False
    session.add(ProcessedEvent(event_id=event_id, received_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True


def claim_nudge(key: str, person_slack_id: str, *, session: Session, now: datetime) -> bool:
    """Record nudge ``key``; False when that nudge already went out."""
    if session.get(SentNudge, key) is not None:
        return False
    session.add(SentNudge(key=key, person_slack_id=person_slack_id, sent_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
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
