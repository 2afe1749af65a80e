"""`mentorbot sync-people` end to end: the real CLI against the fake Slack."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from tests.fakeslack import FakeSlack


@pytest.fixture
def env(fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "bot.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    return database


def test_sync_people_pulls_every_page_of_users_list(
    fake_slack: FakeSlack, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(450):  # three pages of 200
        fake_slack.add_user(f"U0SYNC{n:03d}", f"Synced Person{n}")
    fake_slack.add_user("U0BOTUSER", "Some Bot", is_bot=True)

    assert main(["sync-people"]) == 0

    assert len(fake_slack.calls_to("users.list")) == 3
    assert "450 created" in capsys.readouterr().out
    with sqlite3.connect(env) as db:
        assert db.execute("SELECT count(*) FROM person").fetchone() == (450,)


def test_sync_people_explains_a_missing_scope(
    fake_slack: FakeSlack, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_slack.fail("users.list", error="missing_scope")
    assert main(["sync-people"]) == 1
    assert "users:read" in capsys.readouterr().err
