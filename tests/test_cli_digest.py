"""`mentorbot digest`: the digest as text, the export as a file, a post to the channel once."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from storage.db import make_engine, session_factory, upgrade
from tests.digest_history import SECRET, SETTINGS, WEEK, build_history
from tests.fakeslack import FakeSlack

CHANNEL = "C0DIGEST1"


@pytest.fixture
def programme(fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated database holding the digest tests' history, and the environment to read it."""
    database = tmp_path / "bot.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    environment = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": f"sqlite:///{database}",
        "MENTORBOT_DIGEST_CHANNEL": CHANNEL,
        **SETTINGS,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    engine = make_engine(environment["DATABASE_URL"])
    upgrade(engine)
    with session_factory(engine)() as session:
        build_history(session, Settings())  # type: ignore[call-arg]
    engine.dispose()
    return database


def test_digest_prints_the_week_as_text(
    programme: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--week", WEEK]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Mentoring digest {WEEK}\n")
    assert "Requests: 5 made, 2 accepted, 1 declined, 1 expired, 1 passed on" in out
    assert "Danger signs: 5" in out
    assert "Manager check-ins this month: 0" in out
    assert SECRET not in out


def test_digest_csv_writes_the_export(
    programme: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "export.csv"
    assert main(["digest", "--week", WEEK, "--csv", str(target)]) == 0
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0][0] == "week" and rows[8][:2] == [WEEK, "5"]
    assert len([r for r in rows[11:] if r]) == 5  # after the weeks, a blank row, a header
    assert SECRET not in target.read_text(encoding="utf-8")
    assert f"Export written to {target}" in capsys.readouterr().out


def test_digest_post_posts_the_week_once(
    programme: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--week", WEEK, "--post"]) == 0
    assert f"The digest for {WEEK}: sent." in capsys.readouterr().out
    assert len(fake_slack.posted_with_key(f"digest:{WEEK}")) == 1

    assert main(["digest", "--week", WEEK, "--post"]) == 0
    assert "was posted before; nothing more was sent" in capsys.readouterr().out
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_digest_post_to_a_workspace_without_charts_still_posts(
    programme: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_slack.refused_blocks = {"data_visualization", "table"}
    assert main(["digest", "--week", WEEK, "--post"]) == 0
    assert "sent without its chart and table" in capsys.readouterr().out
    assert len(fake_slack.posted_with_key(f"digest:{WEEK}:plain")) == 1


@pytest.mark.parametrize("week", ["48", "2026-W99", "last week"])
def test_a_week_that_is_not_yyyy_www_exits_with_a_message(
    programme: Path, capsys: pytest.CaptureFixture[str], week: str
) -> None:
    assert main(["digest", "--week", week]) == 2
    assert "write it as YYYY-Www" in capsys.readouterr().err


def test_a_week_not_over_yet_is_shown_but_not_posted(
    programme: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--week", "2999-W01"]) == 2
    assert "has not started yet" in capsys.readouterr().err
    assert fake_slack.calls_to("chat.postMessage") == []
