"""Queries for mentor offers, the topic catalogue and topic demand."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from pydantic_core import PydanticUndefined
from sqlalchemy import and_, case, delete, literal, or_
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from storage.directory import days_to_answer
from storage.models import (
    Conversation,
    ConversationStatus,
    MentorOffer,
    OfferTopic,
    Person,
    Topic,
    TopicDemand,
)
from storage.ranking import FAST_ANSWER, QUERY_RANKING, SLOW_ANSWER, Speed, unknown_distance


class CandidateRow(NamedTuple):
    """One possible mentor as the candidate query returns it (columns, not full rows)."""

    person_id: int
    slack_id: str
    area: str | None
    level: int | None
    manager_slack_id: str | None
    offer_id: int
    capacity: int
    reverse_mentoring: bool
    load: int  # active conversations, as storage.conversations.active_load counts them


CHUNK = 5000  # ids per IN (...) list, well under SQLite's variable limit


@dataclass(frozen=True)
class TopicSupply:
    """A catalogue topic and how many available mentors offer it."""

    topic_id: int
    key: str
    label: str
    mentors: int


# --- offers ------------------------------------------------------------------------------


def get_offer(person_id: int, *, session: Session) -> MentorOffer | None:
    return session.exec(select(MentorOffer).where(MentorOffer.person_id == person_id)).first()


def save_offer(
    person_id: int, fields: dict[str, object], *, session: Session, now: datetime
) -> MentorOffer:
    """Create the person's offer or update the given fields in place."""
    offer = get_offer(person_id, session=session)
    if offer is None:
        offer = MentorOffer(person_id=person_id, created_at=now, updated_at=now)
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.updated_at = now
    session.add(offer)
    session.flush()
    return offer


def set_offer_topics(offer_id: int, topic_ids: Iterable[int], *, session: Session) -> None:
    """Make the offer cover exactly ``topic_ids``."""
    wanted = set(topic_ids)
    current = set(
        session.exec(select(OfferTopic.topic_id).where(OfferTopic.offer_id == offer_id)).all()
    )
    if current - wanted:
        session.execute(
            delete(OfferTopic).where(
                col(OfferTopic.offer_id) == offer_id,
                col(OfferTopic.topic_id).in_(current - wanted),
            )
        )
    for topic_id in sorted(wanted - current):
        session.add(OfferTopic(offer_id=offer_id, topic_id=topic_id))
    session.flush()


