"""`/mentor offer`, the offer modal, `/mentor pause` and `/mentor resume`, and the Home buttons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from bot.ids import ActionId, BlockId, CallbackId
from bot.matching import suggest_mentors
from storage import offers as offers_store
from storage.models import Person
from tests.conftest import Harness
from tests.factories import make_person
from tests.mentors import offer


@pytest.fixture
def alice(session: Session) -> Person:
    person = make_person(session, "U0ALICE01", area="Engineering", level=4)
    make_person(session, "U0MENTEE1", area="Sales", level=3)
    session.commit()
    return person


def _open_modal(harness: Harness, user: str = "U0ALICE01") -> dict[str, Any]:
    harness.fake.clear()
    harness.slack.command("offer", user=user)
    return harness.fake.last("views.open").params["view"]


def _values(
    topics: list[str] | None = None,
    new: str = "",
    capacity: str = "3",
    reverse: bool = False,
    paused_until: str | None = None,
    help_with: str = "",
    out_of_scope: str = "",
) -> dict[str, dict[str, dict[str, Any]]]:
    def one(block: str, value: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {block: value}

    return {
        BlockId.OFFER_TOPICS: one(
            BlockId.OFFER_TOPICS,
            {
                "type": "multi_static_select",
                "selected_options": [
                    {"value": v, "text": {"type": "plain_text", "text": v}} for v in topics or []
                ],
            },
        ),
        BlockId.OFFER_NEW_TOPICS: one(
            BlockId.OFFER_NEW_TOPICS, {"type": "plain_text_input", "value": new or None}
        ),
        BlockId.OFFER_HELP_WITH: one(
            BlockId.OFFER_HELP_WITH, {"type": "plain_text_input", "value": help_with or None}
        ),
        BlockId.OFFER_OUT_OF_SCOPE: one(
            BlockId.OFFER_OUT_OF_SCOPE, {"type": "plain_text_input", "value": out_of_scope or None}
        ),
        BlockId.OFFER_CAPACITY: one(
            BlockId.OFFER_CAPACITY, {"type": "number_input", "value": capacity or None}
        ),
        BlockId.OFFER_REVERSE: one(
            BlockId.OFFER_REVERSE,
            {
                "type": "checkboxes",
                "selected_options": [{"value": "yes"}] if reverse else [],
            },
        ),
        BlockId.OFFER_PAUSED_UNTIL: one(
            BlockId.OFFER_PAUSED_UNTIL, {"type": "datepicker", "selected_date": paused_until}
        ),
    }


def _option_ids(view: dict[str, Any]) -> dict[str, str]:
    block = next(b for b in view["blocks"] if b.get("block_id") == BlockId.OFFER_TOPICS)
    return {o["text"]["text"]: o["value"] for o in block["element"]["options"]}


def _dm_text(harness: Harness) -> str:
    params = harness.fake.last("chat.postMessage").params
    return " ".join(b["text"]["text"] for b in params["blocks"] if "text" in b)


def test_offer_opens_a_modal_with_the_seeded_topic_catalogue(
    harness: Harness, alice: Person
) -> None:
    view = _open_modal(harness)
    assert view["callback_id"] == CallbackId.OFFER_MODAL
    labels = set(_option_ids(view))
    assert {"Developing career plans", "Self-confidence", "Decision making"} <= labels
    assert {"First-time supervisor", "Working overseas", "Joining the company"} <= labels


def test_submitting_an_offer_saves_it_confirms_and_makes_me_findable(
    harness: Harness, alice: Person, session: Session
) -> None:
    view = _open_modal(harness)
    ids = _option_ids(view)
    reply = harness.slack.submit(
        view,
        _values(
            [ids["Decision making"]],
            new="Presentations, Kubernetes",
            capacity="2",
            reverse=True,
            help_with="Preparing a first all-hands talk",
        ),
        user="U0ALICE01",
    )
    assert reply.status == 200 and not reply.body
    text = _dm_text(harness)
    assert "Thank you for offering to mentor" in text
    assert "Decision making, Kubernetes, Presentations" in text
    session.expire_all()
    mentee = session.get(Person, alice.id)
    assert mentee is not None
    found = suggest_mentors(
        session,
        make_person(session, "U0OTHER01", area="Sales", level=4),
        "public speaking",
        now=harness.clock(),
        max_level_gap=2,
    )
    assert [s.mentor.slack_id for s in found] == ["U0ALICE01"]
    assert "reverse mentoring" not in " ".join(found[0].reasons)


def test_editing_prefills_the_modal_with_my_offer(harness: Harness, alice: Person) -> None:
    view = _open_modal(harness)
    harness.slack.submit(
        view,
        _values(new="Negotiation", capacity="4", reverse=True, out_of_scope="Salary talks"),
        user="U0ALICE01",
    )
    harness.fake.last("chat.postMessage")
    view = _open_modal(harness)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    topics = blocks[BlockId.OFFER_TOPICS]["element"]
    assert [o["text"]["text"] for o in topics["initial_options"]] == ["Negotiation"]
    assert blocks[BlockId.OFFER_CAPACITY]["element"]["initial_value"] == "4"
    assert blocks[BlockId.OFFER_REVERSE]["element"]["initial_options"]
    assert blocks[BlockId.OFFER_OUT_OF_SCOPE]["element"]["initial_value"] == "Salary talks"


@pytest.mark.parametrize(
    ("values", "block", "says"),
    [
        ({}, BlockId.OFFER_TOPICS, "at least one topic"),
        ({"new": "Kubernetes", "capacity": "abc"}, BlockId.OFFER_CAPACITY, "whole number"),
        ({"new": "Kubernetes", "capacity": "0"}, BlockId.OFFER_CAPACITY, "1 to 10"),
        ({"new": "Kubernetes", "capacity": "11"}, BlockId.OFFER_CAPACITY, "1 to 10"),
        ({"new": "Kubernetes", "capacity": ""}, BlockId.OFFER_CAPACITY, "whole number"),
        (
            {"new": ", ".join(f"Topic {n}" for n in range(200))},
            BlockId.OFFER_NEW_TOPICS,
            "at most 15",
        ),
        ({"new": "x" * 81}, BlockId.OFFER_NEW_TOPICS, "under 80 characters"),
        ({"new": "Kubernetes", "help_with": "y" * 2001}, BlockId.OFFER_HELP_WITH, "2000"),
        ({"new": "Kubernetes", "paused_until": "2020-01-01"}, BlockId.OFFER_PAUSED_UNTIL, "after"),
        ({"new": "Kubernetes", "paused_until": "2031-01-01"}, BlockId.OFFER_PAUSED_UNTIL, "year"),
    ],
)
def test_bad_offer_input_comes_back_as_a_field_error(
    harness: Harness, alice: Person, session: Session, values: dict[str, Any], block: str, says: str
) -> None:
    view = _open_modal(harness)
    reply = harness.slack.submit(view, _values(**values), user="U0ALICE01")
    assert reply.json["response_action"] == "errors"
    assert says in reply.json["errors"][block]
    assert offers_store.get_offer(alice.id or 0, session=session) is None


def test_pause_and_resume(harness: Harness, alice: Person, session: Session) -> None:
    offer(session, alice)
    session.commit()

    def say(text: str) -> str:
        harness.fake.clear()
        harness.slack.command(text, user="U0ALICE01")
        params = harness.fake.last("response_url").params
        return " ".join(b["text"]["text"] for b in params["blocks"] if "text" in b)

    assert "Paused until you resume" in say("pause")
    harness.fake.last("views.publish")  # the Home tab follows
    assert "Welcome back" in say("resume")
    assert "wasn't paused" in say("resume")
    assert "Paused until 2026-12-07" in say("pause 2026-12-07")
    assert "Paused until 2026-12-07" in say("pause 2 weeks")
    assert "couldn't read “next friday-ish”" in say("pause next friday-ish")
    assert "not in the future" in say("pause 2026-11-01")
    assert "couldn't read" in say("pause 2026-13-45")
    assert "at most a year" in say("pause 2030-01-01")


def test_pause_without_an_offer_explains_how_to_offer(harness: Harness, alice: Person) -> None:
    harness.slack.command("pause", user="U0ALICE01")
    params = harness.fake.last("response_url").params
    assert "/mentor offer" in params["text"]


def test_home_toggle_pauses_and_resumes_and_refreshes_the_home(
    harness: Harness, alice: Person, session: Session
) -> None:
    offer(session, alice)
    session.commit()
    home = {"id": "V0HOME001", "type": "home", "blocks": []}
    harness.slack.action(ActionId.OFFER_TOGGLE_PAUSE, "pause", user="U0ALICE01", view=home)
    harness.fake.wait_for("views.publish")
    session.expire_all()
    assert offers_store.get_offer(alice.id or 0, session=session).paused  # type: ignore[union-attr]
    harness.slack.action(ActionId.OFFER_TOGGLE_PAUSE, "resume", user="U0ALICE01", view=home)
    harness.fake.wait_for("views.publish", 2)
    session.expire_all()
    assert not offers_store.get_offer(alice.id or 0, session=session).paused  # type: ignore[union-attr]
    # A stale "Resume" click (the Home had not refreshed yet) changes nothing and says so.
    harness.slack.action(ActionId.OFFER_TOGGLE_PAUSE, "resume", user="U0ALICE01", view=home)
    harness.fake.wait_for("views.publish", 3)
    assert "wasn't paused" in harness.fake.last("chat.postMessage").params["text"]
    session.expire_all()
    assert not offers_store.get_offer(alice.id or 0, session=session).paused  # type: ignore[union-attr]


def test_pause_button_in_a_message_answers_in_the_thread(
    harness: Harness, alice: Person, session: Session
) -> None:
    offer(session, alice)
    session.commit()
    harness.slack.action(ActionId.OFFER_TOGGLE_PAUSE, "pause", user="U0ALICE01")
    assert "Paused until you resume" in harness.fake.last("response_url").params["text"]
    harness.slack.action(ActionId.OFFER_TOGGLE_PAUSE, "pause", user="U0ALICE01")
    harness.fake.wait_for("response_url", 2)
    assert "already paused" in harness.fake.last("response_url").params["text"]


def test_home_edit_button_opens_the_offer_modal(harness: Harness, alice: Person) -> None:
    home = {"id": "V0HOME001", "type": "home", "blocks": []}
    harness.slack.action(ActionId.OFFER_EDIT, "offer", user="U0ALICE01", view=home)
    assert harness.fake.last("views.open").params["view"]["callback_id"] == "offer_modal"


def test_someone_not_in_the_directory_cannot_offer_yet(harness: Harness) -> None:
    harness.slack.command("offer", user="U0STRANGE")
    assert "not in the mentoring directory" in harness.fake.last("response_url").params["text"]


def test_a_pause_that_has_ended_is_not_offered_again_when_editing(
    harness: Harness, alice: Person, session: Session
) -> None:
    today = harness.clock.now.date()
    offer(session, alice, ("Negotiation",), capacity=2, paused_until=today + timedelta(days=5))
    session.commit()
    harness.clock.advance(days=10)  # the pause is over
    view = _open_modal(harness)
    pause = next(b for b in view["blocks"] if b.get("block_id") == BlockId.OFFER_PAUSED_UNTIL)
    # Saving the modal as it opened (what Slack sends back) adds a topic without an error.
    values = _values(
        topics=[_option_ids(view)["Negotiation"], _option_ids(view)["Decision making"]],
        capacity="2",
        paused_until=pause["element"].get("initial_date"),
    )
    reply = harness.slack.submit(view, values, user="U0ALICE01")
    assert not reply.body, reply.body
    assert "Decision making" in _dm_text(harness)


def test_a_saved_offer_reaches_the_home_tab_even_when_slack_refuses_the_dm(
    harness: Harness, alice: Person
) -> None:
    view = _open_modal(harness)
    harness.fake.fail("conversations.open", error="user_disabled")
    values = _values([_option_ids(view)["Decision making"]], capacity="2")
    reply = harness.slack.submit(view, values, user="U0ALICE01")
    assert reply.status == 200 and not reply.body
    home = harness.fake.last("views.publish", where=lambda c: c.params["user_id"] == "U0ALICE01")
    assert "Decision making" in str(home.params["view"])
