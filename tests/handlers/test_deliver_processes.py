"""Senders as real processes on one database: no row sent twice, nothing lost to a SIGKILL.

On SQLite by default; on PostgreSQL when MENTORBOT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock import utc_now
from bot.context import Deps
from bot.effects import DirectMessage
from bot.pacing import unlimited
from bot.slack import build_client
from handlers.deliver import Sender
from storage.db import session_factory, unit_of_work
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import enqueue
from tests.fakeslack import FakeSlack
from tests.processes import clean_env

ROOT = Path(__file__).parent.parent.parent


def start_sender(engine: Engine, fake: FakeSlack, *extra: str) -> subprocess.Popen[str]:
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.sender_process", url, fake.base_url, *extra],
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> None:
    _out, err = process.communicate(timeout=90)
    assert process.returncode == 0, err


def write_dms(engine: Engine, count: int) -> None:
    with unit_of_work(session_factory(engine)) as session:
        effects = [
            DirectMessage(key=f"dm:{n}", user_id=f"U{n:03d}PROC", text=f"message {n}")
            for n in range(count)
        ]
        enqueue(effects, session=session, now=utc_now())


def rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def posts_per_key(fake: FakeSlack) -> collections.Counter[str]:
    return collections.Counter(
        c.params["metadata"]["event_payload"]["key"] for c in fake.calls_to("chat.postMessage")
    )


def test_two_sender_processes_on_one_database_never_send_a_row_twice(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    write_dms(engine, 200)
    go = tmp_path / "go"
    senders = [start_sender(engine, fake_slack, "--go", str(go)) for _ in range(2)]
    for process in senders:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"

    go.touch()  # both start claiming at the same moment
    for process in senders:
        finish(process)

    assert posts_per_key(fake_slack) == {f"dm:{n}": 1 for n in range(200)}
    delivered = rows(engine)
    assert all(r.status == OutboxStatus.SENT and r.attempts == 1 for r in delivered)
    assert len({r.ts for r in delivered}) == 200
    assert len({r.lease_owner for r in delivered}) == 2  # both took part


def test_a_sender_killed_after_slack_posted_is_taken_over_and_nothing_is_sent_twice(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    write_dms(engine, 5)
    fake_slack.hold("chat.postMessage")  # Slack posts the first message, then hangs
    doomed = start_sender(engine, fake_slack, "--lease", "3")
    fake_slack.wait_for("chat.postMessage", timeout=30)

    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    fake_slack.release()
    assert [r.status for r in rows(engine)] == [OutboxStatus.SENDING] * 5

    finish(start_sender(engine, fake_slack, "--lease", "3"))

    assert posts_per_key(fake_slack) == {f"dm:{n}": 1 for n in range(5)}
    after = rows(engine)
    assert all(r.status == OutboxStatus.SENT for r in after)
    (first,) = fake_slack.posted_with_key("dm:0")
    assert after[0].ts == first["ts"]  # recorded from the lookup, not from a second post
    assert len(fake_slack.calls_to("conversations.history")) == 5  # every row was in doubt


def test_a_sender_on_this_host_that_died_is_taken_over_at_once_not_when_its_lease_ends(
    engine: Engine, fake_slack: FakeSlack, deps: Deps
) -> None:
    write_dms(engine, 3)
    fake_slack.hold("chat.postMessage")
    doomed = start_sender(engine, fake_slack, "--lease", "600")  # ten minutes
    fake_slack.wait_for("chat.postMessage", timeout=30)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    fake_slack.release()
    sender = Sender(
        deps.open_session,
        build_client(deps.settings, resend=False),
        clock=utc_now,
        pacer=unlimited(),
    )
    assert sender.drain_once() == 0  # the leases still run: nobody may take the rows

    assert sender.take_over_dead() == 3
    while sender.drain_once():
        pass

    assert posts_per_key(fake_slack) == {f"dm:{n}": 1 for n in range(3)}
    assert all(r.status == OutboxStatus.SENT for r in rows(engine))


def test_a_live_sender_keeps_its_rows(engine: Engine, fake_slack: FakeSlack, deps: Deps) -> None:
    write_dms(engine, 2)
    fake_slack.hold("chat.postMessage")
    alive = start_sender(engine, fake_slack, "--lease", "600")
    try:
        fake_slack.wait_for("chat.postMessage", timeout=30)
        sender = Sender(
            deps.open_session,
            build_client(deps.settings, resend=False),
            clock=utc_now,
            pacer=unlimited(),
        )
        assert sender.take_over_dead() == 0
        assert sender.drain_once() == 0
    finally:
        fake_slack.release()
        finish(alive)
    assert posts_per_key(fake_slack) == {f"dm:{n}": 1 for n in range(2)}