def offer_topic_labels(offer_ids: Iterable[int], *, session: Session) -> dict[int, list[str]]:
    """Topic labels per offer, alphabetical; offers without topics are absent."""
    ids = list(set(offer_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(OfferTopic.offer_id, Topic.label)
        .join(Topic, col(Topic.id) == OfferTopic.topic_id)
        .where(col(OfferTopic.offer_id).in_(ids))
    ).all()
    labels: dict[int, list[str]] = {}
    for offer_id, label in rows:
        labels.setdefault(offer_id, []).append(label)
    for values in labels.values():
        values.sort(key=str.lower)
    return labels


def offer_window(seed: int, size: int, *, session: Session) -> list[int] | None:
    """Up to ``size`` offer IDs starting at a place fixed by ``seed`` (wrapping around),
    read from the primary key index; None when there are no more than ``size`` offers,
    meaning all of them. Ranking "anyone who could help" within such a window costs the
    same at 500 mentors as at 50,000, and different people see different parts of it."""
    top = session.exec(select(func.max(MentorOffer.id))).first()
    if not top or top <= size:
        return None
    start = (seed * 2654435761) % top + 1  # Knuth's multiplicative hash: spread out
    ids = list(
        session.exec(
            select(MentorOffer.id)
            .where(col(MentorOffer.id) >= start)
            .order_by(col(MentorOffer.id))
            .limit(size)
        ).all()
    )
    if len(ids) < size:
        ids += session.exec(
            select(MentorOffer.id)
            .where(col(MentorOffer.id) < start)
            .order_by(col(MentorOffer.id))
            .limit(size - len(ids))
        ).all()
    return [i for i in ids if i is not None]


def ranked_candidates(
    *,
    session: Session,
    today: date,
    mentee_id: int,
    mentee_slack_id: str,
    mentee_area_key: str | None,
    mentee_level: int | None,
    max_level_gap: int,
    chain_slack_ids: Collection[str],
    connected_ids: Collection[int],
    exclude_ids: Collection[int] = (),
    offer_ids: Collection[int] | None = None,
    limit: int = 20,
    offset: int = 0,
    reverse_only: bool = False,
) -> list[CandidateRow]:
    """Available mentors with a free slot, outside the mentee's area, chain and direct reports,
    at a fitting level, best first, a page at a time.

    Among ``offer_ids`` when given, else among every offer. The order is
    ``storage.ranking.QUERY_RANKING`` (the ranking policy after the topic), computed in SQL
    so a popular topic never brings thousands of rows into Python. Indirect reports are left to the
    caller (a walk up each candidate's chain is only worth it for the few shown).
    """
    mentor = col(Conversation.mentor_id) == col(Person.id)

    def count(*where: Any) -> Any:
        return sa_select(func.count()).where(mentor, *where).correlate(Person).scalar_subquery()

    # Active conversations are what capacity is about (as conversations.active_load counts).
    load = count(col(Conversation.status) == ConversationStatus.ACTIVE)
    answered = col(Conversation.responded_at).is_not(None)
    days = days_to_answer(session)
    if days is None:  # a database without date arithmetic: speed ranks neutral
        speed: Any = literal(int(Speed.NEUTRAL))
    else:
        # Whole seconds, so an answer after exactly one day is "within a day" here as in
        # ranking.answer_speed (day fractions are not exact in floating point).
        seconds = func.round(days * 86400)
        n = count(answered)
        fast = count(answered, seconds <= FAST_ANSWER.total_seconds())
        slow = count(answered, seconds > SLOW_ANSWER.total_seconds())
        speed = case(
            (fast * 2 > n, int(Speed.FAST)),
            (slow * 2 > n, int(Speed.SLOW)),
            else_=int(Speed.NEUTRAL),
        )
    is_known = literal(False) if not connected_ids else col(Person.id).in_(list(connected_ids))
    known = case((is_known, 1), else_=0)
    if mentee_level is None:
        distance: Any = literal(unknown_distance(max_level_gap))
    else:
        distance = case(
            (col(Person.level).is_(None), unknown_distance(max_level_gap)),
            else_=func.abs(col(Person.level) - mentee_level),
        )
    inner_columns: tuple[Any, ...] = (
        col(Person.id).label("person_id"),
        col(Person.slack_id).label("slack_id"),
        col(Person.area).label("area"),
        col(Person.level).label("level"),
        col(Person.manager_slack_id).label("manager_slack_id"),
        col(MentorOffer.id).label("offer_id"),
        col(MentorOffer.capacity).label("capacity"),
        col(MentorOffer.reverse_mentoring).label("reverse_mentoring"),
        load.label("load"),
        (load * 1.0 / col(MentorOffer.capacity)).label("share"),
        speed.label("speed"),
        known.label("known"),
        distance.label("distance"),
    )
    conditions = [
        col(Person.is_active).is_(True),
        col(Person.id) != mentee_id,
        col(MentorOffer.paused).is_(False),
        or_(col(MentorOffer.paused_until).is_(None), col(MentorOffer.paused_until) <= today),
        or_(
            col(Person.manager_slack_id).is_(None), col(Person.manager_slack_id) != mentee_slack_id
        ),
    ]
    if mentee_area_key:
        conditions.append(
            or_(col(Person.area).is_(None), func.lower(func.trim(Person.area)) != mentee_area_key)
        )
    if mentee_level is not None:
        conditions.append(
            or_(
                col(Person.level).is_(None),
                and_(
                    col(Person.level) - mentee_level <= max_level_gap,
                    or_(col(Person.level) >= mentee_level, col(MentorOffer.reverse_mentoring)),
                ),
            )
        )
    if reverse_only:
        conditions.append(col(MentorOffer.reverse_mentoring).is_(True))
    if chain_slack_ids:
        conditions.append(col(Person.slack_id).not_in(list(chain_slack_ids)))
    if exclude_ids:
        conditions.append(col(Person.id).not_in(list(exclude_ids)))

    def page(ids: list[int] | None, size: int, skip: int) -> list[Any]:
        where = list(conditions)
        if ids is not None:
            where.append(col(MentorOffer.id).in_(ids))
        inner = (
            sa_select(*inner_columns)
            .select_from(MentorOffer)
            .join(Person, col(Person.id) == MentorOffer.person_id)
            .where(*where)
            .subquery()
        )
        statement = (
            sa_select(inner)
            .where(inner.c.load < inner.c.capacity)
            .order_by(*_order(inner))
            .limit(size)
            .offset(skip)
        )
        return list(session.execute(statement))

    if offer_ids is None:
        rows = page(None, limit, offset)
    else:
        wanted = sorted(set(offer_ids))
        if len(wanted) <= CHUNK:
            rows = page(wanted, limit, offset) if wanted else []
        else:  # very large tiers: best of each chunk, merged in the same order
            merged = [
                row
                for start in range(0, len(wanted), CHUNK)
                for row in page(wanted[start : start + CHUNK], limit + offset, 0)
            ]
            merged.sort(key=_python_order)
            rows = merged[offset : offset + limit]
    return [CandidateRow._make(tuple(row)[:9]) for row in rows]


def _order(inner: Any) -> list[Any]:
    return [inner.c[str(c.column)] for c in QUERY_RANKING]


def _python_order(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, str(c.column)) for c in QUERY_RANKING)


