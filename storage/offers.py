"""Queries for mentor offers, the topic catalogue and topic demand."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from storage.models import MentorOffer, OfferTopic, Person, Topic, TopicDemand


@dataclass(frozen=True)
class CandidateRow:
    """One possible mentor as the candidate query returns it (columns, not full rows)."""

    person_id: int
    slack_id: str
    area: str | None
    level: int | None
    manager_slack_id: str | None
    offer_id: int
    capacity: int
    reverse_mentoring: bool
    topic_ids: frozenset[int]


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


def candidates(
    *,
    session: Session,
    today: date,
    mentee_id: int,
    mentee_slack_id: str,
    mentee_area_key: str | None,
    mentee_level: int | None,
    max_level_gap: int,
    chain_slack_ids: Collection[str],
    exclude_ids: Collection[int] = (),
    topic_ids: Collection[int] | None = None,
) -> list[CandidateRow]:
    """Available mentors outside the mentee's area, chain and direct reports, at a fitting level.

    With ``topic_ids`` only offers covering one of them (and ``topic_ids`` lists those
    covered); without, every available offer. Capacity is checked by the caller.
    """
    columns: tuple[Any, ...] = (
        Person.id,
        Person.slack_id,
        Person.area,
        Person.level,
        Person.manager_slack_id,
        MentorOffer.id,
        MentorOffer.capacity,
        MentorOffer.reverse_mentoring,
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
    if chain_slack_ids:
        conditions.append(col(Person.slack_id).not_in(list(chain_slack_ids)))
    if exclude_ids:
        conditions.append(col(Person.id).not_in(list(exclude_ids)))

    if topic_ids is None:
        statement = (
            sa_select(*columns)
            .select_from(MentorOffer)
            .join(Person, col(Person.id) == MentorOffer.person_id)
            .where(*conditions)
        )
        return [_candidate(tuple(row), frozenset()) for row in session.execute(statement)]

    if not topic_ids:
        return []
    statement = (
        sa_select(*columns, col(OfferTopic.topic_id))
        .select_from(OfferTopic)
        .join(MentorOffer, col(MentorOffer.id) == OfferTopic.offer_id)
        .join(Person, col(Person.id) == MentorOffer.person_id)
        .where(col(OfferTopic.topic_id).in_(list(topic_ids)), *conditions)
    )
    rows: dict[int, tuple[tuple[Any, ...], set[int]]] = {}
    for row in session.execute(statement):
        values = tuple(row)
        entry = rows.setdefault(int(values[0]), (values[:-1], set()))
        entry[1].add(int(values[-1]))
    return [_candidate(values, frozenset(topics)) for values, topics in rows.values()]


def _candidate(values: tuple[Any, ...], topic_ids: frozenset[int]) -> CandidateRow:
    person_id, slack_id, area, level, manager, offer_id, capacity, reverse = values
    return CandidateRow(
        person_id=int(person_id),
        slack_id=str(slack_id),
        area=area,
        level=level,
        manager_slack_id=manager,
        offer_id=int(offer_id),
        capacity=int(capacity),
        reverse_mentoring=bool(reverse),
        topic_ids=topic_ids,
    )


# --- the topic catalogue ----------------------------------------------------------------


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


def topic_supply(*, session: Session, today: date) -> list[TopicSupply]:
    """Every topic with at least one available (active, unpaused) mentor, most offered first."""
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
    row = session.exec(
        select(TopicDemand).where(TopicDemand.key == key, TopicDemand.day == day)
    ).first()
    if row is None:
        row = TopicDemand(key=key, label=label, day=day)
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
