"""Queries about the directory that matching needs: reporting lines and answer times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import extract, literal, or_
from sqlmodel import Session, col, func, select

from storage.models import Conversation, Person

MAX_CHAIN_DEPTH = 25


def manager_chain(slack_id: str, *, session: Session) -> list[str]:
    """Slack IDs of ``slack_id``'s managers, nearest first (stops at a loop or unknown manager)."""
    chain: list[str] = []
    current = slack_id
    for _ in range(MAX_CHAIN_DEPTH):
        manager = session.exec(
            select(Person.manager_slack_id).where(Person.slack_id == current)
        ).first()
        if not manager or manager == slack_id or manager in chain:
            break
        chain.append(manager)
        current = manager
    return chain


def manager_chains(slack_ids: Iterable[str], *, session: Session) -> dict[str, list[str]]:
    """``manager_chain`` for many people at once: one query per level of the hierarchy,
    however many people (so a page listing people never walks each chain on its own)."""
    wanted = set(slack_ids)
    managers: dict[str, str | None] = {}
    frontier = set(wanted)
    for _ in range(MAX_CHAIN_DEPTH + 1):
        frontier -= managers.keys()
        if not frontier:
            break
        statement = select(Person.slack_id, Person.manager_slack_id).where(
            col(Person.slack_id).in_(list(frontier))
        )
        found = dict(session.exec(statement).all())
        managers.update({slack_id: found.get(slack_id) for slack_id in frontier})
        frontier = {manager for manager in found.values() if manager}
    chains: dict[str, list[str]] = {}
    for slack_id in wanted:
        chain: list[str] = []
        current = slack_id
        for _ in range(MAX_CHAIN_DEPTH):
            manager = managers.get(current)
            if not manager or manager == slack_id or manager in chain:
                break
            chain.append(manager)
            current = manager
        chains[slack_id] = chain
    return chains


def response_delays(mentor_ids: Iterable[int], *, session: Session) -> dict[int, list[timedelta]]:
    """How long each mentor took to answer past requests (answered ones only)."""
    ids = list(set(mentor_ids))
    if not ids:
        return {}
    statement = select(
        Conversation.mentor_id, Conversation.created_at, Conversation.responded_at
    ).where(col(Conversation.mentor_id).in_(ids), col(Conversation.responded_at).is_not(None))
    delays: dict[int, list[timedelta]] = {}
    for mentor_id, created_at, responded_at in session.exec(statement):
        if responded_at is not None:
            delays.setdefault(mentor_id, []).append(responded_at - created_at)
    return delays


def days_to_answer(session: Session) -> Any | None:
    """SQL for days between request and answer, or None where the dialect has no way."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return func.julianday(Conversation.responded_at) - func.julianday(Conversation.created_at)
    if dialect == "postgresql":
        seconds = extract("epoch", col(Conversation.responded_at) - col(Conversation.created_at))
        return seconds / 86400.0
    return None


def active_people(slack_ids: Iterable[str], *, session: Session) -> dict[str, Person]:
    """People by Slack ID, active ones only."""
    ids = list(set(slack_ids))
    if not ids:
        return {}
    people = session.exec(
        select(Person).where(col(Person.slack_id).in_(ids), col(Person.is_active).is_(True))
    ).all()
    return {person.slack_id: person for person in people}


def people_by_ids(person_ids: Iterable[int], *, session: Session) -> dict[int, Person]:
    ids = list(set(person_ids))
    if not ids:
        return {}
    people = session.exec(select(Person).where(col(Person.id).in_(ids))).all()
    return {person.id: person for person in people if person.id is not None}


def reports_exist(manager_slack_id: str, *, session: Session) -> bool:
    """Does anyone (active or not) report to ``manager_slack_id``?"""
    statement = select(Person.id).where(Person.manager_slack_id == manager_slack_id).limit(1)
    return session.exec(statement).first() is not None


def peers_learning(
    words: Iterable[str],
    *,
    session: Session,
    exclude_person_id: int,
    exclude_area_key: str | None,
    level: int | None,
    level_range: int,
    limit: int,
) -> list[Person]:
    """Active people near ``level`` outside the given area whose "I'd like to learn about"
    shares one of ``words`` (normalised words), a few at a time."""
    wanted = [w for w in words if w]
    if not wanted:
        return []
    padded = literal(" ") + func.coalesce(Person.learning_key, "") + literal(" ")
    conditions: list[Any] = [
        col(Person.is_active).is_(True),
        col(Person.id) != exclude_person_id,
        col(Person.learning_key) > "",  # a range on its index: only those who filled it in
        or_(*(padded.like(f"% {w} %") for w in wanted)),
    ]
    if exclude_area_key:
        conditions.append(
            or_(col(Person.area).is_(None), func.lower(func.trim(Person.area)) != exclude_area_key)
        )
    if level is not None:
        conditions.append(
            or_(
                col(Person.level).is_(None),
                func.abs(col(Person.level) - level) <= level_range,
            )
        )
    # Ordered along the learning_key index, so only those who filled it in are read.
    order = (col(Person.learning_key), col(Person.slack_id))
    statement = select(Person).where(*conditions).order_by(*order).limit(limit)
    return list(session.exec(statement).all())