class OffererRow(NamedTuple):
    """Someone who offers a topic, with what decides whether a mentee may be shown them."""

    person_id: int
    slack_id: str
    area: str | None
    level: int | None
    manager_slack_id: str | None
    reverse_mentoring: bool
    capacity: int
    paused: bool
    paused_until: date | None
    load: int


def offerers(offer_ids: Collection[int], *, session: Session, limit: int) -> list[OffererRow]:
    """Up to ``limit`` active people behind ``offer_ids``, whatever their eligibility
    (to say why none of them was suggested)."""
    if not offer_ids:
        return []
    load = (
        sa_select(func.count())
        .where(
            col(Conversation.mentor_id) == col(Person.id),
            col(Conversation.status) == ConversationStatus.ACTIVE,
        )
        .correlate(Person)
        .scalar_subquery()
    )
    statement = (
        sa_select(
            col(Person.id),
            col(Person.slack_id),
            col(Person.area),
            col(Person.level),
            col(Person.manager_slack_id),
            col(MentorOffer.reverse_mentoring),
            col(MentorOffer.capacity),
            col(MentorOffer.paused),
            col(MentorOffer.paused_until),
            load,
        )
        .select_from(MentorOffer)
        .join(Person, col(Person.id) == MentorOffer.person_id)
        .where(col(Person.is_active).is_(True), col(MentorOffer.id).in_(sorted(offer_ids)[:CHUNK]))
        .order_by(col(Person.slack_id))
        .limit(limit)
    )
    return [OffererRow._make(tuple(row)) for row in session.execute(statement)]


def offer_topic_pairs(topic_ids: Collection[int], *, session: Session) -> list[tuple[int, int]]:
    """(offer_id, topic_id) for every offer covering one of ``topic_ids`` (index only)."""
    if not topic_ids:
        return []
    statement = sa_select(col(OfferTopic.offer_id), col(OfferTopic.topic_id)).where(
        col(OfferTopic.topic_id).in_(list(topic_ids))
    )
    return [(int(o), int(t)) for o, t in session.execute(statement)]


