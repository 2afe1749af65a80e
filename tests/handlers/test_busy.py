"""A database another process keeps locked: a kind "busy, try again" within Slack's three
seconds, nothing changed, and the same action goes through once the lock is gone."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlmodel import Session, select

from bot.ids import ActionId, request_button_value
from storage.models import Conversation, ConversationStatus, OutboxMessage
from tests.conftest import Harness
from tests.handlers.journey import (
    MENTEE,
    MENTOR,
    card_message,
    directory,
    open_modal,
    request_values,
    send_request,
    text_of,
)

BUSY_WORDS = "busy for a moment"


@contextmanager
def locked_by_another_process(h: Harness) -> Iterator[None]:
    """SQLite's write lock held by another connection, as another process would hold it."""
    if h.deps.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    database = h.deps.engine.url.database
    assert database
    other = sqlite3.connect(database, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
    finally:
        other.rollback()
        other.close()


def _conversations(session: Session) -> list[tuple[int | None, str]]:
    session.expire_all()
    return [(c.id, c.status) for c in session.exec(select(Conversation)).all()]


def test_a_request_sent_while_the_database_is_locked_is_answered_busy_in_time(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    view = open_modal(
        h,
        ActionId.REQUEST_CONVERSATION,
        request_button_value(MENTOR, "public speaking"),
        user=MENTEE,
    )
    values = request_values("How do I open a talk?\nHow long should slides be?")
    posts = len(h.fake.calls_to("chat.postMessage"))

    with locked_by_another_process(h):
        started = time.monotonic()
        reply = h.slack.submit(view, values, user=MENTEE)
        took = time.monotonic() - started

    assert took < 3.0
    assert reply.status == 200 and reply.json["response_action"] == "update"
    assert BUSY_WORDS in text_of(reply.json["view"])
    assert _conversations(session) == []  # nothing changed
    assert session.exec(select(OutboxMessage)).all() == []
    h.drain()
    assert len(h.fake.calls_to("chat.postMessage")) == posts

    reply = h.slack.submit(view, values, user=MENTEE)  # the lock is gone: it goes through
    assert reply.status == 200 and not reply.body
    assert [status for _, status in _conversations(session)] == [ConversationStatus.REQUESTED]


def test_a_click_while_the_database_is_locked_is_answered_busy_and_changes_nothing(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    h.drain()
    h.settle()

    with locked_by_another_process(h):
        started = time.monotonic()
        reply = h.slack.action(
            ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts
        )
        assert reply.status == 200 and time.monotonic() - started < 3.0  # acked at once
        told = h.fake.wait_for(
            "response_url", where=lambda c: BUSY_WORDS in text_of(c.params), timeout=10
        )[-1]
    assert told.params.get("response_type") == "ephemeral"
    assert _conversations(session) == [(cid, ConversationStatus.REQUESTED)]

    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts)
    h.drain()
    assert _conversations(session) == [(cid, ConversationStatus.ACTIVE)]
