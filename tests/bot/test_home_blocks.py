"""The App Home view and the progress answer: valid Block Kit, within limits, showing the state."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from bot.blocks.connections import (
    build_met_answered_for_logger,
    build_met_answered_for_other,
    build_met_confirmation_request,
    build_met_lapsed,
    build_met_logged,
)
from bot.blocks.find import build_search_answer
from bot.blocks.home import build_find_modal, build_home
from bot.blocks.progress import build_progress
from bot.connections import MetAnswer, MetRequest
from bot.conversations import (
    ActiveLine,
    ConversationsHome,
    FinishedLine,
    OpenAction,
    RequestLine,
    WaitingRequest,
)
from bot.home import HomeState, ProgressState
from bot.ids import ActionId
from bot.matching import FindResult
from bot.offers import OfferSummary
from bot.progress import NEWCOMER, GoalProgress, NextPerson, Progress, Window, goal_progress
from storage.models import MetStatus, TransitionKind
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.conftest import START

ME = "U0ALICE01"


def _goal(count: int, *, kind: str = NEWCOMER, goal: int = 10, days: int = 183) -> GoalProgress:
    start = START.date() - timedelta(days=60)
    return goal_progress(
        kind=kind,
        label="your first six months" if kind == NEWCOMER else "first-time supervisor",
        goal=goal,
        window=Window(starts_on=start, days=days),
        today=START.date(),
        first_connected=dict.fromkeys(range(count), start),
        outside_area_ids=set(range(count // 2)),
    )


def _progress(*goals: GoalProgress, total: int = 2) -> Progress:
    return Progress(
        total=total, outside_area_total=1, goals=goals, last_connected_on=date(2026, 11, 1)
    )


def _people(n: int) -> tuple[NextPerson, ...]:
    return tuple(
        NextPerson(f"U0MENTOR{i}", "offers Public speaking · new connection for you", "speaking")
        for i in range(n)
    )


def _waiting(n: int) -> tuple[MetRequest, ...]:
    return tuple(
        MetRequest(
            met_id=i,
            logger_slack_id=ME if i % 2 else f"U0OTHER{i:02d}",
            other_slack_id=f"U0OTHER{i:02d}" if i % 2 else ME,
            note="coffee",
            created_at=START,
            lapses_at=START + timedelta(days=14),
        )
        for i in range(n)
    )


def _conversations(n: int) -> ConversationsHome:
    return ConversationsHome(
        requests=tuple(
            RequestLine(i, f"U0MENTOR{i}", f"topic {i}", "sent", START) for i in range(n)
        ),
        active=tuple(
            ActiveLine(i, "mentee", f"U0MENTOR{i}", "speaking", 1, 3, "post_agenda", None, None)
            for i in range(n)
        ),
        actions=tuple(
            OpenAction(i, i, f"read chapter {i}", "mentee", True, f"U0MENTOR{i}", None)
            for i in range(n)
        ),
        waiting=tuple(
            WaitingRequest(i, f"U0MENTEE{i}", "career", "requested", START) for i in range(n)
        ),
    )


def _home(n: int, **extra: Any) -> HomeState:
    return HomeState(
        slack_id=ME,
        person_known=True,
        progress=ProgressState(
            slack_id=ME,
            progress=_progress(_goal(n % 11)),
            suggestions=_people(min(n, 3)),
            waiting=_waiting(n),
            conversations=_conversations(n),
        ),
        **extra,
    )


def _text(payload: dict[str, Any]) -> str:
    return json.dumps(payload["blocks"], ensure_ascii=False)


def test_home_for_a_person_with_nothing_yet_is_valid_and_invites_a_first_step() -> None:
    view = build_home(_home(0))
    assert_valid_view(view)
    text = _text(view)
    assert "0 of 10" in text
    assert "0 of 0 outside your area" not in text  # no share of nothing
    assert "Find a mentor" in text
    assert "Offer to mentor" in text  # no offer yet
    assert "Mark a transition" in text


def test_home_with_forty_open_items_stays_within_slack_limits_and_summarises() -> None:
    offer = OfferSummary(
        topics=("Public speaking",),
        topic_ids=(1,),
        capacity=2,
        active_load=2,
        reverse_mentoring=False,
        paused_until=None,
        is_paused=False,
    )
    view = build_home(_home(40, offer=offer, report_count=4, is_coordinator=True))
    assert_valid_view(view)
    assert len(view["blocks"]) <= 100
    text = _text(view)
    assert "and 35 more" in text
    assert ActionId.ACTION_DONE in text and ActionId.ACCEPT_REQUEST in text
    assert "Pause requests" in text
    assert "/mentor team" in text and "/mentor digest" in text
    assert (
        len(
            [
                b
                for b in view["blocks"]
                if b.get("accessory", {}).get("action_id") == ActionId.REQUEST_CONVERSATION
            ]
        )
        == 3
    )


def test_home_shows_the_progress_bar_pace_and_who_to_ask_next() -> None:
    view = build_home(_home(3))
    text = _text(view)
    assert "▰▰▰▱▱▱▱▱▱▱" in text and "3 of 10" in text
    assert "on pace" in text
    assert "123 days left" in text
    assert "<@U0MENTOR0>" in text


def test_home_during_a_transition_offers_to_end_it_instead_of_the_select() -> None:
    state = _home(1, running_transition=TransitionKind.FIRST_TIME_SUPERVISOR)
    view = build_home(state)
    assert_valid_view(view)
    text = _text(view)
    assert "End this goal" in text and "first-time supervisor" in text
    assert "Mark a transition" not in text


def test_home_for_someone_not_in_the_directory_says_so() -> None:
    view = build_home(HomeState(slack_id="U0NEW0001", person_known=False, is_coordinator=True))
    assert_valid_view(view)
    assert "not in the mentoring directory" in _text(view)


@pytest.mark.parametrize("items", [0, 3, 40])
def test_progress_answer_is_a_valid_message(items: int) -> None:
    state = ProgressState(
        slack_id=ME,
        progress=_progress(_goal(2), _goal(1, kind="first_time_supervisor", goal=3, days=90)),
        suggestions=_people(min(items, 3)),
        waiting=_waiting(items),
        conversations=_conversations(items),
    )
    payload = build_progress(state)
    assert_valid_message(payload)
    text = _text(payload)
    assert (
        "2 of 10" in text
        and "about one every 2–3 weeks keeps you on track" in text
        and "behind" not in text
    )
    assert "1 of 3" in text


def test_progress_answer_without_a_goal_shows_totals_and_how_to_start_one() -> None:
    payload = build_progress(ProgressState(slack_id=ME, progress=_progress(total=4)))
    assert_valid_message(payload)
    text = _text(payload)
    assert "4 connections" in text and "Home" in text
    assert "No new suggestions" in text


def test_met_messages_are_valid_and_carry_the_note() -> None:
    (request,) = _waiting(1)
    confirm = build_met_confirmation_request(request)
    assert_valid_message(confirm)
    assert "coffee" in _text(confirm)
    assert ActionId.MET_CONFIRM in _text(confirm) and ActionId.MET_DECLINE in _text(confirm)
    for payload in (build_met_logged(request), build_met_lapsed(request)):
        assert_valid_message(payload)
    for status in (MetStatus.CONFIRMED, MetStatus.DECLINED, MetStatus.LAPSED):
        answer = MetAnswer(1, ME, "U0BOB0001", "<b>note</b> & more", status, True)
        for payload in (
            build_met_answered_for_other(answer),
            build_met_answered_for_logger(answer),
        ):
            assert_valid_message(payload)


def test_find_modal_and_its_answers_are_valid() -> None:
    assert_valid_view(build_find_modal())
    nobody = build_search_answer(FindResult("juggling", (), False), has_offer=False)
    assert_valid_message(nobody)
    assert "Nobody offers “juggling” yet" in _text(nobody)


def test_a_topic_a_mentor_typed_cannot_ping_or_fake_links_in_someone_elses_home() -> None:
    # Topic labels are free text typed by mentors ("New topics" in the offer modal).
    why = "offers <!channel> & <https://evil.example|Reset your password> · new connection for you"
    state = ProgressState(
        slack_id=ME,
        progress=_progress(_goal(1)),
        suggestions=(NextPerson("U0MENTOR1", why, None),),
    )
    home = HomeState(slack_id=ME, person_known=True, progress=state)
    for payload in (build_progress(state), build_home(home)):
        text = _text(payload)
        assert "<!channel>" not in text and "<https://evil.example" not in text
        assert "&lt;!channel&gt; &amp; &lt;https://evil.example|Reset your password&gt;" in text
        assert "<@U0MENTOR1>" in text


def test_the_home_runs_most_urgent_first_and_each_need_has_its_button() -> None:
    offer = OfferSummary(
        topics=("Public speaking",),
        topic_ids=(1,),
        capacity=2,
        active_load=0,
        reverse_mentoring=False,
        paused_until=None,
        is_paused=False,
    )
    followups = ActiveLine(5, "mentee", "U0MENTOR5", "hiring", 1, 3, "post_followups", None, None)
    ended = FinishedLine(7, "mentee", "U0MENTOR7", "budgets", START, on_call=False, rated=False)
    on_call = FinishedLine(8, "mentee", "U0MENTOR8", "pricing", START, on_call=True, rated=True)
    state = _home(1, offer=offer)
    assert state.progress is not None
    conversations = _conversations(1)  # a request to answer, an agenda to post
    conversations = replace(
        conversations, active=(*conversations.active, followups), finished=(ended, on_call)
    )
    view = build_home(replace(state, progress=replace(state.progress, conversations=conversations)))
    assert_valid_view(view)
    text = _text(view)

    sections = [
        "Needs you",
        "Your conversations",
        "Your connections",
        "Who to ask next",
        "Your mentor offer",
        "Starting something new?",
    ]
    assert [text.index(s) for s in sections] == sorted(text.index(s) for s in sections)
    needs = text[text.index("Needs you") : text.index("Your conversations")]
    for action in (
        ActionId.ACCEPT_REQUEST,  # answer a request
        ActionId.OPEN_AGENDA,  # post an agenda
        ActionId.OPEN_FOLLOWUP,  # post follow-ups
        ActionId.OPEN_SUNSET,  # rate a finished conversation
        ActionId.MET_CONFIRM,  # confirm a meeting
    ):
        assert action in needs, action
    ours = text[text.index("Your conversations") : text.index("Your connections")]
    assert "<@U0MENTOR8>" in ours and ActionId.REQUEST_CONVERSATION in ours  # "Ask again"