# --- the topic catalogue ----------------------------------------------------------------


def topic_keys(*, session: Session) -> list[tuple[int, str, str]]:
    """(id, key, label) of every catalogue topic: what matching reads on each search."""
    statement = sa_select(col(Topic.id), col(Topic.key), col(Topic.label))
    return [(int(i), str(k), str(label)) for i, k, label in session.execute(statement)]


def all_topics(*, session: Session) -> list[Topic]:
    return list(session.exec(select(Topic).order_by(func.lower(Topic.label))).all())


def topics_by_keys(keys: Iterable[str], *, session: Session) -> dict[str, Topic]:
    wanted = list(set(keys))
    if not wanted:
        return {}
    found = session.exec(select(Topic).where(col(Topic.key).in_(wanted))).all()
    return {topic.key: topic for topic in found}


def add_topic(key: str, label: str, kind: str, *, session: Session, now: datetime) -> Topic:
    """Add a topic to the catalogue (the caller checked the key is new)."""
    topic = Topic(key=key, label=label, kind=kind, created_at=now)
    session.add(topic)
    session.flush()
    return topic


def topic_supply(
    *, session: Session, today: date, topic_ids: Collection[int] | None = None
) -> list[TopicSupply]:
    """Topics (all, or those in ``topic_ids``) with available (active, unpaused) mentors,
    most offered first."""
    mentors = func.count(col(OfferTopic.offer_id))
    statement = (
        sa_select(col(Topic.id), col(Topic.key), col(Topic.label), mentors)
        .select_from(OfferTopic)
        .join(Topic, col(Topic.id) == OfferTopic.topic_id)
        .join(MentorOffer, col(MentorOffer.id) == OfferTopic.offer_id)
        .join(Person, col(Person.id) == MentorOffer.person_id)
        .where(
            col(Person.is_active).is_(True),
            col(MentorOffer.paused).is_(False),
            or_(col(MentorOffer.paused_until).is_(None), col(MentorOffer.paused_until) <= today),
            *([col(OfferTopic.topic_id).in_(list(topic_ids))] if topic_ids is not None else []),
        )
        .group_by(col(Topic.id), col(Topic.key), col(Topic.label))
        .order_by(mentors.desc(), func.lower(Topic.label))
    )
    return [TopicSupply(int(i), k, label, int(n)) for i, k, label, n in session.execute(statement)]


# --- demand --------------------------------------------------------------------------------


def record_demand(
    key: str, label: str, *, matched: bool, day: date, session: Session
) -> TopicDemand:
    """Count one search for ``key`` on ``day`` (and one unmatched search when nobody fit)."""
    statement = select(TopicDemand).where(TopicDemand.key == key, TopicDemand.day == day)
    row = session.exec(statement).first()
    if row is None:
        try:
            with session.begin_nested():  # two first searches of the day may race
                row = TopicDemand(key=key, label=label, day=day)
                session.add(row)
                session.flush()
        except IntegrityError:
            row = session.exec(statement).one()
    row.searches += 1
    if not matched:
        row.unmatched += 1
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class DemandCount:
    key: str
    label: str
    searches: int
    unmatched: int


def demand_between(start: date, end: date, *, session: Session) -> list[DemandCount]:
    """Searches per topic key from ``start`` (inclusive) to ``end`` (exclusive), most first."""
    searches = func.sum(TopicDemand.searches)
    statement = (
        select(
            TopicDemand.key, func.min(TopicDemand.label), searches, func.sum(TopicDemand.unmatched)
        )
        .where(col(TopicDemand.day) >= start, col(TopicDemand.day) < end)
        .group_by(col(TopicDemand.key))
        .order_by(searches.desc(), col(TopicDemand.key))
    )
    return [DemandCount(k, label, int(s), int(u)) for k, label, s, u in session.execute(statement)]


