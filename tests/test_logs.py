"""Log lines: each names its request or job, JSON on demand, and nothing secret in any.

The app is driven through signed requests with the root logger configured as the CLI
configures it (``bot.logs.configure``) at DEBUG, the most talkative level, writing to a
buffer that is then read line by line.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.ids import ActionId
from bot.logs import configure, mask, working_on
from tests.conftest import Harness
from tests.handlers.journey import (
    MENTEE,
    MENTOR,
    accept,
    card_message,
    directory,
    send_request,
)

SECRET = "zebra-quartz-7741"  # planted in everything a person writes


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The root logger as `mentorbot --log-format json --log-level debug` sets it up."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    levels = {
        name: logging.getLogger(name).level
        for name in ("slack_sdk", "slack_bolt", "urllib3", "sqlalchemy", "alembic")
    }
    buffer = io.StringIO()
    configure(fmt="json", level=logging.DEBUG, stream=buffer)
    yield buffer
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _records(buffer: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line]


def test_a_journey_logged_at_debug_shows_no_private_text_and_no_token(
    harness: Harness, log_lines: io.StringIO
) -> None:
    with harness.deps.open_session() as session:
        directory(session)
    cid = send_request(
        harness, questions=(f"How do I handle {SECRET} at work?", f"Second {SECRET}")
    )
    channel, ts = card_message(harness)
    harness.slack.action(
        ActionId.ASK_MORE_INFO, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )
    accept(harness, cid)
    harness.slack.command(f"met <@{MENTOR}> we talked about {SECRET}", user=MENTEE)
    harness.slack.command(f"find {SECRET}", user=MENTEE)
    harness.settle()

    text = log_lines.getvalue()
    assert text, "the journey logged nothing at DEBUG: the check would prove nothing"
    assert SECRET not in text
    assert "xoxb-test-token" not in text
    assert str(harness.deps.settings.slack_signing_secret) not in text


def test_each_request_logs_under_its_own_work_id(harness: Harness, log_lines: io.StringIO) -> None:
    harness.slack.command("help", user=MENTEE)
    harness.slack.command("no-such-command", user=MENTEE)
    harness.settle()
    records = _records(log_lines)
    assert records and all(
        set(r) >= {"time", "level", "logger", "work_id", "message"} for r in records
    )
    work_ids = {r["work_id"] for r in records if r["work_id"].startswith("req-")}
    assert len(work_ids) >= 2, records


def test_tokens_are_masked_in_messages_and_tracebacks(log_lines: io.StringIO) -> None:
    log = logging.getLogger("mentorbot.test")
    with working_on("job-test-1"):
        log.warning("calling with %s", "xoxb-1234567890-abcdefghij")
        try:
            raise RuntimeError("token xapp-1-A0123-456789-abcdef leaked?")
        except RuntimeError:
            log.exception("failed")
    records = _records(log_lines)
    assert [r["work_id"] for r in records] == ["job-test-1", "job-test-1"]
    text = log_lines.getvalue()
    assert "1234567890-abcdefghij" not in text and "456789-abcdef" not in text
    assert mask("Bearer xoxb-1234567890-abc") == "Bearer xoxb-…"
