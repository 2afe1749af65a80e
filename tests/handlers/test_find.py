"""`/mentor find` and `/mentor ask` through signed HTTP requests to the real app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.blocks.find import topic_action_id
from bot.effects import DirectMessage
from bot.ids import ActionId, CallbackId
from bot.offers import apply_offer
from bot.people import MentorColumns
from bot.slack import build_client
from bot.topics import normalise
from handlers.deliver import sender_for
from storage import offers as offers_store
from storage.models import Person, TopicDemand
from storage.outbox import enqueue, state_of
from tests.conftest import START, Harness
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


# --- find that serves everyone -----------------------------------------------------------


def _offer_only(session: Session, people: dict[str, Person], topic: str, *who: str) -> None:
    for slack_id in who:
        person = people[slack_id]
        assert person.id is not None
        offer_id = offers_store.get_offer(person.id, session=session)
        assert offer_id is not None and offer_id.id is not None
        labels = [t.label for t in offers_store.offer_topics(offer_id.id, session=session)]
        apply_offer(
            session,
            person,
            MentorColumns((*labels, topic), offer_id.capacity, offer_id.reverse_mentoring),
            START,
        )
    session.commit()


def _button(payload: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(b for b in _buttons(payload) if b["action_id"].startswith(action_id))


def test_a_junior_searching_a_topic_offered_only_by_people_three_or_more_levels_up_is_told_so_and_can_see_them_anyway(  # noqa: E501
    harness: Harness, people: dict[str, Person], session: Session
) -> None:
    _offer_only(session, people, "Strategy", "U0FRANK01")  # Finance, three levels above Alice
    answer = _find(harness, "strategy")
    text = _text(answer)
    assert "the people who offer it are more than two levels above you" in text
    assert "own area" not in text and "capacity" not in text  # not the old, false reason
    anyway = _button(answer, ActionId.FIND_SHOW_ANYWAY)
    assert anyway["text"]["text"] == "Show them anyway"

    harness.fake.clear()
    harness.slack.action(ActionId.FIND_SHOW_ANYWAY, anyway["value"], user="U0ALICE01")
    shown = harness.fake.last("response_url").params
    text = _text(shown)
    assert "<@U0FRANK01>" in text and "rarely work" in text  # a short caution
    assert "more senior" in text and "levels above" not in text  # no HR level count
    request = _button(shown, ActionId.REQUEST_CONVERSATION)

    # The request goes through the normal flow: the gap is a caution, not a wall.
    harness.slack.action(ActionId.REQUEST_CONVERSATION, request["value"], user="U0ALICE01")
    assert harness.fake.last("views.open").params["view"]["callback_id"] == "request_modal"


def test_the_show_anyway_click_is_not_counted_as_demand_again(
    harness: Harness, people: dict[str, Person], session: Session
) -> None:
    _offer_only(session, people, "Strategy", "U0FRANK01")
    _find(harness, "strategy")
    harness.slack.action(ActionId.FIND_SHOW_ANYWAY, "strategy", user="U0ALICE01")
    harness.fake.last("response_url")
    session.expire_all()
    rows = session.exec(select(TopicDemand).where(TopicDemand.key == "strategy")).all()
    assert [(r.searches, r.unmatched) for r in rows] == [(1, 1)]


@pytest.mark.parametrize(
    ("offered_by", "reason"),
    [
        (("U0CAROL01",), "they are all in your own area or reporting line"),
        (("U0EMMA001", "U0JUNIOR1"), "they are all in your own area or reporting line"),
        (("U0IVAN001", "U0GRACE01"), "they are all at capacity or paused right now"),
    ],
)
def test_a_search_nobody_can_take_says_which_rule_stopped_them(
    harness: Harness,
    people: dict[str, Person],
    session: Session,
    offered_by: tuple[str, ...],
    reason: str,
) -> None:
    _offer_only(session, people, "Strategy", *offered_by)
    answer = _find(harness, "strategy")
    assert reason in _text(answer)
    assert not [b for b in _buttons(answer) if b["action_id"] == ActionId.FIND_SHOW_ANYWAY]


def test_several_rules_are_each_named(
    harness: Harness, people: dict[str, Person], session: Session
) -> None:
    _offer_only(session, people, "Strategy", "U0CAROL01", "U0FRANK01", "U0IVAN001")
    text = _text(_find(harness, "strategy"))
    assert "some are more than two levels above you" in text
    assert "some are in your own area or reporting line" in text
    assert "some are at capacity or paused right now" in text


def test_a_senior_is_offered_people_open_to_reverse_mentoring(
    harness: Harness, people: dict[str, Person], session: Session
) -> None:
    # Only Bob (level 4) offers Strategy; the senior colleague is level 7.
    _offer_only(session, people, "Strategy", "U0BOB0001")
    answer = _find(harness, "strategy", user="U0SENIOR1")
    assert "more junior than you and haven't offered reverse mentoring" in _text(answer)
    reverse = next(b for b in _buttons(answer) if b.get("value") == "reverse mentoring")
    harness.fake.clear()
    harness.slack.action(reverse["action_id"], reverse["value"], user="U0SENIOR1")
    shown = _text(harness.fake.last("response_url").params)
    assert "open to reverse mentoring" in shown and "<@U0DAN0001>" in shown
    assert "<@U0BOB0001>" not in shown


def test_reverse_mentoring_as_a_search_lists_people_open_to_it(
    harness: Harness, people: dict[str, Person]
) -> None:
    text = _text(_find(harness, "reverse mentoring"))
    assert "open to reverse mentoring" in text
    assert "<@U0DAN0001>" in text  # the one who offers it
    assert "<@U0BOB0001>" not in text and "<@U0LEO0001>" not in text


def test_peers_near_my_level_in_other_areas_who_want_to_learn_it_are_suggested(
    harness: Harness, people: dict[str, Person], session: Session
) -> None:
    _offer_only(session, people, "Strategy", "U0FRANK01")
    make_person(session, "U0PEER001", area="Support", level=3, learning="Strategy, pricing")
    make_person(session, "U0FAR0001", area="Support", level=7, learning="strategy")
    make_person(session, "U0SAME001", area="Engineering", level=3, learning="strategy")
    for slack_id in ("U0PEER001", "U0FAR0001", "U0SAME001"):
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        person.learning_key = normalise(person.learning or "")
    session.commit()
    text = _text(_find(harness, "strategy"))
    assert "also learning this" in text and "<@U0PEER001>" in text
    assert "<@U0FAR0001>" not in text and "<@U0SAME001>" not in text


def test_cards_show_title_area_and_time_difference_not_capacity(
    harness: Harness, people: dict[str, Person], session: Session
) -> None:
    bob = people["U0BOB0001"]
    bob.tz, bob.title = "America/New_York", "Account Director"
    session.add(bob)
    session.commit()
    text = _text(_find(harness, "negotiation"))
    assert "<@U0BOB0001> · Account Director · Sales · 5 h behind you" in text
    assert "slot" not in text and "capacity" not in text


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "MENTORBOT_SUPPORT_URL": "https://hr.example.com/eap",
            "MENTORBOT_TRIAGE_TERMS": "redundancy",
        }
    ],
)
@pytest.mark.parametrize(
    "words", ["PIP", "I was put on a performance improvement plan", "burnout", "redundancy"]
)
def test_a_pip_search_gets_the_triage_card_and_is_not_recorded_as_demand(
    harness: Harness, people: dict[str, Person], session: Session, words: str
) -> None:
    answer = _find(harness, words)
    text = _text(answer)
    assert "HR" in text and "employee assistance" in text
    assert "manager" not in text.lower()  # never sent to their manager
    assert "/mentor offer" not in text and "coordinators" not in text  # no "offer it", no demand
    link = _button(answer, ActionId.SUPPORT_LINK)
    assert link["url"] == "https://hr.example.com/eap"
    assert harness.slack.action(ActionId.SUPPORT_LINK, "support", user="U0ALICE01").status == 200
    session.expire_all()
    assert session.exec(select(TopicDemand)).all() == []


def test_pip_the_python_tool_is_a_topic_not_triage(
    harness: Harness, people: dict[str, Person], session: Session
) -> None:
    text = _text(_find(harness, "pip install and python packaging"))
    assert "employee assistance" not in text and "Nobody offers" in text
    session.expire_all()
    assert [r.key for r in session.exec(select(TopicDemand)).all()] != []


def test_a_request_topic_about_a_performance_plan_gets_the_triage_card(
    harness: Harness, people: dict[str, Person]
) -> None:
    harness.slack.command("ask <@U0BOB0001> my PIP", user="U0ALICE01")
    text = _text(harness.fake.last("response_url").params)
    assert "employee assistance" in text
    harness.fake.settle(quiet=0.2)
    assert harness.fake.calls_to("views.open") == []


def test_nothing_more_reaches_a_person_once_slack_deactivated_them(
    harness: Harness, people: dict[str, Person]
) -> None:
    """``user_change`` with ``deleted``: DMs and Home refreshes owed to them are skipped."""
    bob = harness.fake.add_user("U0BOB0001", "Bob Builder", deleted=True)
    harness.slack.event({"type": "user_change", "user": bob, "event_ts": "1700000000.2"})
    harness.fake.settle(quiet=0.2)
    with harness.deps.open_session() as session:
        enqueue(
            [
                DirectMessage(key="late:note", user_id="U0BOB0001", text="hello?"),
                DirectMessage(key="late:other", user_id="U0ALICE01", text="hello!"),
            ],
            session=session,
            now=harness.clock(),
        )
        session.commit()
    sender_for(harness.deps, build_client(harness.deps.settings, resend=False)).flush(
        ["late:note", "late:other"]
    )
    posted = [c.params.get("channel") for c in harness.fake.calls_to("chat.postMessage")]
    assert "U0ALICE01" in posted and "U0BOB0001" not in posted
    with harness.deps.open_session() as session:
        assert state_of("late:note", session=session)[0] == "skipped"  # type: ignore[index]
