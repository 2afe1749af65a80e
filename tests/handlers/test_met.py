"""`/mentor met @person`: the other person confirms; both gain the connection; it lapses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.ids import ActionId
from bot.slack import build_client
from handlers import jobs
from storage.connections import connected_ids
from storage.models import MetLog, MetStatus
from storage.people import get_by_slack_id
from tests.conftest import Harness
from tests.factories import make_person
from tests.fakeslack import Call, conversation_id

ALICE, BOB = "U0ALICE01", "U0BOB0001"


@pytest.fixture(autouse=True)
def directory(session: Session, harness: Harness) -> None:
    make_person(session, ALICE, area="Engineering")
    make_person(session, BOB, area="Sales")
    session.commit()
    harness.fake.add_user(ALICE, "Alice Able")
    harness.fake.add_user(BOB, "Bob Baker")


def _text(params: dict[str, Any]) -> str:
    return json.dumps(params.get("blocks", []), ensure_ascii=False) + params.get("text", "")


def _reply(harness: Harness) -> str:
    return _text(harness.fake.last("response_url", where=_from_command).params)


def _from_command(call: Call) -> bool:
    return "/response/cmd" in call.path


def _confirmation_dm(harness: Harness) -> Call:
    return harness.fake.last(
        "chat.postMessage", where=lambda c: ActionId.MET_CONFIRM in _text(c.params)
    )


def _dm_channel(user: str) -> str:
    """The bot's DM with ``user``: where a post to their user ID (the outbox's) lands."""
    return conversation_id([user])


def _in_dm_of(user: str, call: Call) -> bool:
    return str(call.params.get("channel")) in (user, _dm_channel(user))


def _homes_published(harness: Harness, count: int) -> None:
    """Work after ack ends with Home refreshes: wait for them before the test ends."""
    harness.fake.wait_for("views.publish", count)


def _met_id(dm: Call) -> str:
    buttons = [b for b in dm.params["blocks"] if b["type"] == "actions"][0]["elements"]
    return str(buttons[0]["value"])


def _connected(session: Session, a: str, b: str) -> bool:
    session.expire_all()
    person, other = get_by_slack_id(a, session=session), get_by_slack_id(b, session=session)
    assert person and other and person.id and other.id
    return other.id in connected_ids(person.id, session=session)


def test_met_asks_the_other_person_and_confirm_counts_for_both(
    harness: Harness, session: Session
) -> None:
    harness.slack.command(f"met <@{BOB}|bob> coffee about onboarding", user=ALICE)

    dm = _confirmation_dm(harness)
    assert _in_dm_of(BOB, dm)
    assert f"<@{ALICE}>" in _text(dm.params) and "coffee about onboarding" in _text(dm.params)
    assert f"asked <@{BOB}> to confirm" in _reply(harness)
    assert not _connected(session, ALICE, BOB)  # unconfirmed does not count

    harness.slack.action(ActionId.MET_CONFIRM, _met_id(dm), user=BOB, channel=_dm_channel(BOB))

    update = harness.fake.last("response_url", where=lambda c: "/response/act" in c.path)
    assert update.params["replace_original"] is True
    assert "Confirmed" in _text(update.params)
    told = harness.fake.last(
        "chat.postMessage", where=lambda c: "confirmed you met" in _text(c.params)
    )
    assert "new connection for both of you" in _text(told.params)
    assert _connected(session, ALICE, BOB) and _connected(session, BOB, ALICE)
    harness.fake.wait_for("views.publish", where=lambda c: c.params["user_id"] == ALICE)
    harness.fake.wait_for("views.publish", where=lambda c: c.params["user_id"] == BOB)
    _homes_published(harness, 4)
    assert "1 connection" in json.dumps(harness.fake.homes[ALICE])


def test_not_me_counts_nothing_and_tells_the_logger_kindly(
    harness: Harness, session: Session
) -> None:
    harness.slack.command(f"met <@{BOB}>", user=ALICE)
    dm = _confirmation_dm(harness)

    harness.slack.action(ActionId.MET_DECLINE, _met_id(dm), user=BOB)

    told = harness.fake.last(
        "chat.postMessage", where=lambda c: "didn't recognise" in _text(c.params)
    )
    assert "No harm done" in _text(told.params)
    assert not _connected(session, ALICE, BOB)
    _homes_published(harness, 4)


def test_someone_else_clicking_confirm_changes_nothing(harness: Harness, session: Session) -> None:
    harness.slack.command(f"met <@{BOB}>", user=ALICE)
    met_id = _met_id(_confirmation_dm(harness))

    harness.slack.action(ActionId.MET_CONFIRM, met_id, user=ALICE)

    answer = harness.fake.last("response_url", where=lambda c: "/response/act" in c.path)
    assert answer.params["response_type"] == "ephemeral"
    assert f"Only <@{BOB}>" in _text(answer.params)
    assert not _connected(session, ALICE, BOB)
    _homes_published(harness, 2)


def test_a_double_click_on_confirm_answers_already_confirmed(harness: Harness) -> None:
    harness.slack.command(f"met <@{BOB}>", user=ALICE)
    met_id = _met_id(_confirmation_dm(harness))

    harness.slack.action(ActionId.MET_CONFIRM, met_id, user=BOB)
    harness.fake.wait_for("chat.postMessage", 2)
    harness.slack.action(ActionId.MET_CONFIRM, met_id, user=BOB)

    answer = harness.fake.wait_for(
        "response_url", where=lambda c: "Already confirmed" in _text(c.params)
    )
    assert answer[-1].params["response_type"] == "ephemeral"
    _homes_published(harness, 4)


def test_logging_the_same_person_twice_says_it_is_already_waiting(harness: Harness) -> None:
    harness.slack.command(f"met <@{BOB}>", user=ALICE)
    _confirmation_dm(harness)
    _homes_published(harness, 2)

    harness.slack.command(f"met <@{BOB}|bob> again", user=ALICE)

    harness.fake.wait_for("response_url", 2, where=_from_command)
    assert "waiting for them to confirm" in _reply(harness)
    assert len(harness.fake.calls_to("chat.postMessage")) == 1
    _homes_published(harness, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"met <@{ALICE}>", "with yourself"),
        ("met <@U0HELPBOT>", "is a bot"),
        ("met <@U0STRANGE>", "isn't in the mentoring directory"),
        ("met bob", "Mention the person you met"),
        ("met", "Mention the person you met"),
    ],
)
def test_logging_yourself_a_bot_or_an_unknown_person_gets_a_clear_answer(
    harness: Harness, text: str, expected: str
) -> None:
    harness.fake.add_user("U0HELPBOT", "Helper Bot", is_bot=True)
    harness.fake.add_user("U0STRANGE", "Some Stranger")

    harness.slack.command(text, user=ALICE)

    assert expected in _reply(harness)
    assert harness.fake.calls_to("chat.postMessage") == []


def test_a_met_unconfirmed_for_fourteen_days_lapses(harness: Harness, session: Session) -> None:
    harness.slack.command(f"met <@{BOB}> lunch", user=ALICE)
    dm = _confirmation_dm(harness)
    _homes_published(harness, 2)
    jobs.install(harness.deps, build_client(harness.deps.settings))

    harness.clock.advance(days=13)
    jobs.lapse_met_requests()
    assert harness.fake.calls_to("chat.update") == []

    harness.clock.advance(days=2)
    jobs.lapse_met_requests()

    update = harness.fake.last("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (
        _dm_channel(BOB),
        "1700000000.000001",
    )
    assert "lapsed" in _text(update.params)
    session.expire_all()
    (log,) = session.exec(select(MetLog)).all()
    assert log.status == MetStatus.LAPSED

    harness.slack.action(ActionId.MET_CONFIRM, _met_id(dm), user=BOB)
    late = harness.fake.last("response_url", where=lambda c: "/response/act" in c.path)
    assert "lapsed" in _text(late.params)
    assert not _connected(session, ALICE, BOB)


def test_when_the_other_person_cannot_be_reached_nothing_is_logged(harness: Harness) -> None:
    harness.fake.fail("chat.postMessage", error="cannot_dm_bot")

    harness.slack.command(f"met <@{BOB}>", user=ALICE)

    # The request goes through the outbox after the reply: Slack's refusal is told by DM.
    harness.fake.wait_for(
        "chat.postMessage",
        where=lambda c: _in_dm_of(ALICE, c) and "couldn't reach" in _text(c.params),
    )
    harness.slack.command(f"met <@{BOB}>", user=ALICE)
    harness.fake.wait_for("response_url", 2, where=_from_command)
    assert f"asked <@{BOB}> to confirm" in _reply(harness)  # the unsent one was withdrawn
    harness.fake.wait_for("chat.postMessage", 3)  # refused, told, asked again
    _confirmation_dm(harness)
    _homes_published(harness, 2)


def test_a_home_that_cannot_be_published_does_not_undo_the_confirmation(
    harness: Harness, session: Session
) -> None:
    harness.slack.command(f"met <@{BOB}>", user=ALICE)
    dm = _confirmation_dm(harness)
    _homes_published(harness, 2)
    harness.fake.fail("views.publish", error="internal_error", times=2)

    harness.slack.action(ActionId.MET_CONFIRM, _met_id(dm), user=BOB)

    harness.fake.last("chat.postMessage", where=lambda c: "confirmed you met" in _text(c.params))
    _homes_published(harness, 4)
    assert _connected(session, ALICE, BOB)
