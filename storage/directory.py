"""Queries about the directory that matching needs: reporting lines and answer times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from storage.models import Person
from storage.tables import CONVERSATION, PERSON

MAX_CHAIN_DEPTH = 25


def manager_chain(slack_id: str, *, session: Session) -> list[str]:
    """Slack IDs of ``slack_id``'s managers, nearest first (stops at a loop or unknown manager)."""
    return manager_chains([slack_id], session=session)[slack_id]


def _chains_statement() -> Any:
    person, manager = PERSON, PERSON.alias("manager")
    up = (
        sa_select(
            person.c.slack_id.label("start"),
            person.c.manager_slack_id.label("manager"),
            literal(1).label("depth"),
        )
        .where(
            person.c.slack_id.in_(bindparam("slack_ids", expanding=True)),
            person.c.manager_slack_id.is_not(None),
            person.c.manager_slack_id != "",
        )
        .cte("up", recursive=True)
    )
    up = up.union_all(
        sa_select(up.c.start, manager.c.manager_slack_id, up.c.depth + 1)
        .join(manager, manager.c.slack_id == up.c.manager)
        .where(
            up.c.depth < MAX_CHAIN_DEPTH,
            manager.c.manager_slack_id.is_not(None),
            manager.c.manager_slack_id != "",
        )
    )
    return sa_select(up.c.start, up.c.manager).order_by(up.c.start, up.c.depth)


CHAINS = _chains_statement()


def manager_chains(slack_ids: Iterable[str], *, session: Session) -> dict[str, list[str]]:
    """``manager_chain`` for many people at once, in one query whatever the depth of the
    hierarchy or the number of people (a statement costs more than its rows here)."""
    wanted = sorted(set(slack_ids))
    if not wanted:
        return {}
    chains: dict[str, list[str]] = {slack_id: [] for slack_id in wanted}
    closed: set[str] = set()
    # A loop runs on to MAX_CHAIN_DEPTH in SQL; it is cut here, where it closes.
    for start, above in session.execute(CHAINS, {"slack_ids": wanted}):
        chain = chains[start]
        if start in closed:
            continue
        if above == start or above in chain:
            closed.add(start)
            continue
        chain.append(above)
    return chains


RESPONSE_DELAYS = sa_select(
    CONVERSATION.c.mentor_id, CONVERSATION.c.created_at, CONVERSATION.c.responded_at
).where(
    CONVERSATION.c.mentor_id.in_(bindparam("ids", expanding=True)),
    CONVERSATION.c.responded_at.is_not(None),
)


def response_delays(mentor_ids: Iterable[int], *, session: Session) -> dict[int, list[timedelta]]:
    """How long each mentor took to answer past requests (answered ones only)."""
    ids = list(set(mentor_ids))
    if not ids:
        return {}
    delays: dict[int, list[timedelta]] = {}
    for mentor_id, created_at, responded_at in session.execute(RESPONSE_DELAYS, {"ids": ids}):
        if responded_at is not None:
            delays.setdefault(mentor_id, []).append(responded_at - created_at)
    return delays


def active_people(slack_ids: Iterable[str], *, session: Session) -> dict[str, Person]:
    """People by Slack ID, active ones only."""
    ids = list(set(slack_ids))
    if not ids:
        return {}
    people = session.exec(
        select(Person).where(col(Person.slack_id).in_(ids), col(Person.is_active).is_(True))
    ).all()
    return {person.slack_id: person for person in people}


PEOPLE_BY_IDS = select(Person).where(col(Person.id).in_(bindparam("ids", expanding=True)))
REPORTS_EXIST = sa_select(PERSON.c.id).where(PERSON.c.manager_slack_id == bindparam("m")).limit(1)


def people_by_ids(person_ids: Iterable[int], *, session: Session) -> dict[int, Person]:
    ids = list(set(person_ids))
    if not ids:
        return {}
    people = session.exec(PEOPLE_BY_IDS, params={"ids": ids}).all()
    return {person.id: person for person in people if person.id is not None}


def reports_exist(manager_slack_id: str, *, session: Session) -> bool:
    """Does anyone (active or not) report to ``manager_slack_id``?"""
    return session.execute(REPORTS_EXIST, {"m": manager_slack_id}).first() is not None


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
