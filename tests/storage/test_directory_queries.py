"""The queries every search and click runs: reporting lines, topic demand, delivery claims."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from storage.directory import MAX_CHAIN_DEPTH, manager_chain, manager_chains
from storage.events import claim_event
from storage.models import TopicDemand
from storage.offers import record_demand
from tests.factories import make_person


def test_a_manager_chain_runs_nearest_first_up_to_the_top(session: Session) -> None:
    make_person(session, "U0CEO0001")
    make_person(session, "U0VP00001", manager="U0CEO0001")
    make_person(session, "U0LEAD001", manager="U0VP00001")
    make_person(session, "U0DEV0001", manager="U0LEAD001")

    assert manager_chain("U0DEV0001", session=session) == ["U0LEAD001", "U0VP00001", "U0CEO0001"]
    assert manager_chain("U0CEO0001", session=session) == []
    assert manager_chain("U0NOBODY1", session=session) == []


def test_a_manager_outside_the_directory_ends_the_chain_but_is_in_it(session: Session) -> None:
    make_person(session, "U0DEV0001", manager="U0GONE001")
    make_person(session, "U0DEV0002", manager="")  # a blank manager cell is no manager

    assert manager_chain("U0DEV0001", session=session) == ["U0GONE001"]
    assert manager_chain("U0DEV0002", session=session) == []


def test_a_loop_in_the_reporting_lines_ends_the_chain_where_it_closes(session: Session) -> None:
    make_person(session, "U0A000001", manager="U0B000001")
    make_person(session, "U0B000001", manager="U0C000001")
    make_person(session, "U0C000001", manager="U0B000001")  # B and C manage each other
    make_person(session, "U0SELF001", manager="U0SELF001")

    assert manager_chain("U0A000001", session=session) == ["U0B000001", "U0C000001"]
    assert manager_chain("U0B000001", session=session) == ["U0C000001"]
    assert manager_chain("U0SELF001", session=session) == []


def test_a_chain_stops_at_its_maximum_depth(session: Session) -> None:
    ids = [f"U0DEPTH{n:03d}" for n in range(MAX_CHAIN_DEPTH + 5)]
    make_person(session, ids[0])
    for person, manager in zip(ids[1:], ids, strict=False):
        make_person(session, person, manager=manager)

    chain = manager_chain(ids[-1], session=session)

    assert chain == list(reversed(ids[-1 - MAX_CHAIN_DEPTH : -1]))


def test_many_chains_at_once_are_each_person_s_own_chain(session: Session) -> None:
    make_person(session, "U0CEO0001")
    make_person(session, "U0VP00001", manager="U0CEO0001")
    make_person(session, "U0LEAD001", manager="U0VP00001")
    make_person(session, "U0A000001", manager="U0B000001")
    make_person(session, "U0B000001", manager="U0A000001")
    people = ["U0CEO0001", "U0VP00001", "U0LEAD001", "U0A000001", "U0B000001", "U0NOBODY1"]

    chains = manager_chains(people, session=session)

    assert chains == {slack_id: manager_chain(slack_id, session=session) for slack_id in people}
    assert chains["U0LEAD001"] == ["U0VP00001", "U0CEO0001"]
    assert chains["U0A000001"] == ["U0B000001"]
    assert manager_chains([], session=session) == {}


def test_each_search_counts_once_per_topic_and_day_and_misses_count_apart(
    session: Session,
) -> None:
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    record_demand("python", "Python", matched=True, day=monday, session=session)
    record_demand("python", "python!", matched=False, day=monday, session=session)
    record_demand("python", "Python", matched=False, day=tuesday, session=session)
    session.commit()

    rows = session.exec(select(TopicDemand).order_by(TopicDemand.day)).all()

    assert [(r.key, r.label, r.day, r.searches, r.unmatched) for r in rows] == [
        ("python", "Python", monday, 2, 1),  # the words as first searched
        ("python", "Python", tuesday, 1, 1),
    ]


def test_a_delivery_is_claimed_by_its_first_claim_only(session: Session) -> None:
    """Every command and click is claimed once (on PostgreSQL too, where psycopg would
    otherwise report no row count and every first claim would look taken)."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert claim_event("command:T123", session=session, now=now) is True
    assert claim_event("command:T123", session=session, now=now) is False
    assert claim_event("command:T124", session=session, now=now) is True
