"""`/mentor find` and `/mentor ask` through signed HTTP requests to the real app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.blocks.find import topic_action_id
from bot.ids import ActionId, CallbackId
from storage.models import Person, TopicDemand
from tests.conftest import Harness
from tests.factories import make_person
from tests.mentors import build_directory

NEVER_FOR_ALICE = {
    "U0CAROL01",  # her area
    "U0EMMA001",  # her manager
    "U0CTO0001",  # her manager's manager
    "U0JUNIOR1",  # her report
    "U0MIA0001",  # her report's report
    "U0GRACE01",  # full
    "U0HEIDI01",  # paused until a date
    "U0IVAN001",  # paused
    "U0ERIN001",  # junior without reverse mentoring
    "U0FRANK01",  # three levels above
    "U0JUDY001",  # deactivated
}


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    people = build_directory(session)
    session.commit()
    return people


def _text(payload: dict[str, Any]) -> str:
    parts: list[str] = []
    for block in payload.get("blocks", []):
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            parts.append(element.get("text", "") if isinstance(element.get("text"), str) else "")
            if isinstance(element.get("text"), dict):
                parts.append(element["text"]["text"])
    return "\n".join(parts)


def _buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in payload.get("blocks", []):
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def _find(harness: Harness, words: str, user: str = "U0ALICE01") -> dict[str, Any]:
    harness.fake.clear()
    harness.slack.command(f"find {words}", user=user)
    return harness.fake.last("response_url").params


def test_find_answers_with_mentors_outside_my_area_their_reasons_and_a_request_button(
    harness: Harness, people: dict[str, Person]
) -> None:
    answer = _find(harness, "public speaking")
    assert answer["response_type"] == "ephemeral"
    text = _text(answer)
    for slack_id in ("U0BOB0001", "U0LEO0001", "U0DAN0001", "U0KATE001"):
        assert f"<@{slack_id}>" in text
    for slack_id in NEVER_FOR_ALICE:
        assert slack_id not in json.dumps(answer)
    # No HR levels and no capacity jargon: how senior in words, and whether free now.
    assert "new connection for you · free to start now · near your level" in text
    assert "level above" not in text and "levels below" not in text and "slots" not in text
    assert "Presentations" in text and "Sales" in text
    requests = [b for b in _buttons(answer) if b["action_id"] == ActionId.REQUEST_CONVERSATION]
    assert len(requests) == 4
    assert requests[0]["value"] == "U0BOB0001|public speaking"


def test_find_never_suggests_the_excluded_whatever_the_words(
    harness: Harness, people: dict[str, Person]
) -> None:
    for words in ("presentations", "Presentation!", "negotiation presentations"):
        answer = _find(harness, words)
        assert not NEVER_FOR_ALICE & set(json.dumps(answer).split('"'))
        for slack_id in NEVER_FOR_ALICE:
            assert f"<@{slack_id}>" not in _text(answer)


def test_find_without_words_prompts_with_the_most_offered_topics(
    harness: Harness, people: dict[str, Person]
) -> None:
    answer = _find(harness, "")
    assert "What would you like help with?" in _text(answer)
    labels = [b["text"]["text"] for b in _buttons(answer)]
    assert labels[0] == "Presentations"
    assert "Negotiation" in labels


def test_clicking_a_topic_button_searches_that_topic(
    harness: Harness, people: dict[str, Person]
) -> None:
    harness.slack.action(topic_action_id(1), "Negotiation", user="U0ALICE01")
    answer = harness.fake.last("response_url").params
    assert "<@U0BOB0001>" in _text(answer)
    assert "<@U0LEO0001>" not in _text(answer)


def test_no_match_says_so_shows_closest_topics_and_records_demand(
    harness: Harness, people: dict[str, Person], session: Session
) -> None:
    answer = _find(harness, "negotiations with suppliers")
    assert "<@U0BOB0001>" in _text(answer)  # "negotiation" still fits
    answer = _find(harness, "underwater basket weaving")
    text = _text(answer)
    assert "Nobody offers “underwater basket weaving” yet" in text
    assert "coordinators" in text
    # Nothing related: no list of unrelated topics to click.
    assert not [b for b in _buttons(answer) if b["action_id"].startswith(ActionId.FIND_TOPIC)]
    answer = _find(harness, "negotiate")
    topics = [b for b in _buttons(answer) if b["action_id"].startswith(ActionId.FIND_TOPIC)]
    assert [b["value"] for b in topics] == ["Negotiation"]  # a related topic, by its stem
    session.expire_all()
    rows = session.exec(select(TopicDemand)).all()
    assert {(r.key, r.searches, r.unmatched) for r in rows} >= {("underwater basket weaving", 1, 1)}


def test_areas_compare_without_case_or_spaces(
    harness: Harness, people: dict[str, Person], session: Session
) -> None:
    make_person(session, "U0DESIGN1", area=" design", level=3)
    session.commit()
    answer = _find(harness, "presentations", user="U0DESIGN1")
    assert "<@U0KATE001>" not in _text(answer)  # Kate is in "Design"
    assert "<@U0BOB0001>" in _text(answer)


def test_someone_not_in_the_directory_is_told_how_to_get_added(harness: Harness) -> None:
    answer = _find(harness, "presentations", user="U0STRANGE")
    assert "not in the mentoring directory yet" in _text(answer)
    assert "coordinator" in _text(answer)


def test_long_and_odd_input_gets_a_valid_answer(
    harness: Harness, people: dict[str, Person]
) -> None:
    answer = _find(harness, "<script> & " + "x" * 3000)
    assert "Nobody offers" in _text(answer)
    answer = _find(harness, "the of and")
    assert "What would you like help with?" in _text(answer)


# --- ask ----------------------------------------------------------------------------------


def test_ask_opens_the_request_modal_for_an_eligible_mentor(
    harness: Harness, people: dict[str, Person]
) -> None:
    harness.slack.command("ask <@U0BOB0001|bob> negotiation", user="U0ALICE01")
    opened = harness.fake.last("views.open").params["view"]
    assert opened["callback_id"] == CallbackId.REQUEST_MODAL
    harness.fake.settle(quiet=0.2)
    assert harness.fake.calls_to("response_url") == []


def test_ask_someone_in_my_own_area_is_allowed_with_a_reason_to_look_outside(
    harness: Harness, people: dict[str, Person]
) -> None:
    harness.slack.command("ask <@U0CAROL01>", user="U0ALICE01")
    assert harness.fake.last("views.open").params["view"]["callback_id"] == "request_modal"
    text = _text(harness.fake.last("response_url").params)
    assert "works in your own area" in text
    assert "outside your own area and reporting line" in text


def test_ask_my_manager_warns_about_the_reporting_line(
    harness: Harness, people: dict[str, Person]
) -> None:
    harness.slack.command("ask <@U0EMMA001>", user="U0ALICE01")
    harness.fake.last("views.open")
    assert "management chain" in _text(harness.fake.last("response_url").params)


@pytest.mark.parametrize(
    ("mentor", "why"),
    [("U0IVAN001", "paused mentoring"), ("U0GRACE01", "at capacity"), ("U0ALICE01", "that's you")],
)
def test_ask_refuses_paused_full_or_myself_and_offers_alternatives(
    harness: Harness, people: dict[str, Person], mentor: str, why: str
) -> None:
    harness.slack.command(f"ask <@{mentor}>", user="U0ALICE01")
    answer = harness.fake.last("response_url").params
    assert why in _text(answer)
    harness.fake.settle(quiet=0.2)
    assert harness.fake.calls_to("views.open") == []
    if mentor != "U0ALICE01":
        assert "<@U0BOB0001>" in _text(answer)  # someone available instead


@pytest.mark.parametrize("args", ["", "bob", "@bob", "<#C0CHAN001|general>", "U0BOB0001"])
def test_ask_without_a_mention_explains_how(
    harness: Harness, people: dict[str, Person], args: str
) -> None:
    harness.slack.command(f"ask {args}", user="U0ALICE01")
    assert "/mentor ask @name" in _text(harness.fake.last("response_url").params)


def test_ask_someone_not_in_the_directory(harness: Harness, people: dict[str, Person]) -> None:
    harness.slack.command("ask <@U0GHOST01>", user="U0ALICE01")
    assert "isn't in the mentoring directory" in _text(harness.fake.last("response_url").params)


def test_ask_someone_without_an_offer_is_allowed_with_a_note(
    harness: Harness, people: dict[str, Person]
) -> None:
    harness.slack.command("ask <@U0NOBODY1>", user="U0ALICE01")
    harness.fake.last("views.open")
    assert "hasn't offered to mentor" in _text(harness.fake.last("response_url").params)


# --- the directory from Slack events -------------------------------------------------------


def test_a_person_deactivated_in_slack_stops_being_suggested(
    harness: Harness, people: dict[str, Person]
) -> None:
    assert "<@U0BOB0001>" in _text(_find(harness, "negotiation"))
    bob = harness.fake.add_user("U0BOB0001", "Bob Builder", deleted=True)
    harness.slack.event({"type": "user_change", "user": bob, "event_ts": "1700000000.1"})
    harness.fake.settle(quiet=0.2)
    answer = _find(harness, "negotiation")
    assert "<@U0BOB0001>" not in _text(answer)
    assert "Nobody offers" not in _text(answer) and "none are available" in _text(answer)
