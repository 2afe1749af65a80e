"""Queries for the directory of people."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from storage.models import Person

BY_SLACK_ID = select(Person).where(col(Person.slack_id) == bindparam("slack_id"))


def get_by_slack_id(slack_id: str, *, session: Session) -> Person | None:
    return session.exec(BY_SLACK_ID, params={"slack_id": slack_id}).first()


def get_by_email(email: str, *, session: Session) -> Person | None:
    statement = select(Person).where(func.lower(Person.email) == email.strip().lower())
    return session.exec(statement).first()


def get_many(slack_ids: Iterable[str], *, session: Session) -> dict[str, Person]:
    ids = list(set(slack_ids))
    if not ids:
        return {}
    people = session.exec(select(Person).where(col(Person.slack_id).in_(ids))).all()
    return {person.slack_id: person for person in people}


def reports_of(manager_slack_id: str, *, session: Session) -> list[Person]:
    statement = select(Person).where(Person.manager_slack_id == manager_slack_id)
    return list(session.exec(statement.order_by(Person.slack_id)).all())


def upsert(slack_id: str, fields: dict[str, Any], *, session: Session, now: datetime) -> Person:
    """Create the person or update the given fields in place; other fields are kept."""
    person = get_by_slack_id(slack_id, session=session)
    if person is None:
        person = Person(slack_id=slack_id, created_at=now, updated_at=now)
    for name, value in fields.items():
        setattr(person, name, value)
    person.updated_at = now
    session.add(person)
    session.flush()
    return person


def manager_links(*, session: Session) -> dict[str, str | None]:
    """Every person's manager link (Slack IDs), for checking a new chain for loops."""
    statement = select(Person.slack_id, Person.manager_slack_id).where(
        col(Person.manager_slack_id).is_not(None)
    )
    return dict(session.exec(statement).all())
