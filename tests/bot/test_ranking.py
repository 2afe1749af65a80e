"""One ranking policy: the order the query executes is the order the explanation gives.

Generated directories of a few mentors (areas, levels, loads, past answer times, people
the mentee already knows, reporting lines) go through the real matching service and
candidate query on real SQLite; each example's rows are rolled back afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from bot.matching import check_mentor, explain, suggest_mentors
from storage.connections import record_connection
from storage.models import ConnectionSource, ConversationStatus, Person
from storage.ranking import RANKING, Speed, Standing, answer_speed, sort_key
from tests.factories import make_person
from tests.mentors import NOW, conversation, offer

MAX_LEVEL_GAP = 2
TOPICS = ("Public speaking", "Negotiation", "Hiring")
QUERIES = (None, "public speaking", "negotiation", "hiring negotiation")
# Around the one-day and three-day lines, where the query and the explanation could part.
ANSWER_HOURS = (1, 23, 24, 25, 47, 71, 72, 73, 200)


@dataclass(frozen=True)
class Mentor:
    area: str
    level: int | None
    capacity: int
    load: int
    answered_after_hours: tuple[int, ...]
    known: bool
    reverse: bool
    paused: bool
    reports_to_mentee: bool
    topics: tuple[str, ...]


@dataclass(frozen=True)
class World:
    mentee_level: int | None
    mentors: tuple[Mentor, ...]
    manager: int | None  # which mentor manages the mentee, if any
    query: str | None


@st.composite
def worlds(draw: st.DrawFn) -> World:
    mentors = []
    for _ in range(draw(st.integers(3, 8))):
        capacity = draw(st.integers(1, 3))
        mentors.append(
            Mentor(
                area=draw(st.sampled_from(("Sales", "Design", "Finance", " engineering "))),
                level=draw(st.sampled_from((None, 2, 3, 3, 4, 4, 5, 6))),
                capacity=capacity,
                load=draw(st.integers(0, capacity)),
                answered_after_hours=tuple(
                    draw(st.lists(st.sampled_from(ANSWER_HOURS), max_size=4))
                ),
                known=draw(st.booleans()),
                reverse=draw(st.booleans()),
                paused=draw(st.integers(0, 7)) == 0,
                reports_to_mentee=draw(st.integers(0, 7)) == 0,
                topics=tuple(draw(st.sets(st.sampled_from(TOPICS), min_size=1, max_size=2))),
            )
        )
    manager = draw(st.integers(0, 3 * len(mentors)))  # mostly nobody among them
    return World(
        mentee_level=draw(st.sampled_from((None, 2, 3, 3, 4))),
        mentors=tuple(mentors),
        manager=manager if manager < len(mentors) else None,
        query=draw(st.sampled_from(QUERIES)),
    )


def _arrange(session: Session, world: World) -> tuple[Person, list[Person]]:
    ids = [f"U0MENTOR{i}" for i in range(len(world.mentors))]
    mentee = make_person(
        session,
        "U0MENTEE1",
        area="Engineering",
        level=world.mentee_level,
        manager=ids[world.manager] if world.manager is not None else None,
    )
    # One open conversation per pair: each active one comes from a different mentee.
    others = [make_person(session, f"U0OTHER0{k}", area="Legal", level=1) for k in range(3)]
    other = others[0]
    assert mentee.id is not None
    people = []
    for slack_id, m in zip(ids, world.mentors, strict=True):
        mentor = make_person(
            session,
            slack_id,
            area=m.area,
            level=m.level,
            manager="U0MENTEE1" if m.reports_to_mentee else None,
        )
        offer(session, mentor, m.topics, capacity=m.capacity, reverse=m.reverse, paused=m.paused)
        for k in range(m.load):
            conversation(session, others[k], mentor)
        for hours in m.answered_after_hours:
            conversation(
                session,
                other,
                mentor,
                ConversationStatus.CLOSED,
                answered_after=timedelta(hours=hours),
            )
        if m.known:
            assert mentor.id is not None
            record_connection(mentee.id, mentor.id, ConnectionSource.MET, session=session, now=NOW)
        people.append(mentor)
    return mentee, people


@settings(max_examples=50)
@given(world=worlds())
def test_the_query_ranks_mentors_in_the_order_their_explained_standing_gives(
    session: Session, world: World
) -> None:
    try:
        mentee, mentors = _arrange(session, world)
        found = suggest_mentors(
            session, mentee, world.query, now=NOW, max_level_gap=MAX_LEVEL_GAP, limit=20
        )
        standings = [s.standing for s in found]
        assert all(isinstance(s, Standing) for s in standings)
        ranked = sorted(found, key=lambda s: sort_key(s.standing))  # type: ignore[arg-type]
        assert [s.mentor.slack_id for s in found] == [s.mentor.slack_id for s in ranked]
        by_id = {m.slack_id: m for m in mentors}
        for suggestion in found:
            standing = suggestion.standing
            assert standing is not None
            m = world.mentors[mentors.index(by_id[suggestion.mentor.slack_id])]
            # The standing is what the directory says, and the reasons say the standing.
            assert standing.is_new_connection is not m.known
            assert (standing.load, standing.capacity) == (m.load, m.capacity)
            assert standing.speed == answer_speed(
                timedelta(hours=h) for h in m.answered_after_hours
            )
            assert ("new connection for you" in suggestion.reasons) is not m.known
            fast = "usually answers within a day" in suggestion.reasons
            assert fast is (standing.speed == Speed.FAST)
        if world.query is None:
            # Eligibility written once: find suggests exactly whom `/mentor ask` raises
            # nothing against.
            clear = {
                m.slack_id
                for m in mentors
                if not check_mentor(
                    session, mentee, m, now=NOW, max_level_gap=MAX_LEVEL_GAP
                ).concerns
            }
            assert {s.mentor.slack_id for s in found} == clear
    finally:
        session.rollback()


def test_the_ranking_explains_every_step_in_order() -> None:
    assert [c.name for c in RANKING] == [
        "topic match",
        "new connection",
        "lighter load",
        "answer speed",
        "closer seniority",
        "tie-break",
    ]
    standing = Standing(
        topic_fit=(1, 1.0),
        is_new_connection=True,
        load=1,
        capacity=2,
        speed=Speed.FAST,
        level_gap=1,
        max_level_gap=MAX_LEVEL_GAP,
        slack_id="U0BOB0001",
    )
    assert explain(standing) == (
        "new connection for you",
        "usually answers within a day",
        "near your level",
    )


def test_an_answer_after_exactly_a_day_counts_as_within_a_day() -> None:
    assert answer_speed([timedelta(days=1)]) == Speed.FAST
    assert answer_speed([timedelta(days=3)]) == Speed.NEUTRAL
    assert answer_speed([timedelta(days=3, seconds=1)]) == Speed.SLOW
    assert answer_speed([timedelta(hours=1), timedelta(days=5)]) == Speed.NEUTRAL  # a tie
    assert answer_speed([]) == Speed.NEUTRAL
