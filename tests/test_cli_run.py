"""`mentorbot run --http` and `mentorbot scheduler` as real processes, like production."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import SIGNING_SECRET
from tests.fakeslack import FakeSlack
from tests.processes import clean_env, mentorbot, run_mentorbot
from tests.slackhttp import SlackSender


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(fake: FakeSlack, tmp_path: Path) -> dict[str, str]:
    return clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
    )


def _wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.stdout.read()}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # not listening yet, or too busy starting to answer in time
            time.sleep(0.2)
    raise AssertionError("server did not become healthy")


@pytest.fixture
def http_server(
    fake_slack: FakeSlack, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = _free_port()
    process = subprocess.Popen(
        [*mentorbot(), "run", "--http", "--port", str(port), "--no-scheduler", "--workers", "2"],
        cwd=tmp_path,
        env=_env(fake_slack, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_http_mode_answers_signed_help_and_refuses_bad_signatures(
    http_server: tuple[str, subprocess.Popen[str]], fake_slack: FakeSlack
) -> None:
    url, process = http_server
    sender = SlackSender(url, SIGNING_SECRET, fake_slack)

    assert sender.command("help").status == 200
    help_text = str(fake_slack.last("response_url", timeout=10).params["blocks"])
    assert "/mentor find" in help_text

    assert sender.post_form({"command": "/mentor", "text": "help"}, signature="v0=0").status == 401
    stale = int(time.time()) - 301
    assert sender.post_form({"command": "/mentor", "text": "help"}, timestamp=stale).status == 401
    answered = len(fake_slack.calls_to("response_url"))
    forged = urllib.request.Request(
        url + "/slack/events",
        data=urlencode(
            {
                "command": "/mentor",
                "text": "help",
                "user_id": "U0VICTIM1",
                "response_url": fake_slack.response_url("attacker-target"),
            }
        ).encode(),
        headers={"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=0"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 401

    challenge = sender.post_json(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    assert challenge.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in challenge.body

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert len(fake_slack.calls_to("response_url")) == answered
    assert fake_slack.calls_to("chat.postMessage") == []
    output = process.stdout.read()  # type: ignore[union-attr]
    assert "Traceback" not in output
    assert "missing or malformed timestamp" in output


def test_healthz_reports_the_database(http_server: tuple[str, subprocess.Popen[str]]) -> None:
    url, _ = http_server
    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert b'"database": "ok"' in response.read()


def test_scheduler_process_registers_its_jobs_once_and_stops_on_sigterm(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = _env(fake_slack, tmp_path)
    for _ in range(2):  # a restart must not duplicate jobs
        process = subprocess.Popen(
            [*mentorbot(), "scheduler"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            if "scheduler started" in line:
                break
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            raise AssertionError(output) from None
        assert process.returncode == 0, output
    with sqlite3.connect(tmp_path / "bot.db") as db:
        ids = [row[0] for row in db.execute("SELECT id FROM apscheduler_jobs")]
    assert "purge-events" in ids
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("mode", [["--http"], []])
def test_a_refused_bot_token_exits_2_naming_it(
    fake_slack: FakeSlack, tmp_path: Path, mode: list[str]
) -> None:
    fake_slack.fail("auth.test", error="invalid_auth")
    env = _env(fake_slack, tmp_path)
    if not mode:
        env["SLACK_APP_TOKEN"] = "xapp-1-A0APP0001-1-test"  # Socket Mode
    result = run_mentorbot("run", *mode, "--no-scheduler", cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    assert "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["scheduler", "sender"])
def test_the_scheduler_and_a_sender_process_deliver_what_waits_in_the_outbox(
    fake_slack: FakeSlack, tmp_path: Path, command: str
) -> None:
    from datetime import UTC, datetime

    from bot.effects import DirectMessage
    from storage.db import make_engine, session_factory, unit_of_work
    from storage.outbox import enqueue

    env = _env(fake_slack, tmp_path)
    assert run_mentorbot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    engine = make_engine(env["DATABASE_URL"])
    with unit_of_work(session_factory(engine)) as session:
        note = DirectMessage(key="request:1:expired:to-mentee", user_id="U0ALICE01", text="hi")
        enqueue([note], session=session, now=datetime.now(UTC))
    engine.dispose()

    process = subprocess.Popen(
        [*mentorbot(), command],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        posted = fake_slack.wait_for("chat.postMessage", timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert [c.params["text"] for c in posted] == ["hi"]
    with sqlite3.connect(tmp_path / "bot.db") as db:
        assert list(db.execute("SELECT status FROM outbox")) == [("sent",)]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        jobs = (
            list(db.execute("SELECT id FROM apscheduler_jobs"))
            if "apscheduler_jobs" in tables
            else []
        )
    assert bool(jobs) == (command == "scheduler")  # a sender runs no jobs
