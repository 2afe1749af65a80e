"""The whole mentoring journey, end to end, through signed requests and the fake Slack."""

from __future__ import annotations

from datetime import timedelta
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
    STEP_BUTTONS,
    accept,
    agenda_values,
    all_buttons,
    buttons,
    card_ts,
    card_updates,
    command_modal,
    directory,
    dms_to,
    ephemeral_answers,
    followup_values,
    in_dm,
    is_dm,
    open_modal,
    posts_to,
    primary,
    radio,
    request_values,
    send_request,
    text_input,
    text_of,
    wait_card,
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
    assert not all_buttons(followups, ActionId.ACTION_DONE)  # both see it: no Done here

    # the mentor ticks their action off on their Home; the message updates, a second tick
    # is refused
    h.settle()
    ts = next(
        ts
        for (ch, ts), m in h.fake.messages.items()
        if ch == GROUP and m["blocks"] == followups["blocks"]
    )
    mentor_action = session.exec(select(ActionItem).where(ActionItem.owner == "mentor")).one()
    home = {"id": "V0HOME001", "type": "home", "blocks": []}
    h.slack.action(ActionId.ACTION_DONE, str(mentor_action.id), user=MENTOR, view=home)
    h.fake.wait_for("chat.update", where=lambda c: c.params.get("ts") == ts)
    assert "~Share slides~" in text_of(h.fake.messages[(GROUP, ts)])
    h.slack.action(ActionId.ACTION_DONE, str(mentor_action.id), user=MENTOR, channel=GROUP)
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
    assert _conversation(session).status == ConversationStatus.CLOSED
    prompts = h.fake.wait_for(
        "chat.postMessage",
        2,
        where=lambda c: ActionId.OPEN_SUNSET in buttons(c.params),
    )
    assert all("last conversation" in text_of(p.params) for p in prompts)
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


def test_the_pairs_card_is_updated_in_place_with_the_next_step_through_three_conversations(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    welcome = accept(h, cid)
    ts = card_ts(h)
    h.settle()
    assert primary(welcome.params) == (ActionId.OPEN_AGENDA, f"{cid}:1")  # set a time
    assert {ActionId.LOG_SESSION, ActionId.WRAP_UP} <= set(buttons(welcome.params))
    updates = 0

    def next_card(expected: tuple[str, str] | None) -> dict[str, Any]:
        """The card's next update (of the welcome's ts), with ``expected`` as its primary."""
        nonlocal updates
        updates += 1
        card = wait_card(h, ts, updates)
        assert card["channel"] == GROUP
        assert primary(card) == expected, text_of(card)
        assert h.fake.messages[(GROUP, ts)]["blocks"] == card["blocks"]
        return card

    for number in (1, 2, 3):
        step = f"{cid}:{number}"
        # set a time (and the agenda) from the card: its primary becomes "We met"
        agenda = open_modal(h, ActionId.OPEN_AGENDA, step, user=MENTEE, channel=GROUP)
        day = f"{h.clock() + timedelta(days=2):%Y-%m-%d}"
        reply = h.slack.submit(agenda, agenda_values(QUESTIONS[0], day, "15:00"), user=MENTEE)
        assert not reply.body, reply.body
        card = next_card((ActionId.LOG_SESSION, step))
        assert f"Agenda for conversation {number} of 3" in text_of(card)

        # we met: the follow-ups are next (after the last one, the pair has ended)
        h.clock.advance(days=7)
        h.settle()
        posted = len(h.fake.calls_to("chat.postMessage"))
        h.slack.action(ActionId.LOG_SESSION, step, user=MENTOR, channel=GROUP, message_ts=ts)
        card = next_card((ActionId.OPEN_FOLLOWUP, step))
        if number < 3:
            assert ActionId.WRAP_UP in buttons(card)
        else:
            assert set(buttons(card)) == {ActionId.OPEN_FOLLOWUP}  # ended: nothing else
            h.drain()
            h.settle()
            ending = h.fake.calls_to("chat.postMessage")[posted:]  # one message each
            assert len(ending) == 2
            assert any(in_dm(c, MENTEE) for c in ending) and any(in_dm(c, MENTOR) for c in ending)
            assert all(ActionId.OPEN_SUNSET in buttons(c.params) for c in ending)

        # the follow-ups: then the next conversation, or wrap up
        followup = open_modal(h, ActionId.OPEN_FOLLOWUP, step, user=MENTEE, channel=GROUP)
        reply = h.slack.submit(followup, followup_values(f"Practise step {number}"), user=MENTEE)
        assert not reply.body, reply.body
        if number < 3:
            card = next_card((ActionId.OPEN_AGENDA, f"{cid}:{number + 1}"))
            assert f"Plan conversation {number + 1}" in text_of(card)
            assert ActionId.WRAP_UP in buttons(card)
        else:
            card = next_card(None)
            assert not buttons(card) and "Ended after 3 conversations" in text_of(card)

    h.settle()
    assert len(card_updates(h, ts)) == updates == 9
    group = posts_to(h, GROUP)
    assert group[0].params["blocks"] == welcome.params["blocks"]
    for later in group[1:]:  # nothing below the card keeps a next-step button
        assert not set(buttons(later.params)) & set(STEP_BUTTONS), text_of(later.params)
    # the ending: one message each, with the private questions
    for user in (MENTEE, MENTOR):
        endings = [c for c in dms_to(h, user) if ActionId.OPEN_SUNSET in buttons(c.params)]
        assert len(endings) == 1
