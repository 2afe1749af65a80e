"""Configuration: every variable of the design, and a clear exit when something is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.processes import ROOT, clean_env, run_mentorbot


def test_defaults_follow_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(("SLACK_", "MENTORBOT_")) or key in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2")
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///mentorbot.db"
    assert settings.port == 3000
    assert settings.connection_goal == 10
    assert settings.connection_window_days == 183
    assert settings.max_level_gap == 2
    assert settings.max_sessions == 3
    assert settings.coordinators == frozenset()
    assert settings.support_url is None


def test_coordinators_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2")
    monkeypatch.setenv("MENTORBOT_COORDINATORS", " U0AAA0001, U0BBB0002 ,")
    assert load_settings().coordinators == {"U0AAA0001", "U0BBB0002"}


def test_triage_terms_are_a_comma_separated_list_added_to_the_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2")
    assert load_settings().triage_terms == ()
    monkeypatch.setenv("MENTORBOT_TRIAGE_TERMS", " sick leave, redundancy ,")
    assert load_settings().triage_terms == ("sick leave", "redundancy")


def test_the_digest_is_due_on_a_weekday_at_an_hour_in_a_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2")
    settings = load_settings()
    assert (settings.digest_weekday, settings.digest_hour, settings.digest_tz) == ("mon", 9, "UTC")
    monkeypatch.setenv("MENTORBOT_DIGEST_WEEKDAY", " Friday")
    monkeypatch.setenv("MENTORBOT_DIGEST_TZ", "Europe/London")
    assert (load_settings().digest_weekday, load_settings().digest_tz) == ("fri", "Europe/London")
    monkeypatch.setenv("MENTORBOT_DIGEST_WEEKDAY", "monkey")
    monkeypatch.setenv("MENTORBOT_DIGEST_HOUR", "24")
    monkeypatch.setenv("MENTORBOT_DIGEST_TZ", "Mars/Olympus")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "MENTORBOT_DIGEST_WEEKDAY is invalid: it should be a weekday" in message
    assert "MENTORBOT_DIGEST_HOUR is invalid: it should be at most 23" in message
    assert "MENTORBOT_DIGEST_TZ is invalid: it should be an IANA time zone" in message


def test_working_days_are_a_range_or_a_list_and_wrap_around_the_week(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2")
    assert load_settings().workdays == {0, 1, 2, 3, 4}
    for text, days in [
        ("sun-thu", {6, 0, 1, 2, 3}),
        (" Monday, tue,THU ", {0, 1, 3}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sat", {5}),
    ]:
        monkeypatch.setenv("MENTORBOT_WORKDAYS", text)
        assert load_settings().workdays == days, text
    for text in ["", "mon-funday", "weekdays", ","]:
        monkeypatch.setenv("MENTORBOT_WORKDAYS", text)
        with pytest.raises(ConfigError) as caught:
            load_settings()
        assert "MENTORBOT_WORKDAYS is invalid: it should" in str(caught.value), text


def test_every_problem_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("MENTORBOT_CONNECTION_GOAL", "ten")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xoxb-wrong-kind")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "SLACK_BOT_TOKEN is missing" in message
    assert "OAuth & Permissions" in message
    assert "MENTORBOT_CONNECTION_GOAL is invalid" in message
    assert "SLACK_APP_TOKEN is invalid" in message
    assert ".env.example" in message


def test_missing_bot_token_exits_2_naming_it_without_a_traceback(tmp_path: Path) -> None:
    result = run_mentorbot("run", cwd=tmp_path, env=clean_env())
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_http_mode_without_signing_secret_exits_2(tmp_path: Path) -> None:
    result = run_mentorbot("run", "--http", cwd=tmp_path, env=clean_env(SLACK_BOT_TOKEN="xoxb-1-2"))
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_dotenv_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\nMENTORBOT_CONNECTION_GOAL=0\n"
    )
    result = run_mentorbot("db", "upgrade", cwd=tmp_path, env=clean_env())
    # The token came from .env (not reported missing); the bad goal is reported.
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" not in result.stderr
    assert "MENTORBOT_CONNECTION_GOAL is invalid" in result.stderr


def test_every_setting_is_documented_in_env_example_and_readme() -> None:
    from bot.config import Settings

    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for field in Settings.model_fields.values():
        assert field.alias is not None
        assert field.alias in example, f"{field.alias} missing from .env.example"
        assert f"`{field.alias}`" in readme, f"{field.alias} missing from README"


def test_mentorbot_alone_prints_its_help(tmp_path: Path) -> None:
    result = run_mentorbot(cwd=tmp_path, env=clean_env())
    assert result.returncode == 0
    assert "usage: mentorbot" in result.stdout
    for command in ("run", "import-people", "db"):
        assert command in result.stdout
    assert "error" not in result.stderr.lower()


def test_run_names_every_problem_at_once_in_plain_words_before_touching_the_database(
    tmp_path: Path,
) -> None:
    result = run_mentorbot(
        "run",
        cwd=tmp_path,
        env=clean_env(
            MENTORBOT_CONNECTION_GOAL="ten",
            MENTORBOT_MAX_SESSIONS="0",
            MENTORBOT_SUPPORT_URL="intranet/help",
            PORT="99999",
        ),
    )
    assert result.returncode == 2
    message = result.stderr
    assert "Configuration problems:" in message
    assert "SLACK_BOT_TOKEN is missing" in message
    assert "SLACK_SIGNING_SECRET is missing" in message
    assert "MENTORBOT_CONNECTION_GOAL is invalid: it should be a whole number." in message
    assert "MENTORBOT_MAX_SESSIONS is invalid: it should be at least 1." in message
    assert "MENTORBOT_SUPPORT_URL is invalid: it must be an http(s) URL." in message
    assert "PORT is invalid: it should be at most 65535." in message
    assert "SLACK_APP_TOKEN" in message and "Socket Mode" in message
    for internal in ("pydantic", "validation error", "Input should", "type=", "Value error"):
        assert internal not in message
    assert "Traceback" not in message
    assert not (tmp_path / "mentorbot.db").exists()


def test_a_malformed_token_is_named_without_echoing_it(tmp_path: Path) -> None:
    result = run_mentorbot(
        "db",
        "upgrade",
        cwd=tmp_path,
        env=clean_env(SLACK_BOT_TOKEN="xoxp-secret-user-token", SLACK_APP_TOKEN="xoxb-nope"),
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is invalid" in result.stderr
    assert "SLACK_APP_TOKEN is invalid: it must start with xapp-." in result.stderr
    assert "xoxp-secret-user-token" not in result.stderr
    assert not (tmp_path / "mentorbot.db").exists()


def test_dev_py_says_it_is_installing_only_when_it_installs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util
    import subprocess

    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    assert spec and spec.loader
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    monkeypatch.setattr(dev, "VENV", venv)
    monkeypatch.setattr(dev, "BIN", venv / "bin")
    installs: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **_: installs.append(cmd))

    dev.ensure_installed("")
    assert "Installing mentorbot" in capsys.readouterr().err
    dev.ensure_installed("")
    assert capsys.readouterr().err == ""
    assert len(installs) == 1
