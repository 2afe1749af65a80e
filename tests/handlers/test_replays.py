"""Retries and replays change nothing: the same command, click or submission twice counts once.

A replay here is the very body Slack sent, sent again (freshly signed, as within Slack's five
minutes); a retry adds Slack's ``X-Slack-Retry-*`` headers.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.blocks.find import topic_action_id
from bot.slack import build_client
from handlers import jobs
from storage.models import (
    ProcessedEvent,
    TopicDemand,
)
from tests.conftest import Harness
from tests.handlers.journey import (
    MENTEE,
    directory,
    posts_to,
    text_of,
)
from tests.slackhttp import Reply

NOBODY_OFFERS = "underwater basket weaving"
SKIPPED = "Skipped a repeated"


def _count(session: Session, model: Any) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model)).one())


def _dms_to(h: Harness, user: str, words: str) -> int:
    return sum(words in text_of(c.params) for c in posts_to(h, "D" + user[1:4]))


def _answered_as_saved(reply: Reply) -> None:
    """What Slack gets for a saved submission: an empty 200 (the modal closes)."""
    assert reply.status == 200 and reply.body == "", reply.body


def _skipped(h: Harness, caplog: pytest.LogCaptureFixture, count: int) -> None:
    """Wait until ``count`` deliveries were skipped as repeats (then nothing more can follow)."""
    deadline = time.monotonic() + 5
    while sum(r.getMessage().startswith(SKIPPED) for r in caplog.records) < count:
        assert time.monotonic() < deadline, f"fewer than {count} repeats were skipped"
        time.sleep(0.02)
    h.fake.settle(quiet=0.1)


def _demand(session: Session) -> tuple[int, int]:
    session.expire_all()
    row = session.exec(select(TopicDemand).where(TopicDemand.key == NOBODY_OFFERS)).one()
    return row.searches, row.unmatched


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
