"""Keeping bookkeeping tables small."""

from __future__ import annotations

from datetime import datetime

from storage.db import SessionFactory, unit_of_work
from storage.events import purge_events_before
from storage.outbox import purge_sent


def purge_processed_events(open_session: SessionFactory, *, older_than: datetime) -> int:
    """Delete event IDs received before ``older_than``; returns how many."""
    with unit_of_work(open_session) as session:
        return purge_events_before(older_than, session=session)


def purge_sent_messages(open_session: SessionFactory, *, older_than: datetime) -> int:
    """Delete outbox rows sent (or skipped) before ``older_than``, in one statement."""
    with unit_of_work(open_session) as session:
        return purge_sent(older_than, session=session)
