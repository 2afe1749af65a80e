"""`/mentor help` by task with buttons, "did you mean", what typed words pre-fill, and who
to ask when you are not in the directory: through signed requests and the fake Slack."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from bot.ids import ActionId, BlockId, CallbackId
from tests.conftest import Harness
from tests.factories import make_person
from tests.handlers.journey import buttons, text_of
from tests.mentors import offer


def _help(harness: Harness, text: str, user: str = "U0USER001") -> dict[str, Any]:
    harness.slack.command(text, user=user)
    return dict(harness.fake.last("response_url").params)


def _section_titles(payload: dict[str, Any]) -> list[str]:
    return [
        b["text"]["text"].split("\n", 1)[0]
        for b in payload["blocks"]
        if b["type"] == "section" and "\n" in b["text"]["text"]
    ]


def test_help_is_grouped_by_task_with_buttons_for_the_first_steps(harness: Harness) -> None:
    answer = _help(harness, "help")
    assert _section_titles(answer) == [
        "*Find help*",
        "*Mentor others*",
        "*Your progress*",
        "*Your team*",
        "*Run the programme*",
    ]
    found = buttons(answer)
    assert {ActionId.HOME_FIND_MENTOR, ActionId.OFFER_EDIT, ActionId.SHOW_PROGRESS} <= set(found)
    assert "Coming later" not in str(answer["blocks"])  # every subcommand is built now
    coordinators = next(b for b in answer["blocks"] if "*Run the programme*" in str(b))
    assert "/mentor digest" in coordinators["text"]["text"]
    mentors = next(b for b in answer["blocks"] if "*Mentor others*" in str(b))
    assert "/mentor advice" in mentors["text"]["text"]
    find_help = next(b for b in answer["blocks"] if "*Find help*" in str(b))
    assert "/mentor digest" not in find_help["text"]["text"]


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("fnid public speaking", "`/mentor find public speaking`"), ("progres", "`/mentor progress`")],
)
def test_a_misspelt_command_gets_did_you_mean_before_the_help(
    harness: Harness, typed: str, suggested: str
) -> None:
    answer = _help(harness, typed)
    first = answer["blocks"][0]["text"]["text"]
    assert "Did you mean" in first and suggested in first
    assert "*Find help*" in text_of(answer)


def test_an_unknown_word_suggests_searching_for_it(harness: Harness) -> None:
    answer = _help(harness, "negotiation tips")
    first = answer["blocks"][0]["text"]["text"]
    assert "`/mentor find negotiation tips`" in first


def test_help_itself_has_no_did_you_mean(harness: Harness) -> None:
    answer = _help(harness, "help")
    assert "Did you mean" not in text_of(answer)
    assert "isn't a command" not in text_of(answer)


def test_the_my_progress_button_answers_with_progress(harness: Harness, session: Session) -> None:
    make_person(session, "U0ALICE01", area="Engineering")
    session.commit()
    harness.slack.action(ActionId.SHOW_PROGRESS, "help", user="U0ALICE01")
    answer = harness.fake.wait_for(
        "response_url", where=lambda c: "Your connections" in text_of(c.params)
    )
    assert answer


def test_ask_with_words_prefills_the_request_topic(harness: Harness, session: Session) -> None:
    make_person(session, "U0ALICE01", area="Engineering", level=3)
    offer(session, make_person(session, "U0BOB0001", area="Sales", level=4), ("Negotiation",))
    session.commit()
    harness.slack.command("ask <@U0BOB0001|bob> salary talks with my team", user="U0ALICE01")
    view = harness.fake.last("views.open").params["view"]
    assert view["callback_id"] == CallbackId.REQUEST_MODAL
    topic = next(b for b in view["blocks"] if b.get("block_id") == BlockId.REQUEST_TOPIC)
    assert topic["element"]["initial_value"] == "salary talks with my team"


def test_offer_with_words_prefills_the_topics(harness: Harness, session: Session) -> None:
    make_person(session, "U0ALICE01", area="Engineering", level=4)
    session.commit()
    harness.slack.command("offer python, career planning", user="U0ALICE01")
    view = harness.fake.last("views.open").params["view"]
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    chosen = blocks[BlockId.OFFER_TOPICS]["element"]["initial_options"]
    # "career planning" is the catalogue's "Developing career plans"; Python is new
    assert [o["text"]["text"] for o in chosen] == ["Developing career plans"]
    assert blocks[BlockId.OFFER_NEW_TOPICS]["element"]["initial_value"] == "Python"


@pytest.mark.parametrize("settings_overrides", [{"MENTORBOT_COORDINATORS": "U0COORD01,U0COORD02"}])
def test_someone_not_in_the_directory_is_told_who_the_coordinators_are(
    harness: Harness,
) -> None:
    harness.slack.command("progress", user="U0STRANGE")
    said = harness.fake.last("response_url").params["text"]
    assert "not in the mentoring directory" in said
    assert "<@U0COORD01>" in said and "<@U0COORD02>" in said
