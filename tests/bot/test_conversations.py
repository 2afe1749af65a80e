"""The conversation services on a real SQLite database, without Slack."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from bot import conversations as svc
from bot.context import Deps
from bot.errors import MentorbotError
from storage.models import Connection, Conversation, ConversationStatus, Person, Rating
from tests.factories import make_person
from tests.mentors import offer
from tests.races import race

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
QUESTIONS = ("How do you prepare a talk for a big room?", "What if the demo breaks on stage?")


@pytest.fixture
def pair(session: Session) -> tuple[Person, Person]:
    mentee = make_person(session, "U0ALICE01", area="Engineering", level=3)
    mentor = make_person(session, "U0BOB0001", area="Design", level=4)
    offer(session, mentor, ("Public speaking",), capacity=2)
    carol = make_person(session, "U0CAROL01", area="Sales", level=4)
    offer(session, carol, ("Public speaking",), capacity=2)  # a request may be passed to her
    session.commit()
    return mentee, mentor


def _request(session: Session, *, now: datetime = NOW) -> int:
    form = svc.RequestForm("public speaking", QUESTIONS)
    sent = svc.create_request(session, "U0ALICE01", "U0BOB0001", form, now=now, max_level_gap=2)
    return sent.conversation_id


def test_questions_are_one_per_line_without_bullets_or_blank_lines() -> None:
    text = "1. How do I start?\n\n- What do I avoid?\n• Who else to ask?  \n"
    assert svc.split_questions(text) == ["How do I start?", "What do I avoid?", "Who else to ask?"]


@pytest.mark.parametrize(
    ("questions", "problem"),
    [
        ((QUESTIONS[0],), "two or three"),
        ((*QUESTIONS, "A third question here?", "A fourth question here?"), "at most 3"),
        ((QUESTIONS[0], "Why?"), "Question 2 is too short"),
        ((QUESTIONS[0], "x" * 501), "Question 2 is too long"),
    ],
)
def test_a_request_needs_two_or_three_specific_questions(
    questions: tuple[str, ...], problem: str
) -> None:
    errors = svc.RequestForm("public speaking", questions).problems()
    assert problem in errors["questions"]


def test_a_good_request_has_no_problems() -> None:
    assert svc.RequestForm("public speaking", QUESTIONS).problems() == {}


def test_the_next_step_moves_from_agenda_to_session_to_follow_ups(
    session: Session, pair: tuple[Person, Person]
) -> None:
    mentee, mentor = pair
    cid = _request(session)
    state = svc.home_state(session, mentor, now=NOW)
    assert [w.conversation_id for w in state.waiting] == [cid]
    assert [r.state for r in svc.home_state(session, mentee, now=NOW).requests] == ["sent"]

    svc.accept_request(session, cid, "U0BOB0001", now=NOW, max_sessions=3)
    state = svc.home_state(session, mentee, now=NOW)
    assert state.requests[0].state == "accepted"
    assert state.active[0].next_step == "log_session"  # the request's questions are the agenda
    assert svc.home_state(session, mentor, now=NOW).waiting == ()

    svc.log_session(session, cid, "U0BOB0001", number=1, now=NOW, max_sessions=3)
    assert svc.home_state(session, mentee, now=NOW).active[0].next_step == "post_followups"
    svc.post_followups(
        session,
        cid,
        "U0ALICE01",
        1,
        {1: "answered", 2: "not_yet"},
        [svc.ActionDraft("Rehearse", "mentee"), svc.ActionDraft("Send slides", "mentor")],
        now=NOW,
        max_sessions=3,
    )
    state = svc.home_state(session, mentee, now=NOW)
    assert state.active[0].next_step == "post_agenda"
    assert state.active[0].sessions_held == 1
    assert [(a.text, a.mine) for a in state.actions] == [("Rehearse", True), ("Send slides", False)]

    draft = svc.agenda_draft(session, cid, "U0ALICE01", max_sessions=3)
    assert draft.session_number == 2 and draft.questions == (QUESTIONS[1],)


def test_a_held_session_counts_as_a_connection_for_both(
    session: Session, pair: tuple[Person, Person]
) -> None:
    cid = _request(session)
    svc.accept_request(session, cid, "U0BOB0001", now=NOW, max_sessions=3)
    svc.log_session(session, cid, "U0ALICE01", number=None, now=NOW, max_sessions=3)
    assert len(session.exec(select(Connection)).all()) == 2


def test_only_open_requests_older_than_seven_days_expire(
    session: Session, pair: tuple[Person, Person]
) -> None:
    old = _request(session, now=NOW - timedelta(days=8))
    svc.ask_for_info(session, old, "U0BOB0001", "How big is the room?", now=NOW)
    carol = make_person(session, "U0DAN0001", area="Finance", level=4)
    assert carol.id is not None
    fresh = svc.create_request(
        session,
        "U0ALICE01",
        "U0DAN0001",
        svc.RequestForm("public speaking", QUESTIONS),
        now=NOW - timedelta(days=6),
        max_level_gap=2,
    ).conversation_id
    expired = svc.expire_stale_requests(session, now=NOW)
    assert [e.request.conversation_id for e in expired] == [old]
    assert expired[0].request.status == ConversationStatus.EXPIRED
    assert svc.home_state(session, pair[0], now=NOW).requests[-1].conversation_id in (old, fresh)
    assert svc.expire_stale_requests(session, now=NOW) == []


def test_a_passed_request_shows_as_passed_on_for_the_mentee(
    session: Session, pair: tuple[Person, Person]
) -> None:
    cid = _request(session)
    svc.pass_request(session, cid, "U0BOB0001", "U0CAROL01", now=NOW + timedelta(hours=1))
    line = svc.home_state(session, pair[0], now=NOW).requests[0]
    assert line.state == "passed_on"
    assert line.mentor_slack_id == "U0CAROL01" and line.passed_from_slack_id == "U0BOB0001"
    assert line.since == NOW + timedelta(hours=1)


def test_a_stale_click_raises_and_changes_nothing(
    session: Session, pair: tuple[Person, Person]
) -> None:
    cid = _request(session)
    svc.decline_request(session, cid, "U0BOB0001", None, now=NOW, max_level_gap=2)
    with pytest.raises(svc.StaleAction, match="already declined"):
        svc.accept_request(session, cid, "U0BOB0001", now=NOW, max_sessions=3)
    with pytest.raises(svc.NotYours):
        svc.decline_request(session, cid, "U0CAROL01", None, now=NOW, max_level_gap=2)


def test_the_session_time_is_stored_in_utc_from_the_persons_time_zone() -> None:
    moment = svc.local_to_utc(date(2026, 12, 1), time(9, 30), "America/New_York")
    assert moment == datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    assert svc.local_to_utc(date(2026, 12, 1), time(9, 30), "Not/AZone").hour == 9


def test_both_keeping_the_door_open_puts_the_pair_on_call(
    session: Session, pair: tuple[Person, Person]
) -> None:
    cid = _request(session)
    svc.accept_request(session, cid, "U0BOB0001", now=NOW, max_sessions=1)
    logged = svc.log_session(session, cid, "U0BOB0001", number=1, now=NOW, max_sessions=1)
    assert logged.sunset
    first = svc.record_rating(
        session, cid, "U0ALICE01", keep_open=True, usefulness=5, comment="", now=NOW
    )
    assert not first.on_call and not first.both_answered
    second = svc.record_rating(
        session, cid, "U0BOB0001", keep_open=True, usefulness=3, comment="", now=NOW
    )
    assert second.on_call
    with pytest.raises(svc.StaleAction):
        svc.record_rating(
            session, cid, "U0BOB0001", keep_open=False, usefulness=1, comment="", now=NOW
        )


def test_question_outcomes_are_counted_for_the_digest_without_content(
    session: Session, pair: tuple[Person, Person]
) -> None:
    cid = _request(session)
    svc.accept_request(session, cid, "U0BOB0001", now=NOW, max_sessions=3)
    svc.post_followups(
        session,
        cid,
        "U0ALICE01",
        1,
        {1: "answered", 2: "partly"},
        [svc.ActionDraft("Rehearse")],
        now=NOW,
        max_sessions=3,
    )
    week = svc.question_outcomes(
        session, start=NOW - timedelta(days=7), end=NOW + timedelta(days=1)
    )
    assert week == {"answered": 1, "partly": 1, "not_yet": 0}
    later = svc.question_outcomes(
        session, start=NOW + timedelta(days=1), end=NOW + timedelta(days=8)
    )
    assert later == {"answered": 0, "partly": 0, "not_yet": 0}


def test_two_clicks_handled_at_once_let_exactly_one_through(
    deps: Deps, session: Session, pair: tuple[Person, Person]
) -> None:
    cid = _request(session)
    session.commit()
    with deps.open_session() as first, deps.open_session() as second:
        # both read the open request (the checks pass for both) ...
        svc.request_snapshot(first, cid)
        svc.request_snapshot(second, cid)
        svc.accept_request(first, cid, "U0BOB0001", now=NOW, max_sessions=3)
        first.commit()
        # ... but only the first one changes it
        with pytest.raises(svc.StaleAction):
            svc.decline_request(second, cid, "U0BOB0001", None, now=NOW, max_level_gap=2)
        second.rollback()
    session.expire_all()
    assert svc.request_snapshot(session, cid).status == ConversationStatus.ACTIVE


def test_two_requests_sent_at_once_to_the_same_mentor_make_one(
    deps: Deps, pair: tuple[Person, Person]
) -> None:
    mentee, mentor = pair
    first, second = race(deps, _request, _request, second_writes="INSERT INTO conversation")
    assert isinstance(first, int)
    assert isinstance(second, MentorbotError)
    assert "already asked" in str(second)
    with deps.open_session() as session:
        rows = session.exec(
            select(Conversation).where(
                Conversation.mentee_id == mentee.id, Conversation.mentor_id == mentor.id
            )
        ).all()
    assert [row.id for row in rows] == [first]


def _ended(deps: Deps) -> int:
    """A conversation between U0ALICE01 and U0BOB0001 that just reached its sunset."""
    with deps.open_session() as session:
        cid = _request(session)
        svc.accept_request(session, cid, "U0BOB0001", now=NOW, max_sessions=1)
        svc.log_session(session, cid, "U0BOB0001", number=1, now=NOW, max_sessions=1)
        session.commit()
    return cid


def _rate(cid: int, slack_id: str) -> Callable[[Session], svc.RatingSaved]:
    return lambda s: svc.record_rating(
        s, cid, slack_id, keep_open=True, usefulness=4, comment="", now=NOW
    )


def test_a_rating_submitted_twice_at_once_is_kept_once(
    deps: Deps, pair: tuple[Person, Person]
) -> None:
    cid = _ended(deps)
    rate = _rate(cid, "U0ALICE01")
    first, second = race(deps, rate, rate, second_writes=r"FOR UPDATE|^\s*INSERT INTO rating")
    assert isinstance(first, svc.RatingSaved)
    assert isinstance(second, svc.StaleAction)
    with deps.open_session() as session:
        assert len(session.exec(select(Rating)).all()) == 1


def test_both_keeping_the_door_open_at_the_same_moment_puts_the_pair_on_call(
    deps: Deps, pair: tuple[Person, Person]
) -> None:
    cid = _ended(deps)
    first, second = race(
        deps,
        _rate(cid, "U0ALICE01"),
        _rate(cid, "U0BOB0001"),
        second_writes=r"FOR UPDATE|^\s*INSERT INTO rating",
    )
    assert isinstance(second, svc.RatingSaved) and second.both_answered
    with deps.open_session() as session:
        assert session.get(Conversation, cid).on_call  # type: ignore[union-attr]


def test_we_met_clicked_twice_at_once_logs_the_session_once(
    deps: Deps, pair: tuple[Person, Person]
) -> None:
    with deps.open_session() as session:
        cid = _request(session)
        svc.accept_request(session, cid, "U0BOB0001", now=NOW, max_sessions=3)
        svc.log_session(session, cid, "U0BOB0001", number=1, now=NOW, max_sessions=3)
        svc.post_followups(
            session,
            cid,
            "U0ALICE01",
            1,
            {},
            [svc.ActionDraft("Draft the talk")],
            now=NOW,
            max_sessions=3,
        )
        session.commit()

    def met(s: Session) -> svc.SessionLogged:
        return svc.log_session(s, cid, "U0ALICE01", number=2, now=NOW, max_sessions=3)

    first, second = race(deps, met, met, second_writes=r"^\s*INSERT INTO mentoring_session")
    assert isinstance(first, svc.SessionLogged) and first.session_number == 2
    assert isinstance(second, svc.StaleAction)
    with deps.open_session() as session:
        assert [s.number for s in svc.store.sessions_of(cid, session=session)] == [1, 2]


@pytest.mark.parametrize(
    ("colleague", "manager_of_alice", "manager_of_colleague", "refusal"),
    [
        ("U0BOSS001", "U0BOSS001", None, "in their management chain"),  # her manager
        ("U0BOSS001", "U0LEAD001", None, "in their management chain"),  # her manager's manager
        ("U0DAN0001", None, "U0ALICE01", "reports to them"),  # her report
    ],
)
def test_a_request_is_never_passed_on_into_the_mentees_reporting_line(
    session: Session,
    pair: tuple[Person, Person],
    colleague: str,
    manager_of_alice: str | None,
    manager_of_colleague: str | None,
    refusal: str,
) -> None:
    mentee, _ = pair
    make_person(session, "U0BOSS001", area="Finance", level=7)
    make_person(session, "U0LEAD001", area="Finance", level=6, manager="U0BOSS001")
    make_person(session, "U0DAN0001", area="Finance", level=4, manager=manager_of_colleague)
    mentee.manager_slack_id = manager_of_alice
    session.add(mentee)
    cid = _request(session)
    with pytest.raises(svc.FieldErrors) as refused:
        svc.pass_request(session, cid, "U0BOB0001", colleague, now=NOW)
    assert refusal in refused.value.errors["pass_to"]
    assert svc.request_snapshot(session, cid).mentor_slack_id == "U0BOB0001"
