"""Sessions, agendas, follow-ups, the pair's card and wrapping up, over signed HTTP."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.housekeeping import purge_sent_messages
from bot.ids import ActionId, BlockId, CallbackId, request_button_value
from storage.models import (
    ActionItem,
    Connection,
    Conversation,
    ConversationStatus,
    MentoringSession,
)
from tests.conftest import Harness
from tests.fakeslack import Call
from tests.handlers.journey import (
    GROUP,
    MENTEE,
    MENTOR,
    OTHER_MENTOR,
    QUESTIONS,
    STRANGER,
    accept,
    all_buttons,
    buttons,
    card_ts,
    card_updates,
    command_modal,
    directory,
    ephemeral_answers,
    followup_values,
    in_dm,
    is_dm,
    open_modal,
    primary,
    radio,
    request_values,
    send_request,
    text_input,
    text_of,
    wait_card,
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


def _log_and_follow_up(h: Harness, cid: int, number: int, ts: str, updates: int) -> None:
    """Conversation ``number`` held and its follow-ups posted, from the card's buttons."""
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:{number}", user=MENTEE, channel=GROUP)
    wait_card(h, ts, updates + 1)
    view = open_modal(h, ActionId.OPEN_FOLLOWUP, f"{cid}:{number}", user=MENTEE, channel=GROUP)
    reply = h.slack.submit(view, followup_values("Rehearse the opening"), user=MENTEE)
    assert not reply.body, reply.body
    wait_card(h, ts, updates + 2)
    h.settle()


def test_wrapping_up_after_one_conversation_sends_each_person_exactly_one_message(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    ts = card_ts(h)
    _log_and_follow_up(h, cid, 1, ts, 0)
    assert ActionId.WRAP_UP in buttons(h.fake.messages[(GROUP, ts)])
    posted = len(h.fake.calls_to("chat.postMessage"))

    modal = open_modal(h, ActionId.WRAP_UP, str(cid), user=MENTOR, channel=GROUP)
    assert modal["callback_id"] == CallbackId.WRAP_UP_MODAL
    assert modal["title"]["text"] == "Wrap up" and "early" not in text_of(modal).lower()
    reply = h.slack.submit(
        modal,
        {BlockId.CLOSE_NOTE: text_input(BlockId.CLOSE_NOTE, "Changing teams, sorry!")},
        user=MENTOR,
    )
    assert not reply.body

    card = wait_card(h, ts, 3)  # the card, in place: ended, no buttons
    assert not buttons(card)
    assert f"Wrapped up after 1 conversation* by <@{MENTOR}>" in text_of(card)
    h.drain()
    h.settle()
    sent = h.fake.calls_to("chat.postMessage")[posted:]
    assert len(sent) == 2, [text_of(c.params) for c in sent]
    (to_mentee,) = [c.params for c in sent if in_dm(c, MENTEE)]
    (to_mentor,) = [c.params for c in sent if in_dm(c, MENTOR)]
    assert f"<@{MENTOR}> wrapped up your mentoring" in text_of(to_mentee)
    assert "Changing teams, sorry!" in text_of(to_mentee)
    assert "You wrapped up your mentoring" in text_of(to_mentor)
    assert "Changing teams" not in text_of(to_mentor)
    for ending in (to_mentee, to_mentor):
        assert buttons(ending) == {ActionId.OPEN_SUNSET: str(cid)}
        assert "keep the door open" in text_of(ending)
        assert "after 1 conversation" in text_of(ending)
    row = _status(session, cid)
    assert row.status == ConversationStatus.CLOSED and row.close_reason == "wrapped_up"
    h.slack.command("agenda", user=MENTEE)
    _said(h, "no active mentoring conversation")


def test_a_stale_click_is_answered_with_what_to_do_now_and_changes_nothing(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    ts = card_ts(h)
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTOR, channel=GROUP, message_ts=ts)
    wait_card(h, ts, 1)
    h.settle()
    opened = len(h.fake.calls_to("views.open"))

    # "Set a time" for conversation 1, pressed after it was held (an old render of the card)
    h.slack.action(ActionId.OPEN_AGENDA, f"{cid}:1", user=MENTEE, channel=GROUP, message_ts=ts)
    told = h.fake.wait_for(
        "response_url", where=lambda c: "Conversation 1 has already happened" in text_of(c.params)
    )[-1]
    assert told.params["response_type"] == "ephemeral"
    assert "*Now:* post the follow-ups of conversation 1" in text_of(told.params)

    # a second "We met" for conversation 1: the mentor hears whose step it is now
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTOR, channel=GROUP, message_ts=ts)
    told = h.fake.wait_for("response_url", where=lambda c: "already logged" in text_of(c.params))[
        -1
    ]
    assert f"*Now:* <@{MENTEE}> posts the follow-ups of conversation 1" in text_of(told.params)

    # follow-ups posted: their button on an old card is stale too, and says what is next
    view = command_modal(h, "followup", user=MENTEE)
    h.slack.submit(view, followup_values("Rehearse the opening"), user=MENTEE)
    wait_card(h, ts, 2)
    h.settle()
    opened = len(h.fake.calls_to("views.open"))
    h.slack.action(ActionId.OPEN_FOLLOWUP, f"{cid}:1", user=MENTEE, channel=GROUP, message_ts=ts)
    told = h.fake.wait_for("response_url", where=lambda c: "already posted" in text_of(c.params))[
        -1
    ]
    assert "*Now:* plan conversation 2" in text_of(told.params)

    h.settle()
    assert len(h.fake.calls_to("views.open")) == opened  # no modal for a past step
    assert len(card_updates(h, ts)) == 2  # nothing changed, so the card did not either
    session.expire_all()
    held = session.exec(select(MentoringSession)).all()
    assert [s.number for s in held] == [1]


