"""People and conversations by the thousand, inserted directly (bulk INSERTs, no ORM
objects): what the job tests and the benchmarks arrange at company size.

The rows name only columns every schema has had since the first migration (a column
added later, like ``passed_at``, only when it is given), so ``bench.bench_click`` can
insert them into an older checkout's tables too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import Session, col

from storage.models import Conversation, ConversationStatus, Person

AREAS = ("Engineering", "Finance", "Sales", "Marketing", "Design", "People", "Data", "Legal")


def person_row(
    slack_id: str,
    now: datetime,
    *,
    name: str | None = None,
    area: str = "Engineering",
    level: int = 4,
) -> dict[str, Any]:
    """A ``person`` row: active, in London, nudges on."""
    return {
        "slack_id": slack_id,
        "name": name or slack_id,
        "area": area,
        "level": level,
        "tz": "Europe/London",
        "is_active": True,
        "nudges_muted": False,
        "created_at": now,
        "updated_at": now,
    }


def company_person_row(i: int, now: datetime) -> dict[str, Any]:
    """Person ``i`` of a company: Slack ID ``U%08d``, areas and levels taken in turn."""
    return person_row(
        f"U{i:08d}", now, name=f"Person {i}", area=AREAS[i % len(AREAS)], level=1 + i % 8
    )


def conversation_row(
    mentee_id: int,
    mentor_id: int,
    status: ConversationStatus,
    created: datetime,
    *,
    n: int,
    passed_at: datetime | None = None,
) -> dict[str, Any]:
    """A ``conversation`` row between two person IDs, in ``status`` since ``created``; its
    request card was DMed (before the outbox) to ``D<mentor ID>`` at a ts made from ``n``."""
    row = {
        "mentee_id": mentee_id,
        "mentor_id": mentor_id,
        "status": status.value,
        "topic": "public speaking",
        "questions": ["How do I start?", "What do I avoid?"],
        "context": "",
        "format": "call",
        "created_at": created,
        "status_changed_at": created,
        "on_call": False,
        "mentor_dm_channel": f"D{mentor_id:08d}",
        "mentor_dm_ts": f"1700000000.{n:06d}",
    }
    if passed_at is not None:
        row["passed_at"] = passed_at
    return row


def insert_people(db: Session | Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``person`` rows; their IDs, in the order of ``rows``."""
    return _insert(db, Person, col(Person.id), rows)


def insert_conversations(db: Session | Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``conversation`` rows; their IDs, in the order of ``rows``."""
    return _insert(db, Conversation, col(Conversation.id), rows)


def _insert(
    db: Session | Connection, model: type[Any], id_column: Any, rows: Sequence[dict[str, Any]]
) -> list[int]:
    if not rows:
        return []
    statement = insert(model).returning(id_column, sort_by_parameter_order=True)
    return [int(i) for i in db.execute(statement, list(rows)).scalars().all()]
