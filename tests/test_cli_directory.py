"""`mentorbot sync-people` end to end: the real CLI against the fake Slack."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.people import KNOWN_COLUMNS
from tests.fakeslack import FakeSlack
from tests.processes import clean_env, run_mentorbot


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


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()  # nothing listens there now: connection refused
    return port


def _people_in(database: Path) -> int:
    with sqlite3.connect(database) as db:
        count: int = db.execute("SELECT count(*) FROM person").fetchone()[0]
    return count


def test_import_people_help_lists_the_columns_and_the_rules(tmp_path: Path) -> None:
    result = run_mentorbot("import-people", "--help", cwd=tmp_path, env=clean_env())
    assert result.returncode == 0
    for column in (*KNOWN_COLUMNS, "YYYY-MM-DD", "0 = a mentor not", "first line is kept"):
        assert column in result.stdout, column


def test_import_people_with_slack_unreachable_names_it_exits_1_and_writes_nothing(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.db"
    (tmp_path / "people.csv").write_text("slack_id,email\nU0ALICE01,\n,bob@example.com\n")
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=f"http://127.0.0.1:{_closed_port()}/api/",
        DATABASE_URL=f"sqlite:///{database}",
    )
    result = run_mentorbot("import-people", "people.csv", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    assert "Slack cannot be reached at SLACK_API_URL=http://127.0.0.1:" in result.stderr
    assert "Nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr
    assert _people_in(database) == 0


def test_import_people_with_slack_answering_500_exits_1_and_writes_nothing(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    database = tmp_path / "bot.db"
    fake_slack.fail("users.lookupByEmail", status=500, times=10)
    (tmp_path / "people.csv").write_text("slack_id,email\nU0ALICE01,\n,bob@example.com\n")
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=f"sqlite:///{database}",
    )
    result = run_mentorbot("import-people", "people.csv", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    assert "HTTP 500" in result.stderr and "SLACK_API_URL=" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 3  # the first try and 2 retries
    assert _people_in(database) == 0


def test_import_people_reports_warnings_refusals_and_a_file_that_is_not_utf8(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    database = tmp_path / "bot.db"
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=f"sqlite:///{database}",
    )
    (tmp_path / "people.csv").write_bytes(
        b"\xef\xbb\xbfslack_id,manager,mentor_capacity\n"
        b"U0ALICE01,U0NOBODY1,2\n"
        b"U0ALICE01,,\n"
        b"U0BOB0001,,lots\n"
    )
    result = run_mentorbot("import-people", "people.csv", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    assert (
        "1 created, 0 updated, 1 failed, 1 imported without their mentor columns, 1 warning"
        in result.stdout
    )
    assert "line 2: warning: manager U0NOBODY1 is not in the directory" in result.stderr
    assert "line 3: repeats U0ALICE01 of line 2" in result.stderr
    assert "line 4: mentor columns not imported: mentor_capacity 'lots'" in result.stderr
    assert _people_in(database) == 2

    (tmp_path / "latin1.csv").write_bytes(b"slack_id,name\nU0ALICE01,Alice\nU0JOSE001,Jos\xe9\n")
    result = run_mentorbot("import-people", "latin1.csv", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "line 3 is not UTF-8 (byte 0xE9)" in result.stderr
    assert "Traceback" not in result.stderr
