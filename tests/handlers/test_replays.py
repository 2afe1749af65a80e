"""Retries and replays change nothing: the same command, click or submission twice counts once.

A replay here is the very body Slack sent, sent again (freshly signed, as within Slack's five
minutes); a retry adds Slack's ``X-Slack-Retry-*`` headers.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.blocks.find import topic_action_id
from bot.ids import ActionId, BlockId, CallbackId, request_button_value
from bot.slack import build_client
from handlers import jobs
from storage.models import (
    ActionItem,
    AgendaItem,
    Conversation,
    ConversationStatus,
    MentoringSession,
    MentorOffer,
    ProcessedEvent,
    Rating,
    TopicDemand,
)
from tests.conftest import Harness
from tests.handlers.journey import (
    GROUP,
    MENTEE,
    MENTOR,
    QUESTIONS,
    accept,
    buttons,
    card_calls,
    card_message,
    directory,
    dms_to,
    is_dm,
    open_modal,
    posts_to,
    radio,
    request_values,
    send_request,
    text_input,
    text_of,
    wait_post,
)
from tests.slackhttp import Reply

NOBODY_OFFERS = "underwater basket weaving"
SKIPPED = "Skipped a repeated"


def _count(session: Session, model: Any) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model)).one())


def _dms_to(h: Harness, user: str, words: str) -> int:
    return sum(words in text_of(c.params) for c in dms_to(h, user))


def _answered_as_saved(reply: Reply) -> None:
    """What Slack gets for a saved submission: an empty 200 (the modal closes)."""
    assert reply.status == 200 and reply.body == "", reply.body


def _skipped(h: Harness, caplog: pytest.LogCaptureFixture, count: int) -> None:
    """Wait until ``count`` deliveries were skipped as repeats (then nothing more can follow)."""
    deadline = time.monotonic() + 5
    while sum(r.getMessage().startswith(SKIPPED) for r in caplog.records) < count:
        assert time.monotonic() < deadline, f"fewer than {count} repeats were skipped"
        time.sleep(0.02)
    h.settle()


def _demand(session: Session) -> tuple[int, int]:
    session.expire_all()
    row = session.exec(select(TopicDemand).where(TopicDemand.key == NOBODY_OFFERS)).one()
    return row.searches, row.unmatched


def test_a_request_replayed_after_the_mentor_declined_creates_nothing_and_is_answered_as_sent(
    harness: Harness, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    directory(session)
    opened = open_modal(
        h,
        ActionId.REQUEST_CONVERSATION,
        request_button_value(MENTOR, "public speaking"),
        user=MENTEE,
    )
    view = {**opened, "id": "V0REQUEST1"}  # the modal Slack opened: one ID for its life
    # Refused on its fields first: the corrected submission of the same modal still goes.
    refused = h.slack.submit(view, request_values(QUESTIONS[0]), user=MENTEE)
    assert refused.json["response_action"] == "errors"
    sent = h.slack.submit(view, request_values("\n".join(QUESTIONS)), user=MENTEE)
    _answered_as_saved(sent)
    wait_post(h, lambda c: ActionId.ACCEPT_REQUEST in buttons(c.params))
    wait_post(h, lambda c: "is sent" in text_of(c.params))
    h.settle()
    (cid,) = [c.id for c in session.exec(select(Conversation)).all()]

    channel, ts = card_message(h)
    modal = open_modal(
        h, ActionId.DECLINE_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )
    declined = h.slack.submit(
        {**modal, "id": "V0DECLINE1"},
        {BlockId.DECLINE_REASON: text_input(BlockId.DECLINE_REASON, "Out until January")},
        user=MENTOR,
    )
    _answered_as_saved(declined)
    wait_post(h, lambda c: "can't take your request" in text_of(c.params))
    h.settle()
    cards, posts = len(card_calls(h)), len(h.fake.calls_to("chat.postMessage"))

    _answered_as_saved(h.slack.replay(sent))
    _answered_as_saved(h.slack.replay(sent, retry_num=1))
    # The decline replayed: answered as declined, never "Nothing changed".
    _answered_as_saved(h.slack.replay(declined))
    _skipped(h, caplog, 3)
    assert _count(session, Conversation) == 1
    assert session.get(Conversation, cid).status == ConversationStatus.DECLINED  # type: ignore[union-attr]
    assert len(card_calls(h)) == cards
    assert len(h.fake.calls_to("chat.postMessage")) == posts
    assert _dms_to(h, MENTEE, "can't take your request") == 1


def _followup_values(action: str) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        f"{BlockId.OUTCOME_PREFIX}1": radio(f"{BlockId.OUTCOME_PREFIX}1", "answered"),
        f"{BlockId.ACTION_TEXT_PREFIX}1": text_input(f"{BlockId.ACTION_TEXT_PREFIX}1", action),
    }


def test_replayed_agenda_follow_ups_closing_and_rating_are_answered_as_saved_and_change_nothing(
    harness: Harness, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    accept(h, cid)
    h.settle()

    agenda = open_modal(h, ActionId.OPEN_AGENDA, str(cid), user=MENTEE, channel=GROUP)
    posted = h.slack.submit(
        {**agenda, "id": "V0AGENDA01"},
        {BlockId.AGENDA_QUESTIONS: text_input(BlockId.AGENDA_QUESTIONS, "\n".join(QUESTIONS))},
        user=MENTEE,
    )
    _answered_as_saved(posted)
    wait_post(h, lambda c: "posted the agenda" in text_of(c.params))

    followup = open_modal(h, ActionId.OPEN_FOLLOWUP, str(cid), user=MENTEE, channel=GROUP)
    followed = h.slack.submit(
        {**followup, "id": "V0FOLLOW01"}, _followup_values("Rehearse twice"), user=MENTEE
    )
    _answered_as_saved(followed)
    wait_post(h, lambda c: "posted the follow-ups" in text_of(c.params))
    h.settle()
    group_posts = len(posts_to(h, GROUP))

    # Replays after the state moved on: no second agenda, session or action; no "already posted".
    _answered_as_saved(h.slack.replay(posted))
    _answered_as_saved(h.slack.replay(followed))
    _answered_as_saved(h.slack.replay(followed, retry_num=1))
    _skipped(h, caplog, 3)
    assert len(posts_to(h, GROUP)) == group_posts
    assert _count(session, MentoringSession) == 1
    assert _count(session, AgendaItem) == len(QUESTIONS)
    assert _count(session, ActionItem) == 1

    close = open_modal(h, ActionId.CLOSE_EARLY, str(cid), user=MENTOR, channel=GROUP)
    closed = h.slack.submit(
        {**close, "id": "V0CLOSE001"},
        {BlockId.CLOSE_NOTE: text_input(BlockId.CLOSE_NOTE, "Changing teams")},
        user=MENTOR,
    )
    _answered_as_saved(closed)
    h.fake.wait_for(
        "chat.postMessage", 2, where=lambda c: ActionId.OPEN_SUNSET in buttons(c.params)
    )
    sunset = open_modal(h, ActionId.OPEN_SUNSET, str(cid), user=MENTEE)
    rated = h.slack.submit(
        {**sunset, "id": "V0SUNSET01"},
        {
            BlockId.KEEP_OPEN: radio(BlockId.KEEP_OPEN, "yes"),
            BlockId.USEFULNESS: radio(BlockId.USEFULNESS, "5"),
            BlockId.COMMENT: text_input(BlockId.COMMENT, "Thanks"),
        },
        user=MENTEE,
    )
    _answered_as_saved(rated)
    wait_post(h, lambda c: "your answers stay private" in text_of(c.params))
    h.settle()
    posts = len(h.fake.calls_to("chat.postMessage"))

    _answered_as_saved(h.slack.replay(closed))
    _answered_as_saved(h.slack.replay(rated))
    _skipped(h, caplog, 5)
    assert len(h.fake.calls_to("chat.postMessage")) == posts
    assert _count(session, Rating) == 1
    assert _dms_to(h, MENTEE, "your answers stay private") == 1


def _offer_values(topic_id: str) -> dict[str, dict[str, dict[str, Any]]]:
    def one(block: str, value: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {block: {block: value}}

    return {
        **one(
            BlockId.OFFER_TOPICS,
            {"type": "multi_static_select", "selected_options": [{"value": topic_id}]},
        ),
        **one(BlockId.OFFER_NEW_TOPICS, {"type": "plain_text_input", "value": None}),
        **one(BlockId.OFFER_HELP_WITH, {"type": "plain_text_input", "value": None}),
        **one(BlockId.OFFER_OUT_OF_SCOPE, {"type": "plain_text_input", "value": None}),
        **one(BlockId.OFFER_CAPACITY, {"type": "number_input", "value": "2"}),
        **one(BlockId.OFFER_REVERSE, {"type": "checkboxes", "selected_options": []}),
        **one(BlockId.OFFER_PAUSED_UNTIL, {"type": "datepicker", "selected_date": None}),
    }


def test_a_replayed_offer_is_saved_and_confirmed_once(
    harness: Harness, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    directory(session)
    before = h.fake.calls_to("views.open")
    h.slack.command("offer", user=MENTEE)
    view = dict(h.fake.wait_for("views.open", len(before) + 1)[-1].params["view"])
    assert view["callback_id"] == CallbackId.OFFER_MODAL
    options = next(b for b in view["blocks"] if b.get("block_id") == BlockId.OFFER_TOPICS)
    topic_id = options["element"]["options"][0]["value"]
    offers = _count(session, MentorOffer)
    saved = h.slack.submit({**view, "id": "V0OFFER001"}, _offer_values(topic_id), user=MENTEE)
    _answered_as_saved(saved)
    wait_post(h, lambda c: is_dm(str(c.params["channel"]), MENTEE))
    h.settle()
    posts = len(h.fake.calls_to("chat.postMessage"))

    _answered_as_saved(h.slack.replay(saved))
    _skipped(h, caplog, 1)
    assert len(h.fake.calls_to("chat.postMessage")) == posts
    assert _count(session, MentorOffer) == offers + 1


def test_a_retried_slash_command_answers_once_and_counts_demand_once(
    harness: Harness, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    directory(session)
    first = h.slack.command(f"find {NOBODY_OFFERS}", user=MENTEE)
    assert first.status == 200
    h.fake.wait_for("response_url")
    assert _demand(session) == (1, 1)

    for again in (h.slack.replay(first), h.slack.replay(first, retry_num=1)):
        assert again.status == 200 and again.body == ""
    _skipped(h, caplog, 2)
    assert len(h.fake.calls_to("response_url")) == 1
    assert _demand(session) == (1, 1)

    # Another search of the same words is a new command: it counts.
    h.slack.command(f"find {NOBODY_OFFERS}", user=MENTEE)
    h.fake.wait_for("response_url", 2)
    assert _demand(session) == (2, 2)


def test_a_replayed_click_does_its_work_once(
    harness: Harness, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    directory(session)
    clicked = h.slack.action(topic_action_id(1), NOBODY_OFFERS, user=MENTEE)
    h.fake.wait_for("response_url")
    _answered_as_saved(h.slack.replay(clicked))
    _answered_as_saved(h.slack.replay(clicked, retry_num=1))
    _skipped(h, caplog, 2)
    assert len(h.fake.calls_to("response_url")) == 1
    assert _demand(session) == (1, 1)


def test_a_replayed_search_from_the_home_tab_answers_and_counts_once(
    harness: Harness, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    directory(session)
    home = {"id": "V0HOME001", "type": "home", "blocks": []}
    before = len(h.fake.calls_to("views.open"))
    h.slack.action(ActionId.HOME_FIND_MENTOR, "find", view=home, user=MENTEE)
    modal = dict(h.fake.wait_for("views.open", before + 1)[-1].params["view"])
    searched = h.slack.submit(
        {**modal, "id": "V0FIND0001"},
        {BlockId.HOME_FIND_TOPIC: {ActionId.HOME_FIND_TOPIC_INPUT: {"value": NOBODY_OFFERS}}},
        user=MENTEE,
    )
    # The answer is the modal itself; a replay gets it again and counts nothing more.
    assert searched.json["response_action"] == "update"
    assert "Nobody offers" in json.dumps(searched.json["view"])
    replayed = h.slack.replay(searched)
    assert replayed.json == searched.json
    assert _dms_to(h, MENTEE, "Nobody offers") == 0
    assert _demand(session) == (1, 1)


def test_claimed_deliveries_are_forgotten_by_housekeeping_after_a_week(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    h.slack.command("help", user=MENTEE)
    h.fake.wait_for("response_url")
    h.clock.advance(days=8)
    h.slack.command("help", user=MENTEE)
    h.fake.wait_for("response_url", 2)
    assert _count(session, ProcessedEvent) == 2

    jobs.install(h.deps, build_client(h.deps.settings))
    jobs.purge_events()
    assert _count(session, ProcessedEvent) == 1
