"""Keeping bookkeeping tables small, a batch per short transaction.

Each purge deletes at most ``batch`` rows per statement, in its own transaction, and
loops until nothing old is left: a purge over a large backlog never holds the write
lock for long, and no row is loaded into memory.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from bot.flows.common import welcome_copies_like, welcome_key
from storage.db import SessionFactory, write_unit
from storage.events import purge_events_before
from storage.outbox import delete_keys, purge_sent
from storage.personal_data import scrub_private_texts

PURGE_BATCH = 1000


def purge_processed_events(
    open_session: SessionFactory, *, older_than: datetime, batch: int = PURGE_BATCH
) -> int:
    """Delete event IDs received before ``older_than``; returns how many."""
    return _in_batches(
        open_session, lambda s: purge_events_before(older_than, session=s, limit=batch), batch
    )


def purge_sent_messages(
    open_session: SessionFactory, *, older_than: datetime, batch: int = PURGE_BATCH
) -> int:
    """Delete outbox rows sent (or skipped) before ``older_than``; returns how many. A
    pair's card stays, in their group DM or as each one's copy, for its updates."""

    def purge(session: Session) -> int:
        keep = (welcome_copies_like(),)
        return purge_sent(older_than, session=session, limit=batch, keep_like=keep)

    return _in_batches(open_session, purge, batch)


def delete_old_private_texts(
    open_session: SessionFactory, *, closed_before: datetime, batch: int = 200
) -> int:
    """Retention: empty what pairs wrote (questions, agendas, follow-ups, comments) in
    conversations closed before ``closed_before``; counts and dates stay. Returns how
    many conversations."""

    def scrub(session: Session) -> int:
        done = scrub_private_texts(closed_before, session=session, limit=batch)
        # The pair's card (the group message kept for updates) holds their texts too.
        cards = done.conversations
        delete_keys(
            [welcome_key(cid) for cid in cards],
            like=[welcome_copies_like(cid) for cid in cards],
            session=session,
        )
        return done.count

    return _in_batches(open_session, scrub, batch)


def _in_batches(open_session: SessionFactory, purge: Callable[[Session], int], batch: int) -> int:
    total = 0
    while True:
        with write_unit(open_session) as session:
            removed = purge(session)
        total += removed
        if removed < batch:
            return total
