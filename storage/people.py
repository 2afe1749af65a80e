"""Queries for the directory of people."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from storage.models import Person

CHUNK = 5000  # values per IN (...) list and per executemany batch


def _chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# What a new person gets for the columns an import leaves out (core INSERTs don't apply
# the model's Python defaults).
NEW_PERSON_DEFAULTS = {
    name: field.default
    for name, field in Person.model_fields.items()
    if field.default is not PydanticUndefined and name != "id"
}


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


# Past this many Slack IDs, reading every person's (slack_id, id) is cheaper than IN lists.
WHOLE_DIRECTORY = 2000


def ids_by_slack_id(slack_ids: Iterable[str], *, session: Session) -> dict[str, int]:
    """Row ids of the people with these Slack IDs (absent: not in the directory)."""
    wanted = set(slack_ids)
    found: dict[str, int] = {}
    if len(wanted) > WHOLE_DIRECTORY:
        everyone = session.exec(select(Person.slack_id, Person.id)).all()
        return {slack_id: pid for slack_id, pid in everyone if pid and slack_id in wanted}
    for chunk in _chunks(sorted(wanted)):
        statement = select(Person.slack_id, Person.id).where(col(Person.slack_id).in_(chunk))
        found.update((slack_id, pid) for slack_id, pid in session.exec(statement) if pid)
    return found


def slack_ids_by_email(emails: Iterable[str], *, session: Session) -> dict[str, str]:
    """Lower-cased email -> Slack ID, for the emails someone in the directory has."""
    found: dict[str, str] = {}
    for chunk in _chunks(sorted({e.strip().lower() for e in emails})):
        email = func.lower(Person.email)
        statement = select(email, Person.slack_id).where(email.in_(chunk))
        found.update((e, slack_id) for e, slack_id in session.exec(statement) if e)
    return found


def add_and_update(
    new: list[dict[str, Any]], changed: list[dict[str, Any]], *, session: Session
) -> int:
    """Insert ``new`` people (dicts of columns, slack_id included) and update ``changed``
    ones in place (dicts with the row ``id`` and the columns to set; rows whose values are
    already those are left alone), a batch of rows per statement: an import of 100,000
    people is a few hundred statements. Returns how many existing people changed."""
    table = Person.__table__  # type: ignore[attr-defined]
    for group in _by_keys(new).values():
        for chunk in _chunks(group):  # executemany: SQLAlchemy sends multi-row INSERTs
            session.execute(insert(table), [{**NEW_PERSON_DEFAULTS, **row} for row in chunk])
    differing = _differing(changed, session=session)
    for group in _by_keys(differing).values():
        for chunk in _chunks(group):
            session.execute(update(Person), chunk)
    session.expire_all()
    return len(differing)


def _differing(rows: list[dict[str, Any]], *, session: Session) -> list[dict[str, Any]]:
    """The update rows that would change something (``updated_at`` aside)."""
    if not rows:
        return []
    table = Person.__table__  # type: ignore[attr-defined]
    columns = sorted({key for row in rows for key in row} - {"id", "updated_at"})
    current: dict[int, tuple[Any, ...]] = {}
    picked = [table.c.id, *(table.c[name] for name in columns)]
    ids = sorted(row["id"] for row in rows)
    if len(ids) > WHOLE_DIRECTORY:
        statements = [sa_select(*picked)]
    else:
        statements = [sa_select(*picked).where(table.c.id.in_(c)) for c in _chunks(ids)]
    for statement in statements:
        current.update((row[0], tuple(row[1:])) for row in session.execute(statement))
    index = {name: n for n, name in enumerate(columns)}
    return [
        row
        for row in rows
        if row["id"] not in current
        or any(
            current[row["id"]][index[key]] != value
            for key, value in row.items()
            if key not in ("id", "updated_at")
        )
    ]


def _by_keys(rows: list[dict[str, Any]]) -> dict[frozenset[str], list[dict[str, Any]]]:
    """Rows grouped by the columns they set: each group is one executemany."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    return groups


def is_deactivated(slack_id: str, *, session: Session) -> bool:
    """In the directory and marked inactive (Slack deactivated them); unknown is not."""
    active = session.exec(select(Person.is_active).where(Person.slack_id == slack_id)).first()
    return active is False
