"""`mentorbot run` in Socket Mode, end to end, as a real process like production.

The bot gets its WebSocket URL from the fake Web API's apps.connections.open (with the
xapp- token), connects to the fake Socket Mode server, and answers the envelopes it is
sent: acks on the socket, answers through response_url and the Web API.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from storage.db import make_engine
from tests.factories import make_person
from tests.fakeslack import FakeSlack
from tests.fakesocket import FakeSocketMode
from tests.processes import clean_env, mentorbot, run_mentorbot

APP_TOKEN = "xapp-1-A0APP0001-1234-test"
USER = "U0USER001"


@pytest.fixture
def fake_socket(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    server = FakeSocketMode().start()
    fake_slack.socket_mode_url = server.url
    yield server
    server.stop()
    assert not server.errors, f"the Socket Mode client broke the protocol: {server.errors}"


def _slash_command(text: str, response_url: str) -> dict[str, Any]:
    """A slash_commands envelope, as Slack sends it over the socket."""
    return {
        "envelope_id": str(uuid.uuid4()),
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "legacy",
            "team_id": "T0TEST001",
            "team_domain": "example-workspace",
            "channel_id": "C0CHAN001",
            "channel_name": "general",
            "user_id": USER,
            "user_name": "alice",
            "command": "/mentor",
            "text": text,
            "api_app_id": "A0APP0001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1111111111111.2222222222.0123456789abcdef0123456789abcdef",
        },
    }


def _home_opened(
    event_id: str, *, retry_attempt: int = 0, retry_reason: str = ""
) -> dict[str, Any]:
    """An events_api envelope carrying app_home_opened (a retry when retry_attempt > 0)."""
    return {
        "envelope_id": str(uuid.uuid4()),
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": retry_reason,
        "payload": {
            "token": "legacy",
            "team_id": "T0TEST001",
            "api_app_id": "A0APP0001",
            "event": {
                "type": "app_home_opened",
                "user": USER,
                "channel": "D0DM00001",
                "tab": "home",
                "event_ts": "1700000030.000300",
            },
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1700000030,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": "T0TEST001",
                    "user_id": "U0BOT0001",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        },
    }


def test_socket_mode_connects_answers_envelopes_and_stops_on_sigterm(
    fake_slack: FakeSlack, fake_socket: FakeSocketMode, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = clean_env(  # no signing secret: Socket Mode does not need one
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=database_url,
    )
    log_path = tmp_path / "mentorbot.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*mentorbot(), "run", "--no-scheduler"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def output() -> str:
        return log_path.read_text()

    try:
        # Connected: URL from apps.connections.open with the app-level token, ticket and all.
        deadline = time.monotonic() + 30
        while not fake_socket.paths:
            assert process.poll() is None, f"mentorbot exited early:\n{output()}"
            assert time.monotonic() < deadline, f"mentorbot never connected:\n{output()}"
            time.sleep(0.05)
        opened = fake_slack.calls_to("apps.connections.open")
        assert len(opened) == 1
        assert opened[0].headers["authorization"] == f"Bearer {APP_TOKEN}"
        assert fake_socket.paths == [f"/link/?ticket={fake_slack.tickets[0]}&app_id=A0APP0001"]

        # /mentor help: acked on the socket (no payload), answered at the response_url.
        command = _slash_command("help", fake_slack.response_url("sm1"))
        fake_socket.send_envelope(command)
        assert fake_socket.wait_for_ack(command["envelope_id"]) == {
            "envelope_id": command["envelope_id"]
        }
        answer = fake_slack.last(
            "response_url", where=lambda c: c.path.endswith("/sm1"), timeout=10
        )
        assert answer.params["response_type"] == "ephemeral"
        assert "/mentor find" in str(answer.params["blocks"]), output()

        # app_home_opened for someone in the directory: the Home is built from the database
        # the process migrated, and published for them.
        engine = make_engine(database_url)
        with Session(engine) as session:
            make_person(session, USER, name="Alice Example")
            session.commit()
        engine.dispose()
        event = _home_opened("Ev0SOCKET01")
        fake_socket.send_envelope(event)
        assert fake_socket.wait_for_ack(event["envelope_id"]) == {
            "envelope_id": event["envelope_id"]
        }
        home = fake_slack.last(
            "views.publish", where=lambda c: c.params.get("user_id") == USER, timeout=10
        )
        assert "Who to ask next" in str(home.params["view"]), output()

        # Slack redelivers the event after a timeout: acked again, handled once.
        retry = _home_opened("Ev0SOCKET01", retry_attempt=1, retry_reason="timeout")
        fake_socket.send_envelope(retry)
        fake_socket.wait_for_ack(retry["envelope_id"])
        fake_slack.settle(quiet=0.3, timeout=3)
        assert len(fake_slack.calls_to("views.publish")) == 1

        assert fake_socket.pings >= 1  # the client's keep-alive got its pong

        # SIGTERM: the socket is closed and the process exits 0, promptly.
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"mentorbot did not stop on SIGTERM:\n{output()}") from None
        assert code == 0, output()
        fake_socket.wait_for_disconnect(timeout=5)
        stopped_in = time.monotonic() - started
        assert stopped_in < 30
        assert "Traceback" not in output(), output()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_a_refused_app_token_exits_2_naming_it(
    fake_slack: FakeSlack, fake_socket: FakeSocketMode, tmp_path: Path
) -> None:
    fake_slack.fail("apps.connections.open", error="invalid_auth")
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
    )
    result = run_mentorbot("run", "--no-scheduler", cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    assert "SLACK_APP_TOKEN was refused by Slack (invalid_auth)" in result.stderr
    assert "Traceback" not in result.stderr