def offer_topics(offer_id: int, *, session: Session) -> list[Topic]:
    """The offer's topics, alphabetical."""
    statement = (
        select(Topic)
        .join(OfferTopic, col(OfferTopic.topic_id) == Topic.id)
        .where(OfferTopic.offer_id == offer_id)
        .order_by(func.lower(Topic.label))
    )
    return list(session.exec(statement).all())


def topics_by_ids(topic_ids: Iterable[int], *, session: Session) -> list[Topic]:
    ids = list(set(topic_ids))
    if not ids:
        return []
    return list(session.exec(select(Topic).where(col(Topic.id).in_(ids))).all())


def offers_by_ids(offer_ids: Iterable[int], *, session: Session) -> dict[int, MentorOffer]:
    ids = list(set(offer_ids))
    if not ids:
        return {}
    offers = session.exec(select(MentorOffer).where(col(MentorOffer.id).in_(ids))).all()
    return {offer.id: offer for offer in offers if offer.id is not None}


# --- offers in bulk (the people import) ----------------------------------------------------


def save_offers(
    fields_by_person: dict[int, dict[str, object]], *, session: Session, now: datetime
) -> dict[int, int]:
    """Create or update many people's offers (given fields only) in a few statements;
    returns person id -> offer id."""
    people = sorted(fields_by_person)
    existing: dict[int, int] = {}
    for start in range(0, len(people), CHUNK):
        chunk = people[start : start + CHUNK]
        rows = session.exec(
            select(MentorOffer.person_id, MentorOffer.id).where(
                col(MentorOffer.person_id).in_(chunk)
            )
        )
        existing.update((person, offer) for person, offer in rows if offer is not None)
    new: dict[frozenset[str], list[dict[str, Any]]] = {}
    changed: dict[frozenset[str], list[dict[str, Any]]] = {}
    for person, fields in fields_by_person.items():
        if person in existing:
            row = {"id": existing[person], **fields, "updated_at": now}
            changed.setdefault(frozenset(row), []).append(row)
        else:
            row = {
                **_NEW_OFFER,
                "person_id": person,
                **fields,
                "created_at": now,
                "updated_at": now,
            }
            new.setdefault(frozenset(row), []).append(row)
    for groups, statement in ((new, sa_insert(MentorOffer)), (changed, sa_update(MentorOffer))):
        for group in groups.values():
            for start in range(0, len(group), CHUNK):
                session.execute(statement, group[start : start + CHUNK])
    session.expire_all()
    if not new:
        return existing
    added = [p for p in people if p not in existing]
    for start in range(0, len(added), CHUNK):
        chunk = added[start : start + CHUNK]
        rows = session.exec(
            select(MentorOffer.person_id, MentorOffer.id).where(
                col(MentorOffer.person_id).in_(chunk)
            )
        )
        existing.update((person, offer) for person, offer in rows if offer is not None)
    return existing


def replace_offer_topics(topics_by_offer: dict[int, set[int]], *, session: Session) -> None:
    """Make each offer cover exactly its topics, for many offers at once."""
    offers = sorted(topics_by_offer)
    for start in range(0, len(offers), CHUNK):
        chunk = offers[start : start + CHUNK]
        session.execute(delete(OfferTopic).where(col(OfferTopic.offer_id).in_(chunk)))
    rows = [
        {"offer_id": offer, "topic_id": topic}
        for offer in offers
        for topic in sorted(topics_by_offer[offer])
    ]
    for start in range(0, len(rows), CHUNK):
        session.execute(sa_insert(OfferTopic), rows[start : start + CHUNK])
    session.expire_all()


_NEW_OFFER = {
    name: field.default
    for name, field in MentorOffer.model_fields.items()
    if field.default is not PydanticUndefined and name != "id"
}
