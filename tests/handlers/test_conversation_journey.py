"""The whole mentoring journey, end to end, through signed requests and the fake Slack."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from bot.ids import ActionId, BlockId
from storage.models import (
    ActionItem,
    Connection,
    Conversation,
    ConversationStatus,
    MentoringSession,
    Rating,
)
from tests.conftest import Harness
from tests.handlers.journey import (
    GROUP,
    MENTEE,
    MENTOR,
    QUESTIONS,
    all_buttons,
    buttons,
    command_modal,
    directory,
    ephemeral_answers,
    in_dm,
    is_dm,
    open_modal,
    posts_to,
    radio,
    request_values,
    text_input,
    text_of,
    wait_post,
)


def _followup_values(
    outcomes: dict[int, str], actions: list[tuple[str, str, str | None]]
) -> dict[str, dict[str, dict[str, Any]]]:
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for position, outcome in outcomes.items():
        values[f"{BlockId.OUTCOME_PREFIX}{position}"] = radio(
            f"{BlockId.OUTCOME_PREFIX}{position}", outcome
        )
    for row, (text, owner, due) in enumerate(actions, 1):
        values[f"{BlockId.ACTION_TEXT_PREFIX}{row}"] = text_input(
            f"{BlockId.ACTION_TEXT_PREFIX}{row}", text
        )
        values[f"{BlockId.ACTION_OWNER_PREFIX}{row}"] = {
            f"{BlockId.ACTION_OWNER_PREFIX}{row}": {
                "type": "static_select",
                "selected_option": {"value": owner},
            }
        }
        values[f"{BlockId.ACTION_DUE_PREFIX}{row}"] = {
            f"{BlockId.ACTION_DUE_PREFIX}{row}": {"type": "datepicker", "selected_date": due}
        }
    return values


def _group_posts(h: Harness, count: int, containing: str) -> dict[str, Any]:
    call = wait_post(
        h,
        lambda c: c.params.get("channel") == GROUP and containing in text_of(c.params),
        count,
    )
    return dict(call.params)


def _conversation(session: Session) -> Conversation:
    session.expire_all()
    return session.exec(select(Conversation)).one()


def test_a_mentee_finds_asks_meets_three_times_and_both_keep_the_door_open(
    harness: Harness, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    directory(session)

    # find → "Request a conversation"
    h.slack.command("find public speaking", user=MENTEE)
    results = h.fake.last("response_url").params
    request_value = next(
        v for v in all_buttons(results, ActionId.REQUEST_CONVERSATION) if v.startswith(MENTOR)
    )
    view = open_modal(h, ActionId.REQUEST_CONVERSATION, request_value, user=MENTEE)
    assert view["callback_id"] == "request_modal"
    assert "specific questions" in text_of(view)

    # the modal refuses too few, too many and too short questions
    for bad, why in (
        (QUESTIONS[0], "two or three"),
        (
            "\n".join([*QUESTIONS, "And a third good question?", "And a fourth one, too?"]),
            "at most",
        ),
        (f"{QUESTIONS[0]}\nWhy?", "too short"),
    ):
        reply = h.slack.submit(view, request_values(bad), user=MENTEE)
        assert reply.json["response_action"] == "errors"
        assert why in reply.json["errors"][BlockId.REQUEST_QUESTIONS]
    assert _count(session) == 0

    # a good request reaches the mentor with its questions and four buttons
    reply = h.slack.submit(view, request_values("\n".join(QUESTIONS)), user=MENTEE)
    assert reply.status == 200 and not reply.body
    card = wait_post(h, lambda c: ActionId.ACCEPT_REQUEST in buttons(c.params)).params
    assert is_dm(card["channel"], MENTOR)
    assert QUESTIONS[0] in text_of(card)
    assert set(buttons(card)) >= {
        ActionId.ACCEPT_REQUEST,
        ActionId.ASK_MORE_INFO,
        ActionId.PASS_REQUEST,
        ActionId.DECLINE_REQUEST,
    }
    cid = int(buttons(card)[ActionId.ACCEPT_REQUEST])
    sent = wait_post(h, lambda c: "is sent" in text_of(c.params)).params
    assert is_dm(sent["channel"], MENTEE)

    # the mentor accepts: a group DM with the agenda, and the card loses its buttons
    card_ts = next(ts for (ch, ts) in h.fake.messages if is_dm(ch, MENTOR))
    h.slack.action(
        ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=card["channel"], message_ts=card_ts
    )
    opened = h.fake.wait_for(
        "conversations.open", where=lambda c: "," in str(c.params.get("users"))
    )
    assert set(str(opened[-1].params["users"]).split(",")) == {MENTEE, MENTOR}
    welcome = _group_posts(h, 1, "Agenda for conversation 1")
    assert QUESTIONS[1] in text_of(welcome)
    update = h.fake.last("chat.update").params
    assert update["ts"] == card_ts and ActionId.ACCEPT_REQUEST not in buttons(update)
    assert _conversation(session).status == ConversationStatus.ACTIVE

    # a double click on Accept changes nothing and says so
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=card["channel"])
    h.fake.wait_for("response_url", where=lambda c: "already accepted" in text_of(c.params))

    # the mentee schedules session 1 with /mentor agenda
    agenda_view = command_modal(h, "agenda", user=MENTEE)
    assert QUESTIONS[0] in text_of(agenda_view) or QUESTIONS[0] in str(agenda_view)
    reply = h.slack.submit(
        agenda_view,
        {
            **{
                BlockId.AGENDA_QUESTIONS: text_input(BlockId.AGENDA_QUESTIONS, "\n".join(QUESTIONS))
            },
            BlockId.SESSION_DATE: {
                BlockId.SESSION_DATE: {"type": "datepicker", "selected_date": "2026-11-26"}
            },
            BlockId.SESSION_TIME: {
                BlockId.SESSION_TIME: {"type": "timepicker", "selected_time": "14:30"}
            },
        },
        user=MENTEE,
    )
    assert not reply.body
    _group_posts(h, 1, "posted the agenda for conversation 1")
    first = session.exec(select(MentoringSession)).one()
    session.refresh(first)
    assert first.scheduled_at is not None and first.scheduled_at.hour == 14  # London = UTC

    # session 1: the mentor logs "we met"; a second click is refused
    h.clock.advance(days=3)
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTOR, channel=GROUP)
    _group_posts(h, 1, "logged conversation 1 of 3")
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:1", user=MENTOR, channel=GROUP)
    h.fake.wait_for("response_url", where=lambda c: "already logged" in text_of(c.params))
    assert len(posts_to(h, GROUP)) == 3
    assert session.exec(select(Connection)).all(), "a held session is a connection"

    # the mentee posts the follow-ups: q1 answered, q2 not yet; two actions
    followup_view = command_modal(h, "followup", user=MENTEE)
    assert QUESTIONS[1] in text_of(followup_view)
    # it starts with one action row; a second one is added on demand
    stored = next(v for v in h.fake.views.values() if v["callback_id"] == "followup_modal")
    h.slack.action(ActionId.ADD_ACTION_ROW, "1", user=MENTEE, view=stored)
    followup_view = h.fake.wait_for("views.update")[-1].params["view"]
    reply = h.slack.submit(
        followup_view,
        _followup_values(
            {1: "answered", 2: "not_yet"},
            [("Rehearse the talk twice", "mentee", "2026-12-01"), ("Share slides", "mentor", None)],
        ),
        user=MENTEE,
    )
    assert not reply.body, reply.body
    followups = _group_posts(h, 1, "posted the follow-ups of conversation 1")
    assert "Rehearse the talk twice" in text_of(followups)
    done_values = all_buttons(followups, ActionId.ACTION_DONE)
    assert len(done_values) == 2

    # the mentor ticks their action off; the message updates, a second tick is refused
    h.settle()
    ts = next(
        ts
        for (ch, ts), m in h.fake.messages.items()
        if ch == GROUP and m["blocks"] == followups["blocks"]
    )
    h.slack.action(ActionId.ACTION_DONE, done_values[1], user=MENTOR, channel=GROUP, message_ts=ts)
    h.fake.wait_for("chat.update", where=lambda c: c.params.get("ts") == ts)
    assert len(all_buttons(h.fake.messages[(GROUP, ts)], ActionId.ACTION_DONE)) == 1
    h.slack.action(ActionId.ACTION_DONE, done_values[1], user=MENTOR, channel=GROUP)
    h.fake.wait_for("response_url", where=lambda c: "already ticked" in text_of(c.params))
    session.expire_all()
    assert [a.done_at is not None for a in session.exec(select(ActionItem)).all()] == [False, True]

    # session 2: the unanswered question carries over as the default agenda
    agenda_view = command_modal(h, "agenda", user=MENTEE)
    initial = agenda_view["blocks"][1]["element"]["initial_value"]
    assert initial == QUESTIONS[1]
    h.slack.submit(
        agenda_view,
        {BlockId.AGENDA_QUESTIONS: text_input(BlockId.AGENDA_QUESTIONS, initial)},
        user=MENTEE,
    )
    _group_posts(h, 1, "posted the agenda for conversation 2")
    h.clock.advance(days=7)
    h.slack.action(ActionId.LOG_SESSION, f"{cid}:2", user=MENTEE, channel=GROUP)
    _group_posts(h, 1, "logged conversation 2 of 3")
    followup_view = command_modal(h, "followup", user=MENTEE)
    h.slack.submit(
        followup_view,
        _followup_values({1: "partly"}, [("Try the opening on the team", "mentee", None)]),
        user=MENTEE,
    )
    _group_posts(h, 1, "posted the follow-ups of conversation 2")

    # session 3, logged through /mentor followup: the last one, so the sunset follows
    h.clock.advance(days=7)
    followup_view = command_modal(h, "followup", user=MENTEE)
    assert "Conversation 3" in text_of(followup_view)
    reply = h.slack.submit(
        followup_view,
        _followup_values({1: "answered"}, [("Give the talk", "mentee", None)]),
        user=MENTEE,
    )
    assert not reply.body, reply.body
    _group_posts(h, 1, "last conversation")
    assert _conversation(session).status == ConversationStatus.CLOSED
    prompts = h.fake.wait_for(
        "chat.postMessage",
        2,
        where=lambda c: ActionId.OPEN_SUNSET in buttons(c.params),
    )
    assert all(in_dm(p, MENTEE) or in_dm(p, MENTOR) for p in prompts)
    assert any(in_dm(p, MENTEE) for p in prompts) and any(in_dm(p, MENTOR) for p in prompts)

    # both keep the door open; ratings are stored privately
    for user, score in ((MENTEE, "5"), (MENTOR, "4")):
        sunset = open_modal(h, ActionId.OPEN_SUNSET, str(cid), user=user)
        reply = h.slack.submit(
            sunset,
            {
                BlockId.KEEP_OPEN: radio(BlockId.KEEP_OPEN, "yes"),
                BlockId.USEFULNESS: radio(BlockId.USEFULNESS, score),
                BlockId.COMMENT: text_input(BlockId.COMMENT, "Thank you!"),
            },
            user=user,
        )
        assert not reply.body
    h.fake.wait_for("chat.postMessage", 2, where=lambda c: "on call" in text_of(c.params))
    conversation = _conversation(session)
    assert conversation.on_call
    ratings = session.exec(select(Rating)).all()
    assert sorted(r.usefulness for r in ratings) == [4, 5]
    assert all(r.keep_open for r in ratings)

    # answering twice is refused
    h.slack.action(ActionId.OPEN_SUNSET, str(cid), user=MENTEE, channel="D0AL0000")
    h.fake.wait_for("response_url", where=lambda c: "already answered" in text_of(c.params))
    assert all("Thank you!" not in text for text in ephemeral_answers(h))

    # privacy: no question, action or comment ever reached the logs
    for secret in (*QUESTIONS, "Rehearse the talk twice", "Thank you!"):
        assert secret not in caplog.text


def _count(session: Session) -> int:
    session.expire_all()
    return len(session.exec(select(Conversation)).all())
