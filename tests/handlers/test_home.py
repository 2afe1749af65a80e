"""The App Home: published when opened, refreshed after changes, with its own buttons."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from bot.connections import start_transition
from bot.ids import ActionId, BlockId, CallbackId
from bot.offers import apply_offer
from bot.people import MentorColumns
from storage.models import TransitionKind
from tests.blockkit import assert_valid_view
from tests.conftest import START, Harness
from tests.factories import make_person

ALICE = "U0ALICE01"


def _home(harness: Harness, user: str = ALICE, count: int = 1) -> dict[str, Any]:
    calls = harness.fake.wait_for(
        "views.publish", count, where=lambda c: c.params["user_id"] == user
    )
    view: dict[str, Any] = calls[-1].params["view"]
    return view


def _text(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def _newcomer(session: Session) -> None:
    make_person(session, ALICE, area="Engineering", start_date=(START - timedelta(10)).date())
    session.commit()


def test_opening_the_home_publishes_progress_and_the_find_button(
    harness: Harness, session: Session
) -> None:
    _newcomer(session)

    harness.slack.home_opened(ALICE)

    view = _home(harness)
    assert view["type"] == "home"
    text = _text(view)
    assert "0 of 10" in text and "173 days left" in text
    assert ActionId.HOME_FIND_MENTOR in text
    assert "Your conversations" in text  # the conversations part
    assert "Offer to mentor" in text  # the offer part


def test_the_home_of_someone_not_in_the_directory_explains_why_it_is_empty(
    harness: Harness,
) -> None:
    harness.slack.home_opened("U0NEWBIE1")

    assert "not in the mentoring directory" in _text(_home(harness, "U0NEWBIE1"))


def test_managers_and_coordinators_see_where_their_views_are(
    harness: Harness, session: Session
) -> None:
    make_person(session, "U0COORD01", area="People")
    make_person(session, "U0REPORT1", manager="U0COORD01")
    session.commit()

    harness.slack.home_opened("U0COORD01")

    text = _text(_home(harness, "U0COORD01"))
    assert "/mentor team" in text and "1 person reports to you" in text
    assert "/mentor digest" in text


def test_marking_a_transition_starts_a_fresh_goal_and_ending_it_removes_it(
    harness: Harness, session: Session
) -> None:
    make_person(session, ALICE, area="Engineering")
    session.commit()
    harness.slack.home_opened(ALICE)
    view = _home(harness)
    assert "Mark a transition" in _text(view)

    harness.slack.action(
        ActionId.HOME_TRANSITION,
        view=view,
        user=ALICE,
        actions=[
            {
                "type": "static_select",
                "action_id": ActionId.HOME_TRANSITION,
                "block_id": BlockId.HOME_TRANSITION,
                "selected_option": {"value": "first_time_supervisor"},
                "action_ts": "1700000000.1",
            }
        ],
    )

    text = _text(_home(harness, count=2))
    assert "First-time supervisor: 3 connections in 90 days" in text
    assert "0 of 3" in text and "End this goal" in text

    harness.slack.action(
        ActionId.HOME_TRANSITION_END, "first_time_supervisor", view=view, user=ALICE
    )

    text = _text(_home(harness, count=3))
    assert "0 of 3" not in text and "Mark a transition" in text


def test_a_stale_end_this_goal_leaves_a_goal_marked_since_alone(
    harness: Harness, session: Session
) -> None:
    person = make_person(session, ALICE, area="Engineering")
    session.commit()
    with harness.deps.open_session() as db:
        start_transition(
            db, person, TransitionKind.WORKING_OVERSEAS, settings=harness.deps.settings, now=START
        )
        db.commit()

    # A button from an older Home, still showing the supervisor goal since replaced.
    harness.slack.action(
        ActionId.HOME_TRANSITION_END, "first_time_supervisor", view={"id": "V0OLD0001"}, user=ALICE
    )

    text = _text(_home(harness))
    assert "Working overseas: 3 connections in 90 days" in text


def test_find_a_mentor_shows_who_can_help_in_the_modal_and_request_pushes_the_request_modal(
    harness: Harness, session: Session
) -> None:
    _newcomer(session)
    mentor = make_person(session, "U0MENTOR1", area="Sales", level=4)
    apply_offer(session, mentor, MentorColumns(topics=("Public speaking",), capacity=2), START)
    session.commit()

    harness.slack.action(
        ActionId.HOME_FIND_MENTOR, "find", view={"id": "V0HOME", "type": "home"}, user=ALICE
    )
    modal = harness.fake.last("views.open").params["view"]
    assert modal["callback_id"] == CallbackId.HOME_FIND_MODAL

    empty = harness.slack.submit(
        modal,
        {BlockId.HOME_FIND_TOPIC: {ActionId.HOME_FIND_TOPIC_INPUT: {"value": "  "}}},
        user=ALICE,
    )
    assert empty.json["response_action"] == "errors"
    assert BlockId.HOME_FIND_TOPIC in empty.json["errors"]

    found = harness.slack.submit(
        modal,
        {BlockId.HOME_FIND_TOPIC: {ActionId.HOME_FIND_TOPIC_INPUT: {"value": "public speaking"}}},
        user=ALICE,
    )
    # The answer is the modal itself, not a DM to go and find.
    assert found.json["response_action"] == "update"
    results = found.json["view"]
    assert_valid_view(results)
    text = _text(results)
    assert "<@U0MENTOR1>" in text and "outside your area for “public speaking”" in text
    harness.fake.settle(quiet=0.2)
    assert harness.fake.calls_to("chat.postMessage") == []

    # Its Request button pushes the request modal on top of the results.
    request = next(
        e
        for block in results["blocks"]
        for e in [block.get("accessory") or {}]
        if e.get("action_id") == ActionId.FIND_MODAL_REQUEST
    )
    harness.slack.action(
        ActionId.FIND_MODAL_REQUEST,
        request["value"],
        view={**results, "id": "V0RESULTS"},
        user=ALICE,
    )
    pushed = harness.fake.last("views.push").params["view"]
    assert pushed["callback_id"] == CallbackId.REQUEST_MODAL
    assert "U0MENTOR1" in json.dumps(pushed)

    nobody = harness.slack.submit(
        results,
        {BlockId.HOME_FIND_TOPIC: {ActionId.HOME_FIND_TOPIC_INPUT: {"value": "juggling"}}},
        user=ALICE,
    )
    assert "Nobody offers “juggling” yet" in _text(nobody.json["view"])
    assert_valid_view(nobody.json["view"])


def test_what_i_would_like_to_learn_about_is_saved_and_who_to_ask_next_uses_it(
    harness: Harness, session: Session
) -> None:
    _newcomer(session)
    speaker = make_person(session, "U0SPEAKER", area="Sales", level=3)
    apply_offer(session, speaker, MentorColumns(topics=("Public speaking",), capacity=1), START)
    for n in range(4):  # lighter load, so they would come first without the interest
        other = make_person(session, f"U0OTHER0{n}", area="Legal", level=3)
        apply_offer(session, other, MentorColumns(topics=(f"Topic {n}",), capacity=5), START)
    session.commit()

    harness.slack.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    home = _home(harness)
    assert ActionId.HOME_LEARNING in _text(home)
    assert "U0SPEAKER" not in _text(home)

    harness.slack.action(
        ActionId.HOME_LEARNING, "learning", view={"id": "V0HOME", "type": "home"}, user=ALICE
    )
    modal = harness.fake.last("views.open").params["view"]
    assert modal["callback_id"] == CallbackId.HOME_LEARNING_MODAL
    saved = harness.slack.submit(
        modal,
        {BlockId.HOME_LEARNING: {ActionId.HOME_LEARNING_INPUT: {"value": " presenting  "}}},
        user=ALICE,
    )
    assert saved.status == 200 and not saved.json

    home = _home(harness, count=2)
    text = _text(home)
    assert "I'd like to learn about:* presenting" in text
    asked = text.index("Who to ask next")
    assert text.index("U0SPEAKER", asked) < min(
        text.index(f"U0OTHER0{n}", asked) for n in range(4) if f"U0OTHER0{n}" in text[asked:]
    )

    # The form opens with what was said before; clearing it is allowed.
    harness.slack.action(
        ActionId.HOME_LEARNING, "learning", view={"id": "V0HOME", "type": "home"}, user=ALICE
    )
    again = harness.fake.last("views.open", count=2).params["view"]
    assert again["blocks"][0]["element"]["initial_value"] == "presenting"


def test_a_topic_button_in_the_find_modal_updates_the_modal(
    harness: Harness, session: Session
) -> None:
    _newcomer(session)
    mentor = make_person(session, "U0MENTOR1", area="Sales", level=3)
    apply_offer(session, mentor, MentorColumns(topics=("Negotiation",), capacity=2), START)
    session.commit()
    modal = {"id": "V0RESULTS", "type": "modal", "hash": "1.a", "callback_id": "home_find_modal"}
    harness.slack.action(f"{ActionId.FIND_TOPIC}:0", "Negotiation", view=modal, user=ALICE)
    update = harness.fake.last("views.update").params
    assert update["view_id"] == "V0RESULTS"
    assert "<@U0MENTOR1>" in _text(update["view"])
    assert ActionId.FIND_MODAL_REQUEST in _text(update["view"])
    harness.fake.settle(quiet=0.2)
    assert harness.fake.calls_to("chat.postMessage") == []
