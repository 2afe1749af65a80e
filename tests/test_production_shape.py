"""The production shape on PostgreSQL: two HTTP worker processes and one scheduler
process on one database, driven concurrently through both workers while the scheduler
plans and sends due check-ins: no duplicate message, no lost write, no 5xx. Runs when the
suite runs on PostgreSQL (.ci/with-postgres)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot import conversations as svc
from bot.conversations import RequestForm
from bot.ids import ActionId
from bot.nudges import kinds
from storage.db import make_engine, upgrade
from storage.models import Connection, MetLog, Person, PlannedNudge
from tests.conftest import SIGNING_SECRET
from tests.dbstate import empty_postgres
from tests.factories import make_person
from tests.fakeslack import Call, FakeSlack
from tests.handlers.journey import QUESTIONS, is_dm
from tests.mentors import offer
from tests.processes import clean_env, mentorbot
from tests.slackhttp import Reply, SlackSender
from tests.test_cli_run import _free_port, _wait_healthy

PAIRS = 24
WAITING = 12  # requests unanswered for four days: their mentors are due a check-in
NOW = datetime.now(UTC)


def noon_now() -> str:
    """A time zone where it is about noon now (Etc/GMT-3 is three hours ahead of UTC)."""
    ahead = 12 - NOW.hour
    return "Etc/GMT" + (f"{-ahead:+d}" if ahead else "")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = os.environ.get("MENTORBOT_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("runs on PostgreSQL: .ci/with-postgres")
    engine = make_engine(url)
    empty_postgres(engine)
    engine.dispose()
    yield url


def _start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*mentorbot(), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""


def _key(call: Call) -> str:
    return str(call.params.get("metadata", {}).get("event_payload", {}).get("key"))


def _blocks(call: Call) -> str:
    return json.dumps(call.params.get("blocks", []))


def test_two_http_workers_and_a_scheduler_on_one_postgres_database(
    postgres_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    loggers = [f"U0LOG{n:04d}" for n in range(PAIRS)]
    others = [f"U0OTH{n:04d}" for n in range(PAIRS)]
    with Session(engine) as session:
        for n, slack_id in enumerate(loggers + others):
            session.add(
                Person(
                    slack_id=slack_id,
                    name=f"P{n}",
                    area=f"Area {n % 5}",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.commit()
        waiting: dict[str, int] = {}  # mentor → the request waiting for them
        for n in range(WAITING):
            mentee = make_person(session, f"U0MEE{n:04d}", area="Sales", level=3)
            mentor = make_person(session, f"U0MOR{n:04d}", area="Design", level=4, tz=noon_now())
            offer(session, mentor, ("Public speaking",))
            form = RequestForm("public speaking", QUESTIONS)
            made = svc.create_request(
                session,
                mentee.slack_id,
                mentor.slack_id,
                form,
                now=NOW - timedelta(days=4),
                max_level_gap=2,
            )
            waiting[mentor.slack_id] = made.conversation_id
        session.commit()

    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=postgres_url,
        MENTORBOT_WORKDAYS="mon-sun",  # so that the check-ins are due whatever day CI runs
    )
    ports = [_free_port(), _free_port()]
    workers = [
        _start(
            [
                "run",
                "--http",
                "--no-scheduler",
                "--port",
                str(p),
                "--workers",
                "1",
                "--threads",
                "4",
            ],
            env,
            tmp_path,
        )
        for p in ports
    ]
    scheduler = _start(["scheduler"], env, tmp_path)
    outputs: list[str] = []
    try:
        for port, process in zip(ports, workers, strict=True):
            _wait_healthy(f"http://127.0.0.1:{port}", process)
        senders = [SlackSender(f"http://127.0.0.1:{p}", SIGNING_SECRET, fake_slack) for p in ports]

        def log(n: int) -> list[Reply]:
            first = senders[n % 2].command(
                f"met <@{others[n]}> coffee", user=loggers[n], trigger_id=f"{n}.3333.met"
            )
            retry = SlackSender(
                senders[(n + 1) % 2].url.removesuffix("/slack/events"), SIGNING_SECRET, fake_slack
            )
            again = retry.replay(first, retry_num=1)  # Slack's retry, to the other worker
            return [first, again]

        with ThreadPoolExecutor(max_workers=8) as pool:
            replies = [r for rs in pool.map(log, range(PAIRS)) for r in rs]
        asks = fake_slack.wait_for(
            "chat.postMessage",
            PAIRS,
            where=lambda c: ActionId.MET_CONFIRM in _blocks(c),
            timeout=60,
        )

        def confirm(call: Call) -> Reply:
            buttons = [b for b in call.params["blocks"] if b["type"] == "actions"][0]["elements"]
            value = str(buttons[0]["value"])
            user = next(o for o in others if is_dm(call.params["channel"], o))
            return senders[int(value) % 2].action(
                ActionId.MET_CONFIRM, value, user=user, trigger_id=f"{value}.4444.confirm"
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            replies += list(pool.map(confirm, asks))
        told = fake_slack.wait_for(
            "chat.postMessage",
            PAIRS,
            where=lambda c: "confirmed you met" in _blocks(c) + str(c.params.get("text")),
            timeout=60,
        )
        nudges = fake_slack.wait_for(
            "chat.postMessage",
            WAITING,
            where=lambda c: _key(c).startswith(kinds.NudgeKind.REQUEST),
            timeout=60,
        )
        fake_slack.settle(quiet=1.0, timeout=30)
    finally:
        outputs = [_stop(p) for p in [*workers, scheduler]]

    assert [r.status for r in replies] == [200] * len(replies), outputs
    assert all(p.returncode == 0 for p in [*workers, scheduler]), outputs
    # Nothing twice: each message key posted once; each met asked and answered once.
    keys = Counter(_key(c) for c in fake_slack.calls_to("chat.postMessage"))
    assert [k for k, n in keys.items() if n > 1] == []
    assert (
        len(
            [
                c
                for c in fake_slack.calls_to("chat.postMessage")
                if ActionId.MET_CONFIRM in _blocks(c)
            ]
        )
        == PAIRS
    )
    assert len(told) == PAIRS
    # The scheduler's check-ins: each waiting mentor reminded once, in their own DM.
    assert sorted(_key(c) for c in nudges) == sorted(
        kinds.request_key(cid, mentor) for mentor, cid in waiting.items()
    )
    assert all(is_dm(c.params["channel"], _key(c).rsplit(":", 1)[1]) for c in nudges)
    assert len([k for k in keys if k.startswith(kinds.NudgeKind.REQUEST)]) == WAITING
    # Nothing lost: every met logged once and confirmed, both counted.
    with Session(engine) as session:
        mets = session.exec(select(MetLog)).all()
        assert len(mets) == PAIRS and {m.status for m in mets} == {"confirmed"}
        assert len(session.exec(select(Connection)).all()) == 2 * PAIRS
        planned = session.exec(select(PlannedNudge.key)).all()
        assert sorted(planned) == sorted(_key(c) for c in nudges)
    engine.dispose()
    assert not any("Traceback" in o for o in outputs), outputs
