"""Factories for arranging a realistic directory in tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from storage.models import Person

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def make_person(
    session: Session,
    slack_id: str,
    *,
    name: str | None = None,
    area: str | None = "Engineering",
    level: int | None = 3,
    manager: str | None = None,
    start_date: date | None = None,
    tz: str | None = "Europe/London",
    **fields: Any,
) -> Person:
    person = Person(
        slack_id=slack_id,
        name=name or slack_id.title(),
        email=f"{slack_id.lower()}@example.com",
        area=area,
        level=level,
        manager_slack_id=manager,
        start_date=start_date,
        tz=tz,
        created_at=EPOCH,
        updated_at=EPOCH,
        **fields,
    )
    session.add(person)
    session.flush()
    return person