def test_someone_outside_the_pair_is_not_told_the_pairs_next_step(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTEE, channel=GROUP)
    h.settle()
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=STRANGER, channel=GROUP)
    _said(h, "belongs to two other people")
    assert not any("Now:" in text for text in ephemeral_answers(h))


def test_either_of_the_pair_can_log_we_met_before_any_time_was_set(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    ts = card_ts(h)
    welcome = h.fake.messages[(GROUP, ts)]
    assert buttons(welcome)[ActionId.LOG_SESSION] == f"{cid}:1"
    assert "No time set yet" in text_of(welcome)

    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTOR, channel=GROUP, message_ts=ts)
    card = wait_card(h, ts, 1)
    assert primary(card) == (ActionId.OPEN_FOLLOWUP, f"{cid}:1")
    notice = wait_post(h, lambda c: "logged conversation 1 of 3" in text_of(c.params))
    assert not buttons(notice.params)  # words only: the next step's button is on the card
    session.expire_all()
    first = session.exec(select(MentoringSession)).one()
    assert first.held_at is not None and first.scheduled_at is None
    assert session.exec(select(Connection)).all()

    # and again, even before the follow-ups: the mentee logs conversation 2
    assert buttons(card)[ActionId.LOG_SESSION] == f"{cid}:2"
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:2", user=MENTEE, channel=GROUP, message_ts=ts)
    card = wait_card(h, ts, 2)
    assert primary(card) == (ActionId.OPEN_FOLLOWUP, f"{cid}:2")


def test_the_card_is_still_updated_weeks_later_after_the_outbox_forgot_old_messages(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    ts = card_ts(h)
    h.clock.advance(days=30)  # a quiet month: the daily purge forgets what was sent
    assert purge_sent_messages(h.deps.open_session, older_than=h.clock()) > 0

    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTEE, channel=GROUP, message_ts=ts)
    card = wait_card(h, ts, 1)
    assert primary(card) == (ActionId.OPEN_FOLLOWUP, f"{cid}:1")
    notice = wait_post(h, lambda c: "logged conversation 1" in text_of(c.params))
    assert notice.params["channel"] == GROUP  # still in their group DM, not split into DMs


def test_an_old_close_early_button_opens_the_wrap_up_and_once_ended_says_what_to_do_now(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    modal = open_modal(h, ActionId.CLOSE_EARLY, str(cid), user=MENTEE, channel=GROUP)
    assert modal["callback_id"] == CallbackId.WRAP_UP_MODAL
    # a "Close early" modal still open in someone's Slack is submitted under its old name
    reply = h.slack.submit({**modal, "callback_id": CallbackId.CLOSE_EARLY_MODAL}, {}, user=MENTEE)
    assert not reply.body
    h.settle()
    assert _status(session, cid).status == ConversationStatus.CLOSED

    h.slack.action(ActionId.CLOSE_EARLY, str(cid), user=MENTOR, channel=GROUP)
    h.fake.wait_for(
        "response_url",
        where=lambda c: "is closed" in text_of(c.params) and "has ended" in text_of(c.params),
    )
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTEE, channel=GROUP)
    _said(h, "nothing more to do")


