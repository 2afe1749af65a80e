"""Purges delete only old rows, a bounded batch per statement, without loading them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert
from sqlmodel import Session, func, select

from bot.context import Deps
from bot.housekeeping import purge_processed_events, purge_sent_messages
from storage.models import OutboxMessage, OutboxStatus, ProcessedEvent
from tests.conftest import START


def _statements(deps: Deps) -> tuple[list[str], Any]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(deps.engine, "before_cursor_execute", record)
    return seen, record


def test_purging_events_deletes_only_old_ones_in_batches_without_loading_them(
    deps: Deps, session: Session
) -> None:
    old, recent = START - timedelta(days=8), START - timedelta(days=6)
    rows = [{"event_id": f"Ev{i:06d}", "received_at": old} for i in range(2500)]
    rows += [{"event_id": f"Ev9{i:05d}", "received_at": recent} for i in range(100)]
    session.execute(insert(ProcessedEvent), rows)
    session.commit()
    seen, record = _statements(deps)
    try:
        removed = purge_processed_events(
            deps.open_session, older_than=START - timedelta(days=7), batch=1000
        )
    finally:
        event.remove(deps.engine, "before_cursor_execute", record)

    assert removed == 2500
    assert session.exec(select(func.count()).select_from(ProcessedEvent)).one() == 100
    touching = [s for s in seen if "processed" in s.lower()]
    assert len(touching) == 3 and all(re.match(r"\s*DELETE\b", s) for s in touching), touching


def test_purging_the_outbox_deletes_only_old_sent_and_skipped_rows_in_batches(
    deps: Deps, session: Session
) -> None:
    old, recent = START - timedelta(days=15), START - timedelta(days=1)

    def row(i: int, status: OutboxStatus, finished: Any) -> dict[str, Any]:
        return {
            "key": f"k{i}",
            "kind": "dm",
            "method": "chat.postMessage",
            "recipient": "U0ALICE01",
            "payload": {"text": "hi"},
            "priority": 0,
            "not_before": old,
            "status": status.value,
            "attempts": 1,
            "created_at": old,
            "finished_at": finished,
        }

    rows = [row(i, OutboxStatus.SENT, old) for i in range(1200)]
    rows += [row(2000 + i, OutboxStatus.SKIPPED, old) for i in range(300)]
    rows += [row(3000 + i, OutboxStatus.SENT, recent) for i in range(50)]
    rows += [row(4000 + i, OutboxStatus.FAILED, old) for i in range(20)]
    rows += [row(5000 + i, OutboxStatus.PENDING, None) for i in range(20)]
    card_copies = [row(6000 + i, OutboxStatus.SENT, old) for i in range(2)]
    for i, copy in enumerate(card_copies):  # a pair's card, each one's copy: still updated
        copy["key"] = f"conversation:{i + 1}:welcome:dm:U0ALICE01"
    rows += card_copies
    session.execute(insert(OutboxMessage), rows)
    session.commit()
    seen, record = _statements(deps)
    try:
        removed = purge_sent_messages(
            deps.open_session, older_than=START - timedelta(days=14), batch=1000
        )
    finally:
        event.remove(deps.engine, "before_cursor_execute", record)

    assert removed == 1500
    left = session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    assert dict(left.all()) == {"sent": 52, "failed": 20, "pending": 20}
    touching = [s for s in seen if "outbox" in s.lower()]
    assert len(touching) == 2 and all(re.match(r"\s*DELETE\b", s) for s in touching), touching
