"""Sessions, agendas, follow-ups and closing early, through signed HTTP and the fake Slack."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.ids import ActionId, BlockId, request_button_value
from storage.models import ActionItem, Conversation, ConversationStatus
from tests.conftest import Harness
from tests.handlers.journey import (
    GROUP,
    MENTEE,
    MENTOR,
    OTHER_MENTOR,
    QUESTIONS,
    STRANGER,
    accept,
    buttons,
    command_modal,
    directory,
    in_dm,
    is_dm,
    open_modal,
    radio,
    request_values,
    send_request,
    text_input,
    text_of,
    wait_post,
)


def _active(h: Harness, session: Session) -> int:
    directory(session)
    cid = send_request(h)
    accept(h, cid)
    h.settle()
    return cid


def _said(h: Harness, words: str) -> None:
    h.fake.wait_for("response_url", where=lambda c: words in text_of(c.params))


def _status(session: Session, cid: int) -> Conversation:
    session.expire_all()
    row = session.get(Conversation, cid)
    assert row is not None
    return row


def test_closing_early_sends_a_kind_note_and_asks_both_for_feedback(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    modal = open_modal(h, ActionId.CLOSE_EARLY, str(cid), user=MENTOR, channel=GROUP)
    reply = h.slack.submit(
        modal,
        {BlockId.CLOSE_NOTE: text_input(BlockId.CLOSE_NOTE, "Changing teams, sorry!")},
        user=MENTOR,
    )
    assert not reply.body
    note = wait_post(
        h,
        lambda c: (
            is_dm(str(c.params["channel"]), MENTEE)
            and "has closed your mentoring conversation" in text_of(c.params)
        ),
    )
    assert "Changing teams, sorry!" in text_of(note.params)
    h.fake.wait_for(
        "chat.postMessage", 2, where=lambda c: ActionId.OPEN_SUNSET in buttons(c.params)
    )
    row = _status(session, cid)
    assert row.status == ConversationStatus.CLOSED and row.close_reason == "early"

    # the buttons in the group DM are stale now
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTEE, channel=GROUP)
    _said(h, "is closed")
    h.slack.command("agenda", user=MENTEE)
    _said(h, "no active mentoring conversation")


def test_someone_outside_the_pair_cannot_log_a_session(harness: Harness, session: Session) -> None:
    h = harness
    cid = _active(h, session)
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=STRANGER, channel=GROUP)
    _said(h, "belongs to two other people")
    h.slack.action(ActionId.CLOSE_EARLY, str(cid), user=STRANGER, channel=GROUP)
    _said(h, "belongs to two other people")
    assert _status(session, cid).status == ConversationStatus.ACTIVE


def test_only_the_mentee_posts_the_agenda(harness: Harness, session: Session) -> None:
    h = harness
    cid = _active(h, session)
    h.slack.action(ActionId.OPEN_AGENDA, str(cid), user=MENTOR, channel=GROUP)
    _said(h, "The mentee owns the relationship")


def test_the_agenda_modal_refuses_too_many_questions_and_a_time_without_a_day(
    harness: Harness, session: Session
) -> None:
    h = harness
    _active(h, session)
    view = command_modal(h, "agenda", user=MENTEE)
    four = "\n".join(f"Question number {n} about speaking?" for n in range(1, 5))
    reply = h.slack.submit(
        view,
        {
            BlockId.AGENDA_QUESTIONS: text_input(BlockId.AGENDA_QUESTIONS, four),
            BlockId.SESSION_TIME: {
                BlockId.SESSION_TIME: {"type": "timepicker", "selected_time": "10:00"}
            },
        },
        user=MENTEE,
    )
    assert reply.json["response_action"] == "errors"
    assert "at most 3" in reply.json["errors"][BlockId.AGENDA_QUESTIONS]
    assert BlockId.SESSION_DATE in reply.json["errors"]


def test_follow_ups_need_at_least_one_action_and_rows_can_be_added(
    harness: Harness, session: Session
) -> None:
    h = harness
    _active(h, session)
    view = command_modal(h, "followup", user=MENTEE)
    rows = [b for b in view["blocks"] if b.get("block_id", "").startswith("action_text_")]
    assert len(rows) == 1  # one row to start with; more on demand

    stored = next(v for v in h.fake.views.values() if v["callback_id"] == "followup_modal")
    h.slack.action(ActionId.ADD_ACTION_ROW, "1", user=MENTEE, view=stored)
    updated = h.fake.wait_for("views.update")[-1].params["view"]
    assert (
        len([b for b in updated["blocks"] if b.get("block_id", "").startswith("action_text_")]) == 2
    )

    values: dict[str, Any] = {
        f"{BlockId.OUTCOME_PREFIX}1": radio(f"{BlockId.OUTCOME_PREFIX}1", "answered"),
        f"{BlockId.OUTCOME_PREFIX}2": radio(f"{BlockId.OUTCOME_PREFIX}2", "partly"),
        f"{BlockId.ACTION_TEXT_PREFIX}1": text_input(f"{BlockId.ACTION_TEXT_PREFIX}1", None),
    }
    reply = h.slack.submit(view, values, user=MENTEE)
    assert reply.json["response_action"] == "errors"
    assert f"{BlockId.ACTION_TEXT_PREFIX}1" in reply.json["errors"]
    session.expire_all()
    assert not session.exec(select(ActionItem)).all()


def test_with_several_conversations_the_mentee_chooses_which(
    harness: Harness, session: Session
) -> None:
    h = harness
    _active(h, session)
    second = send_request(h, mentor=OTHER_MENTOR)
    accept(h, second, mentor=OTHER_MENTOR)
    h.settle()
    choose = command_modal(h, "agenda", user=MENTEE)
    assert choose["callback_id"] == "choose_conversation_modal"
    reply = h.slack.submit(
        choose,
        {
            BlockId.CHOOSE_CONVERSATION: {
                BlockId.CHOOSE_CONVERSATION: {"selected_option": {"value": str(second)}}
            }
        },
        user=MENTEE,
    )
    assert reply.json["response_action"] == "update"
    assert reply.json["view"]["callback_id"] == "agenda_modal"
    assert f"<@{OTHER_MENTOR}>" in text_of(reply.json["view"])


def test_an_action_ticked_from_the_home_tab_refreshes_it_and_a_stale_tick_is_told_by_dm(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    view = command_modal(h, "followup", user=MENTEE)
    h.slack.submit(
        view,
        {
            f"{BlockId.OUTCOME_PREFIX}1": radio(f"{BlockId.OUTCOME_PREFIX}1", "answered"),
            f"{BlockId.OUTCOME_PREFIX}2": radio(f"{BlockId.OUTCOME_PREFIX}2", "answered"),
            f"{BlockId.ACTION_TEXT_PREFIX}1": text_input(
                f"{BlockId.ACTION_TEXT_PREFIX}1", "Record a practice talk"
            ),
        },
        user=MENTEE,
    )
    wait_post(h, lambda c: "posted the follow-ups" in text_of(c.params))
    h.drain()
    session.expire_all()
    item = session.exec(select(ActionItem)).one()
    home = {"id": "V0HOME001", "type": "home", "blocks": []}
    published = len(h.fake.calls_to("views.publish"))
    h.slack.action(ActionId.ACTION_DONE, str(item.id), user=MENTEE, view=home)
    h.fake.wait_for("views.publish", published + 1)
    session.expire_all()
    assert session.exec(select(ActionItem)).one().done_at is not None

    h.slack.action(ActionId.ACTION_DONE, str(item.id), user=MENTEE, view=home)
    wait_post(
        h,
        lambda c: is_dm(str(c.params["channel"]), MENTEE) and "already ticked" in text_of(c.params),
    )
    assert _status(session, cid).status == ConversationStatus.ACTIVE


@pytest.mark.parametrize("settings_overrides", [{"MENTORBOT_MAX_SESSIONS": "1"}])
def test_the_sunset_follows_the_configured_number_of_sessions(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTEE, channel=GROUP)
    wait_post(h, lambda c: "last conversation" in text_of(c.params))
    assert _status(session, cid).status == ConversationStatus.CLOSED
    h.fake.wait_for(
        "chat.postMessage", 2, where=lambda c: ActionId.OPEN_SUNSET in buttons(c.params)
    )
    # the follow-ups of the last session can still be posted
    view = command_modal(h, "followup", user=MENTEE)
    assert view["callback_id"] == "followup_modal"


def test_a_mentee_without_conversations_is_told_how_to_start(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    h.slack.command("agenda", user=MENTEE)
    _said(h, "/mentor find")
    h.slack.command("followup", user=MENTEE)
    _said(h, "no follow-ups to post")


def test_the_choice_between_conversations_opens_with_long_topics(
    harness: Harness, session: Session
) -> None:
    h = harness
    _active(h, session)
    topic = "Running a design review for a large cross-functional team & keeping it short " * 3
    view = open_modal(
        h,
        ActionId.REQUEST_CONVERSATION,
        request_button_value(OTHER_MENTOR, "public speaking"),
        user=MENTEE,
    )
    reply = h.slack.submit(
        view, request_values("\n".join(QUESTIONS), topic=topic[:200]), user=MENTEE
    )
    assert not reply.body
    card = h.fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            is_dm(str(c.params["channel"]), OTHER_MENTOR)
            and ActionId.ACCEPT_REQUEST in buttons(c.params)
        ),
    )[-1]
    accept(h, int(buttons(card.params)[ActionId.ACCEPT_REQUEST]), mentor=OTHER_MENTOR)
    h.settle()
    choose = command_modal(h, "agenda", user=MENTEE)
    options = choose["blocks"][0]["element"]["options"]
    assert len(options) == 2
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    assert any("Running a design review" in o["text"]["text"] for o in options)
    assert f"<@{OTHER_MENTOR}>" in text_of(choose)


def test_without_a_group_dm_the_agenda_and_follow_ups_reach_both_by_dm(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    h.settle()
    h.fake.fail("conversations.open", error="method_not_supported_for_channel_type")
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR)
    h.settle()
    assert _status(session, cid).group_channel_id is None

    view = command_modal(h, "agenda", user=MENTEE)
    agenda = "How do I open a talk with confidence?\nHow long should the slides be?"
    reply = h.slack.submit(
        view, {BlockId.AGENDA_QUESTIONS: text_input(BlockId.AGENDA_QUESTIONS, agenda)}, user=MENTEE
    )
    assert not reply.body
    for user in (MENTEE, MENTOR):
        wait_post(
            h,
            lambda c, user=user: (
                in_dm(c, user)
                and "posted the agenda" in text_of(c.params)
                and "open a talk with confidence" in text_of(c.params)
            ),
        )

    view = command_modal(h, "followup", user=MENTEE)
    action = f"{BlockId.ACTION_TEXT_PREFIX}1"
    h.slack.submit(view, {action: text_input(action, "Record a practice talk")}, user=MENTEE)
    for user in (MENTEE, MENTOR):
        wait_post(
            h,
            lambda c, user=user: in_dm(c, user) and "Record a practice talk" in text_of(c.params),
        )


def test_closing_early_when_slack_refuses_the_note_still_asks_both_for_feedback(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    modal = open_modal(h, ActionId.CLOSE_EARLY, str(cid), user=MENTOR, channel=GROUP)
    h.fake.fail("conversations.open", error="user_disabled")  # the note to the mentee
    reply = h.slack.submit(modal, {}, user=MENTOR)
    assert not reply.body
    h.fake.wait_for(
        "chat.postMessage", 2, where=lambda c: ActionId.OPEN_SUNSET in buttons(c.params)
    )
    assert _status(session, cid).status == ConversationStatus.CLOSED


def test_a_double_click_on_add_another_action_adds_one_row_quietly(
    harness: Harness, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    _active(h, session)
    command_modal(h, "followup", user=MENTEE)
    stored = next(v for v in h.fake.views.values() if v["callback_id"] == "followup_modal")
    h.slack.action(ActionId.ADD_ACTION_ROW, "3", user=MENTEE, view=stored)
    h.fake.wait_for("views.update")
    # The second click carries the modal's old hash: Slack refuses it, as it should.
    h.fake.fail("views.update", error="hash_conflict")
    reply = h.slack.action(ActionId.ADD_ACTION_ROW, "3", user=MENTEE, view=stored)
    assert reply.status == 200
    h.fake.wait_for("views.update", 2)
    h.settle()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_only_the_mentee_ticks_off_the_mentees_action_and_the_mentor_is_told_whose_it_is(
    harness: Harness, session: Session
) -> None:
    h = harness
    _active(h, session)
    view = command_modal(h, "followup", user=MENTEE)
    action = f"{BlockId.ACTION_TEXT_PREFIX}1"
    h.slack.submit(view, {action: text_input(action, "Record a practice talk")}, user=MENTEE)
    wait_post(h, lambda c: "posted the follow-ups" in text_of(c.params))
    h.drain()
    session.expire_all()
    item = session.exec(select(ActionItem)).one()

    h.slack.action(ActionId.ACTION_DONE, str(item.id), user=MENTOR, channel=GROUP)
    _said(h, f"<@{MENTEE}>'s to tick off")
    session.expire_all()
    assert session.exec(select(ActionItem)).one().done_at is None  # nothing changed

    h.slack.action(ActionId.ACTION_DONE, str(item.id), user=MENTEE, channel=GROUP)
    h.drain()
    session.expire_all()
    assert session.exec(select(ActionItem)).one().done_at is not None
