"""Queries for mentor offers, the topic catalogue and topic demand."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from pydantic_core import PydanticUndefined
from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    delete,
    extract,
    literal,
    or_,
    union,
    union_all,
)
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

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
from storage.tables import CONVERSATION, OFFER, OFFER_TOPIC, PERSON, TOPIC, table


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


OFFER_OF = select(MentorOffer).where(col(MentorOffer.person_id) == bindparam("person_id"))


def get_offer(person_id: int, *, session: Session) -> MentorOffer | None:
    return session.exec(OFFER_OF, params={"person_id": person_id}).first()


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


OFFER_TOPIC_LABELS = (
    sa_select(OFFER_TOPIC.c.offer_id, TOPIC.c.label)
    .select_from(OFFER_TOPIC.join(TOPIC, TOPIC.c.id == OFFER_TOPIC.c.topic_id))
    .where(OFFER_TOPIC.c.offer_id.in_(bindparam("ids", expanding=True)))
)


def offer_topic_labels(offer_ids: Iterable[int], *, session: Session) -> dict[int, list[str]]:
    """Topic labels per offer, alphabetical; offers without topics are absent."""
    ids = list(set(offer_ids))
    if not ids:
        return {}
    labels: dict[int, list[str]] = {}
    for offer_id, label in session.execute(OFFER_TOPIC_LABELS, {"ids": ids}):
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
    start = _window_start(seed, top)
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


def _window_start(seed: int, top: int) -> int:
    """Where ``seed``'s window starts among offer IDs 1..``top``."""
    return (seed * 2654435761) % top + 1  # Knuth's multiplicative hash: spread out


def offer_topic_window(
    sizes: Mapping[int, int], seed: int, *, session: Session
) -> list[tuple[int, int]]:
    """(offer_id, topic_id) for a window of each topic's offers: for topic ID ``t``, up to
    ``sizes[t]`` of them in offer-ID order from a place fixed by ``seed`` (as
    ``offer_window``, wrapping around), with every pair among those topics of the offers
    so chosen, so an offer's topic fit is whole. A topic with no more offers than its
    size is read whole.

    One statement reading at most ``sizes[t]`` index entries of each topic, then the
    chosen offers' pairs: a topic offered by thousands costs what its window does.
    """
    topics = sorted(sizes)
    if not topics:
        return []
    top = session.exec(select(func.max(MentorOffer.id))).first()
    if not top:
        return []
    params: dict[str, Any] = {"topics": topics, "start": _window_start(seed, top)}
    for n, topic in enumerate(topics):
        params.update({f"topic{n}": topic, f"size{n}": sizes[topic]})
    rows = session.execute(_window_statement(len(topics)), params).all()
    return cast(list[tuple[int, int]], rows)  # rows unpack as tuples


@functools.lru_cache(maxsize=64)
def _window_statement(topics: int) -> Any:
    """The window of ``topics`` topics: per topic, the first ``size<n>`` offers from
    ``start`` on, then from the lowest ID (two index range scans, each stopping there)."""
    pairs, start = OFFER_TOPIC, bindparam("start", type_=Integer)
    windows = []
    for n in range(topics):
        topic = pairs.c.topic_id == bindparam(f"topic{n}", type_=Integer)
        size = bindparam(f"size{n}", type_=Integer)
        laps = [
            sa_select(pairs.c.offer_id, literal(lap).label("lap"))
            .where(topic, after)
            .order_by(pairs.c.offer_id)
            .limit(size)
            .subquery()
            for lap, after in enumerate((pairs.c.offer_id >= start, pairs.c.offer_id < start))
        ]
        both = union_all(*(sa_select(lap.c.offer_id, lap.c.lap) for lap in laps)).subquery()
        window = (
            sa_select(both.c.offer_id).order_by(both.c.lap, both.c.offer_id).limit(size)
        ).subquery()
        windows.append(sa_select(window.c.offer_id))
    chosen = windows[0] if topics == 1 else union(*windows)
    return sa_select(pairs.c.offer_id, pairs.c.topic_id).where(
        pairs.c.offer_id.in_(chosen),
        pairs.c.topic_id.in_(bindparam("topics", expanding=True)),
    )


