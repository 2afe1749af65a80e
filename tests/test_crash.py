"""The bot killed with SIGKILL mid-work, as a real process: after a restart every message
owed arrives exactly once.

(a) killed after the click's ack and commit, before the message went to Slack;
(b) killed after Slack posted the message, before the bot recorded it as sent.

The bot runs as in production (`mentorbot run --http`, gunicorn); the fake Slack holds
one call so that the kill lands exactly between the two steps.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.clock import utc_now
from bot.context import Deps
from bot.ids import ActionId
from storage.db import make_engine, session_factory
from storage.models import OutboxMessage, OutboxStatus
from tests.conftest import SIGNING_SECRET, FakeClock, Harness, TrackingExecutor, make_settings
from tests.fakeslack import Call, FakeSlack
from tests.handlers.journey import MENTOR, card_message, directory, send_request
from tests.processes import mentorbot
from tests.slackhttp import SlackSender
from tests.test_cli_run import _env, _free_port, _wait_healthy


@dataclass
class Bot:
    url: str
    process: subprocess.Popen[str]

    def kill(self) -> None:
        """SIGKILL the bot and every process it started (gunicorn's workers, the scheduler)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_bot(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[object]:
    started: list[Bot] = []

    def start(*, scheduler: bool) -> Bot:
        port = _free_port()
        flags = [] if scheduler else ["--no-scheduler"]
        process = subprocess.Popen(
            [*mentorbot(), "run", "--http", "--port", str(port), "--workers", "1", *flags],
            cwd=tmp_path,
            env=_env(fake_slack, tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # its own process group: killed together
        )
        bot = Bot(f"http://127.0.0.1:{port}", process)
        started.append(bot)
        _wait_healthy(bot.url, process)
        return bot

    yield start
    for bot in started:
        bot.stop()


def _harness(bot: Bot, fake: FakeSlack, tmp_path: Path) -> Harness:
    """The test's view of the bot: signed requests to it, its database file."""
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    settings = make_settings(fake, f"sqlite:///{tmp_path / 'bot.db'}")
    deps = Deps(
        settings=settings, engine=engine, open_session=session_factory(engine), clock=utc_now
    )
    slack = SlackSender(bot.url, SIGNING_SECRET, fake)
    return Harness(slack, fake, deps, FakeClock(), bot.url, TrackingExecutor())


def _outbox(h: Harness) -> dict[str, OutboxMessage]:
    with Session(h.deps.engine) as session:
        return {r.key: r for r in session.exec(select(OutboxMessage)).all()}


def _accept_while(h: Harness, held: str) -> tuple[int, str]:
    """A request sent and delivered; the mentor accepts while Slack holds ``held``."""
    with Session(h.deps.engine) as session:
        directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    h.fake.hold(held)
    reply = h.slack.action(
        ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )
    assert reply.status == 200  # acknowledged: the accept is committed

    def the_welcome(call: Call) -> bool:
        if held == "conversations.open":  # the pair's group DM, opened before the post
            return "," in str(call.params.get("users"))
        key = (call.params.get("metadata") or {}).get("event_payload", {}).get("key")
        return bool(key == f"conversation:{cid}:welcome")

    h.fake.wait_for(held, where=the_welcome, timeout=30)
    return cid, ts


@pytest.mark.parametrize(
    "held",
    [
        pytest.param("conversations.open", id="a-killed-before-sending"),
        pytest.param("chat.postMessage", id="b-killed-after-slack-posted"),
    ],
)
def test_a_bot_killed_mid_delivery_delivers_everything_exactly_once_after_a_restart(
    start_bot: object, fake_slack: FakeSlack, tmp_path: Path, held: str
) -> None:
    first = start_bot(scheduler=False)  # type: ignore[operator]
    h = _harness(first, fake_slack, tmp_path)
    cid, card_ts = _accept_while(h, held)
    welcome = f"conversation:{cid}:welcome"

    first.kill()
    fake_slack.release()
    assert _outbox(h)[welcome].status == OutboxStatus.SENDING  # claimed, never recorded
    posted_before = len(fake_slack.posted_with_key(welcome))
    assert posted_before == (1 if held == "chat.postMessage" else 0)

    start_bot(scheduler=True)  # type: ignore[operator]
    fake_slack.wait_for("chat.update", where=lambda c: c.params.get("ts") == card_ts, timeout=60)
    rows = _outbox(h)
    for _ in range(300):  # what the restarted bot finishes: the welcome, the Homes
        rows = _outbox(h)
        if all(r.status == OutboxStatus.SENT for r in rows.values()):
            break
        fake_slack.settle(quiet=0.1, timeout=1)
    assert {k: r.status for k, r in rows.items() if r.status != OutboxStatus.SENT} == {}
    (message,) = fake_slack.posted_with_key(welcome)  # exactly once, in the pair's group DM
    assert message["text"] and rows[welcome].channel and rows[welcome].channel.startswith("G")
    assert rows[welcome].ts == message["ts"]
    assert fake_slack.calls_to("conversations.history")  # looked before sending again
