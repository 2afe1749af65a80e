"""Keeping bookkeeping tables small."""

from __future__ import annotations

from datetime import datetime

from storage.db import SessionFactory, unit_of_work
from storage.events import purge_events_before


def purge_processed_events(open_session: SessionFactory, *, older_than: datetime) -> int:
    """Delete event IDs received before ``older_than``; returns how many."""
    with unit_of_work(open_session) as session:
        return purge_events_before(older_than, session=session)