@dataclass(frozen=True)
class _Shape:
    """What decides the candidate statement's text; each shape is built once."""

    dialect: str
    among: bool  # among given offer IDs (else every offer)
    area: bool  # the mentee's area is known
    level: bool  # the mentee's level is known
    reverse_only: bool
    chain: bool  # the mentee has managers
    exclude: bool  # some people are left out
    connected: bool  # the mentee has connections


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
    shape = _Shape(
        dialect=session.get_bind().dialect.name,
        among=offer_ids is not None,
        area=bool(mentee_area_key),
        level=mentee_level is not None,
        reverse_only=reverse_only,
        chain=bool(chain_slack_ids),
        exclude=bool(exclude_ids),
        connected=bool(connected_ids),
    )
    statement = _candidates_statement(shape)
    params: dict[str, Any] = {
        "today": today,
        "mentee_id": mentee_id,
        "mentee_slack_id": mentee_slack_id,
        "area_key": mentee_area_key,
        "level": mentee_level,
        "max_level_gap": max_level_gap,
        "unknown_distance": unknown_distance(max_level_gap),
        "chain": list(chain_slack_ids),
        "exclude": list(exclude_ids),
        "connected": list(connected_ids),
    }

    def page(ids: list[int] | None, size: int, skip: int) -> list[Any]:
        return list(session.execute(statement, {**params, "ids": ids, "size": size, "skip": skip}))

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


@functools.lru_cache(maxsize=256)
def _candidates_statement(shape: _Shape) -> Any:
    """The candidate query for one shape, with its values as bound parameters."""
    person, offer, conversation = PERSON, OFFER, CONVERSATION
    mentor = conversation.c.mentor_id == person.c.id

    def subquery(*columns: Any, where: tuple[Any, ...]) -> Any:
        statement = sa_select(*columns).select_from(conversation).where(mentor, *where)
        return statement.correlate(person).scalar_subquery()

    # Active conversations are what capacity is about (as conversations.active_load counts).
    load = subquery(func.count(), where=(conversation.c.status == ConversationStatus.ACTIVE,))
    days = _days_to_answer(shape.dialect)
    if days is None:  # a database without date arithmetic: speed ranks neutral
        speed: Any = literal(int(Speed.NEUTRAL))
    else:
        # Whole seconds, so an answer after exactly one day is "within a day" here as in
        # ranking.answer_speed (day fractions are not exact in floating point). One pass
        # over the mentor's answered requests: more than half fast, or more than half slow.
        seconds = func.round(days * 86400)

        def most(condition: Any) -> Any:
            return func.sum(case((condition, 1), else_=0)) * 2 > func.count()

        speed = subquery(
            case(
                (most(seconds <= FAST_ANSWER.total_seconds()), int(Speed.FAST)),
                (most(seconds > SLOW_ANSWER.total_seconds()), int(Speed.SLOW)),
                else_=int(Speed.NEUTRAL),
            ),
            where=(conversation.c.responded_at.is_not(None),),
        )
    known: Any = literal(0)
    if shape.connected:
        known = case((person.c.id.in_(bindparam("connected", expanding=True)), 1), else_=0)
    unknown = bindparam("unknown_distance", type_=Integer)
    level = bindparam("level", type_=Integer)
    distance: Any = unknown
    if shape.level:
        distance = case((person.c.level.is_(None), unknown), else_=func.abs(person.c.level - level))
    inner_columns: tuple[Any, ...] = (
        person.c.id.label("person_id"),
        person.c.slack_id.label("slack_id"),
        person.c.area.label("area"),
        person.c.level.label("level"),
        person.c.manager_slack_id.label("manager_slack_id"),
        offer.c.id.label("offer_id"),
        offer.c.capacity.label("capacity"),
        offer.c.reverse_mentoring.label("reverse_mentoring"),
        load.label("load"),
        (load * 1.0 / offer.c.capacity).label("share"),
        speed.label("speed"),
        known.label("known"),
        distance.label("distance"),
    )
    today = bindparam("today", type_=Date)
    mentee_slack_id = bindparam("mentee_slack_id", type_=String)
    conditions = [
        person.c.is_active.is_(True),
        person.c.id != bindparam("mentee_id", type_=Integer),
        offer.c.paused.is_(False),
        or_(offer.c.paused_until.is_(None), offer.c.paused_until <= today),
        or_(person.c.manager_slack_id.is_(None), person.c.manager_slack_id != mentee_slack_id),
    ]
    if shape.area:
        conditions.append(
            or_(
                person.c.area.is_(None),
                func.lower(func.trim(person.c.area)) != bindparam("area_key", type_=String),
            )
        )
    if shape.level:
        conditions.append(
            or_(
                person.c.level.is_(None),
                and_(
                    person.c.level - level <= bindparam("max_level_gap", type_=Integer),
                    or_(person.c.level >= level, offer.c.reverse_mentoring),
                ),
            )
        )
    if shape.reverse_only:
        conditions.append(offer.c.reverse_mentoring.is_(True))
    if shape.chain:
        conditions.append(person.c.slack_id.not_in(bindparam("chain", expanding=True)))
    if shape.exclude:
        conditions.append(person.c.id.not_in(bindparam("exclude", expanding=True)))
    if shape.among:
        conditions.append(offer.c.id.in_(bindparam("ids", expanding=True)))
    inner = (
        sa_select(*inner_columns)
        .select_from(offer.join(person, person.c.id == offer.c.person_id))
        .where(*conditions)
        .subquery()
    )
    return (
        sa_select(inner)
        .where(inner.c.load < inner.c.capacity)
        .order_by(*_order(inner))
        .limit(bindparam("size", type_=Integer))
        .offset(bindparam("skip", type_=Integer))
    )