def test_someone_outside_the_pair_cannot_log_a_session(harness: Harness, session: Session) -> None:
    h = harness
    cid = _active(h, session)
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=STRANGER, channel=GROUP)
    _said(h, "belongs to two other people")
    h.slack.action(ActionId.WRAP_UP, str(cid), user=STRANGER, channel=GROUP)
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

    # each one's copy of the card is updated in place: now the next conversation
    h.settle()
    for user in (MENTEE, MENTOR):
        (copy,) = h.fake.posted_with_key(f"conversation:{cid}:welcome:dm:{user}")
        assert primary(copy) == (ActionId.OPEN_AGENDA, f"{cid}:2")
        assert len(card_updates(h, copy["ts"])) == 2  # the agenda; the follow-ups (and met)


def test_wrapping_up_when_slack_refuses_one_message_still_asks_both_for_feedback(
    harness: Harness, session: Session
) -> None:
    h = harness
    cid = _active(h, session)
    modal = open_modal(h, ActionId.WRAP_UP, str(cid), user=MENTOR, channel=GROUP)
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


def test_a_mentees_action_shows_done_to_the_mentee_only_and_a_forged_tick_changes_nothing(
    harness: Harness, session: Session
) -> None:
    h = harness
    _active(h, session)
    command_modal(h, "followup", user=MENTEE)
    stored = next(v for v in h.fake.views.values() if v["callback_id"] == "followup_modal")
    h.slack.action(ActionId.ADD_ACTION_ROW, "1", user=MENTEE, view=stored)
    view = h.fake.wait_for("views.update")[-1].params["view"]
    values = followup_values("Record a practice talk")
    second, owner = f"{BlockId.ACTION_TEXT_PREFIX}2", f"{BlockId.ACTION_OWNER_PREFIX}2"
    values[second] = text_input(second, "Send the slides")
    values[owner] = {owner: {"type": "static_select", "selected_option": {"value": "mentor"}}}
    assert not h.slack.submit(view, values, user=MENTEE).body
    shared = wait_post(h, lambda c: "posted the follow-ups" in text_of(c.params))
    assert ActionId.ACTION_DONE not in buttons(shared.params)  # both see it: no Done there
    h.drain()
    h.settle()
    session.expire_all()
    mine = session.exec(select(ActionItem).where(ActionItem.owner == "mentee")).one()
    theirs = session.exec(select(ActionItem).where(ActionItem.owner == "mentor")).one()

    # each Home shows Done on its owner's own action only
    assert all_buttons(_home(h, MENTEE), ActionId.ACTION_DONE) == [str(mine.id)]
    assert all_buttons(_home(h, MENTOR), ActionId.ACTION_DONE) == [str(theirs.id)]

    # a forged tick of the mentee's action by the mentor, from a message or the Home
    h.slack.action(ActionId.ACTION_DONE, str(mine.id), user=MENTOR, channel=GROUP)
    _said(h, f"<@{MENTEE}>'s to tick off")
    home = {"id": "V0HOME001", "type": "home", "blocks": []}
    h.slack.action(ActionId.ACTION_DONE, str(mine.id), user=MENTOR, view=home)
    wait_post(h, lambda c: in_dm(c, MENTOR) and "to tick off" in text_of(c.params))
    h.drain()
    session.expire_all()
    assert session.get(ActionItem, mine.id).done_at is None  # nothing changed

    h.slack.action(ActionId.ACTION_DONE, str(mine.id), user=MENTEE, view=home)
    h.drain()
    session.expire_all()
    item = session.get(ActionItem, mine.id)
    assert item.done_at is not None


def _home(h: Harness, user: str) -> dict[str, Any]:
    """The Home ``user`` sees when they open it now."""

    def theirs(c: Call) -> bool:
        return bool(c.params["user_id"] == user)

    before = len([c for c in h.fake.calls_to("views.publish") if theirs(c)])
    h.slack.home_opened(user)
    calls = h.fake.wait_for("views.publish", before + 1, where=theirs)
    return dict(calls[-1].params["view"])
