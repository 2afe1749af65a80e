"""`/mentor progress`: count toward the goal, days left, pace, and who to ask next."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from bot.connections import log_met, start_transition
from bot.context import Deps
from bot.ids import ActionId, parse_request_button_value
from bot.offers import apply_offer
from bot.people import MentorColumns
from storage.connections import record_connection
from storage.models import (
    ConnectionSource,
    Conversation,
    ConversationStatus,
    Person,
    TransitionKind,
)
from tests.conftest import START, Harness
from tests.factories import make_person

ALICE = "U0ALICE01"


def _mentor(session: Session, slack_id: str, area: str, *topics: str, level: int = 4) -> Person:
    person = make_person(session, slack_id, area=area, level=level)
    apply_offer(session, person, MentorColumns(topics=topics, capacity=2), START)
    return person


@pytest.fixture
def alice(session: Session) -> Person:
    """A newcomer 60 days in."""
    return make_person(
        session, ALICE, area="Engineering", level=3, start_date=(START - timedelta(days=60)).date()
    )


def _connect(session: Session, a: Person, b: Person, days_ago: int) -> None:
    assert a.id is not None and b.id is not None
    record_connection(
        a.id, b.id, ConnectionSource.SESSION, session=session, now=START - timedelta(days_ago)
    )


def _answer(harness: Harness) -> dict[str, Any]:
    return harness.fake.last("response_url").params


def _text(payload: dict[str, Any]) -> str:
    return json.dumps(payload["blocks"], ensure_ascii=False)


def _suggested(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [
        parse_request_button_value(block["accessory"]["value"])
        for block in payload["blocks"]
        if block.get("accessory", {}).get("action_id") == ActionId.REQUEST_CONVERSATION
    ]


def test_progress_sixty_days_in_with_two_connections_says_the_rhythm_that_keeps_on_track(
    harness: Harness, session: Session, alice: Person
) -> None:
    _connect(session, alice, make_person(session, "U0SALES01", area="Sales"), 40)
    _connect(session, alice, make_person(session, "U0ENGIN01", area="Engineering"), 20)
    session.commit()

    harness.slack.command("progress", user=ALICE)

    answer = _answer(harness)
    assert answer["response_type"] == "ephemeral"
    text = _text(answer)
    assert "▰▰▱▱▱▱▱▱▱▱" in text and "2 of 10" in text
    assert "about one every 2–3 weeks keeps you on track" in text and "behind" not in text
    assert "123 days left" in text
    assert "1 of 2 outside your area" in text


def test_progress_suggests_three_new_people_outside_my_area_with_room(
    harness: Harness, session: Session, alice: Person
) -> None:
    known = _mentor(session, "U0KNOWN01", "Sales", "Public speaking")
    _connect(session, alice, known, 3)
    _mentor(session, "U0SAMEAR1", "Engineering", "Public speaking")
    for n in range(1, 5):
        _mentor(session, f"U0MENTOR{n}", "Finance", "Career plans")
    session.commit()

    harness.slack.command("progress", user=ALICE)

    suggested = [mentor for mentor, _ in _suggested(_answer(harness))]
    assert len(suggested) == 3
    assert "U0KNOWN01" not in suggested and "U0SAMEAR1" not in suggested
    assert "new connection for you" in _text(_answer(harness))


def test_progress_never_suggests_someone_i_am_already_asking_or_talking_to(
    harness: Harness, session: Session, alice: Person
) -> None:
    asked = _mentor(session, "U0ASKED01", "Sales", "Career plans")
    talking = _mentor(session, "U0TALKS01", "Sales", "Career plans")
    for n in (1, 2):  # fewer than three others: without the rule, the two above would show
        _mentor(session, f"U0OTHER0{n}", "Finance", "Career plans", level=5)
    assert alice.id and asked.id and talking.id
    for mentor, status in ((asked, ConversationStatus.REQUESTED), (talking, "active")):
        session.add(
            Conversation(
                mentee_id=alice.id,
                mentor_id=mentor.id,  # type: ignore[arg-type]
                status=status,
                created_at=START,
                status_changed_at=START,
            )
        )
    session.commit()

    harness.slack.command("progress", user=ALICE)

    suggested = [mentor for mentor, _ in _suggested(_answer(harness))]
    assert sorted(suggested) == ["U0OTHER01", "U0OTHER02"]


def test_progress_shows_logged_meetings_waiting_and_where_requests_stand(
    harness: Harness, session: Session, alice: Person, deps: Deps
) -> None:
    make_person(session, "U0BOB0001", area="Sales")
    log_met(session, ALICE, "U0BOB0001", "coffee", now=START)
    session.commit()

    harness.slack.command("progress", user=ALICE)

    text = _text(_answer(harness))
    assert "Waiting for <@U0BOB0001> to confirm" in text
    assert "No mentoring requests yet" in text


def test_a_transition_tailors_suggestions_to_mentors_offering_it(
    harness: Harness, session: Session, deps: Deps
) -> None:
    bob = make_person(session, "U0BOB0001", area="Sales", level=3)
    _mentor(session, "U0GENERAL", "Finance", "Career plans")
    _mentor(session, "U0SUPERV1", "Finance", "First-time supervisor")
    start_transition(
        session, bob, TransitionKind.FIRST_TIME_SUPERVISOR, settings=deps.settings, now=START
    )
    session.commit()

    harness.slack.command("progress", user="U0BOB0001")

    answer = _answer(harness)
    assert "First-time supervisor: 3 connections in 90 days" in _text(answer)
    assert _suggested(answer)[0] == ("U0SUPERV1", "first-time supervisor")
    assert ("U0GENERAL", None) in _suggested(answer)


def test_progress_beyond_the_first_six_months_shows_totals_and_how_to_start_a_goal(
    harness: Harness, session: Session
) -> None:
    make_person(session, ALICE, area="Engineering", start_date=(START - timedelta(400)).date())
    session.commit()

    harness.slack.command("progress", user=ALICE)

    text = _text(_answer(harness))
    assert "0 connections" in text and "of 10" not in text
    assert "Mark it under *Starting something new?* on the Home tab" in text


def test_progress_for_someone_not_in_the_directory_says_how_to_get_in(harness: Harness) -> None:
    harness.slack.command("progress", user="U0NOBODY1")

    assert "not in the mentoring directory yet" in _text(_answer(harness))


def test_progress_on_day_thirty_without_a_connection_is_kind_and_never_behind(
    harness: Harness, session: Session
) -> None:
    make_person(
        session, "U0NEW0001", area="Engineering", start_date=(START - timedelta(days=30)).date()
    )
    session.commit()

    harness.slack.command("progress", user="U0NEW0001")

    text = _text(_answer(harness))
    assert "0 of 10" in text
    assert "about one every 2–3 weeks keeps you on track" in text
    assert "behind" not in text