def _days_to_answer(dialect: str) -> Any | None:
    """SQL for days between request and answer, or None where the dialect has no way."""
    responded, created = CONVERSATION.c.responded_at, CONVERSATION.c.created_at
    if dialect == "sqlite":
        return func.julianday(responded) - func.julianday(created)
    if dialect == "postgresql":
        return extract("epoch", responded - created) / 86400.0
    return None


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


# --- the topic catalogue ----------------------------------------------------------------


TOPIC_KEYS = sa_select(TOPIC.c.id, TOPIC.c.key, TOPIC.c.label)


def topic_keys(*, session: Session) -> list[tuple[int, str, str]]:
    """(id, key, label) of every catalogue topic: what matching reads on each search."""
    return cast(list[tuple[int, str, str]], session.execute(TOPIC_KEYS).all())


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


def record_demand(key: str, label: str, *, matched: bool, day: date, session: Session) -> None:
    """Count one search for ``key`` on ``day`` (and one unmatched search when nobody fit).

    One upsert: two first searches of the day at once both count, with no savepoint.
    """
    values = {"key": key, "label": label, "day": day, "missed": 0 if matched else 1}
    session.execute(_demand_upsert(session.get_bind().dialect.name), values)


@functools.lru_cache(maxsize=4)
def _demand_upsert(dialect: str) -> Any:
    demand = table(TopicDemand)
    if dialect == "sqlite":
        insert: Any = sqlite.insert
    elif dialect == "postgresql":
        insert = postgresql.insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"record_demand on {dialect}")
    missed = bindparam("missed", type_=Integer)
    statement = insert(demand).values(
        key=bindparam("key"),
        label=bindparam("label"),
        day=bindparam("day"),
        searches=1,
        unmatched=missed,
    )
    return statement.on_conflict_do_update(
        index_elements=[demand.c.key, demand.c.day],
        set_={"searches": demand.c.searches + 1, "unmatched": demand.c.unmatched + missed},
    )


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


OFFERS_BY_IDS = select(MentorOffer).where(col(MentorOffer.id).in_(bindparam("ids", expanding=True)))


def offers_by_ids(offer_ids: Iterable[int], *, session: Session) -> dict[int, MentorOffer]:
    ids = list(set(offer_ids))
    if not ids:
        return {}
    offers = session.exec(OFFERS_BY_IDS, params={"ids": ids}).all()
    return {offer.id: offer for offer in offers if offer.id is not None}


# --- offers in bulk (the people import) ----------------------------------------------------


def save_offers(
    fields_by_person: dict[int, dict[str, object]], *, session: Session, now: datetime
) -> dict[int, int]:
    """Create or update many people's offers (given fields only) in a few statements;
    returns person id -> offer id."""
    people = sorted(fields_by_person)
    existing = _offer_ids(people, session=session)
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
    return {**existing, **_offer_ids(added, session=session)}


def _offer_ids(people: list[int], *, session: Session) -> dict[int, int]:
    """Person id -> offer id, for those of ``people`` who have an offer."""
    found: dict[int, int] = {}
    for start in range(0, len(people), CHUNK):
        chunk = people[start : start + CHUNK]
        rows = session.exec(
            select(MentorOffer.person_id, MentorOffer.id).where(
                col(MentorOffer.person_id).in_(chunk)
            )
        )
        found.update((person, offer) for person, offer in rows if offer is not None)
    return found


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
