"""Queries for delivery bookkeeping: processed deliveries."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.insert_once import insert_once
from storage.models import ProcessedEvent

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
    # The primary key decides between two sessions claiming at once, and losing raises
    # nothing: the caller's transaction goes on.
    values = {"event_id": event_id, "received_at": now}
    return insert_once(session, ProcessedEvent, [values], key=None) == 1


def purge_events_before(cutoff: datetime, *, session: Session, limit: int = 1000) -> int:
    """Delete up to ``limit`` event IDs received before ``cutoff`` in one statement (no row
    is loaded); returns how many. Call again until it returns less than ``limit``."""
    oldest = (
        select(ProcessedEvent.event_id)
        .where(col(ProcessedEvent.received_at) < cutoff)
        .limit(limit)
        .scalar_subquery()
    )
    statement = delete(ProcessedEvent).where(col(ProcessedEvent.event_id).in_(oldest))
    return int(session.connection().execute(statement).rowcount)
