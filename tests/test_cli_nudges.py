"""`mentorbot nudges --preview [--at]`: what the planner would send, to whom, at their local
time, or why it waits, sending nothing; `mentorbot outbox` counts check-ins by kind; the
planner's job plans and delivers through the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.cli import main
from bot.context import Deps
from bot.slack import build_client
from handlers import jobs
from storage.db import make_engine, upgrade
from tests.conftest import START, FakeClock
from tests.factories import make_person
from tests.fakeslack import FakeSlack
from tests.handlers.journey import in_dm
from tests.nudgescene import (
    MENTOR,
    directory,
    nudge_rows,
    planned_keys,
    requested,
    set_person,
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """The CLI migrates its database: this one is made by the migrations too."""
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def cli_env(deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", deps.settings.slack_api_url)
    monkeypatch.setenv("DATABASE_URL", deps.engine.url.render_as_string(hide_password=False))


def _arrange(session: Session) -> int:
    directory(session)
    cid = requested(session, at=START - timedelta(days=4))  # → MENTOR, London
    newcomer = make_person(session, "U0TOKYO01", start_date=date(2026, 11, 16), tz="Asia/Tokyo")
    newcomer.created_at = START - timedelta(hours=1)
    session.commit()
    return cid


def test_preview_lists_what_would_go_with_local_times_and_why_the_rest_waits_sending_nothing(
    cli_env: None, session: Session, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = _arrange(session)

    assert main(["nudges", "--preview", "--at", "2026-11-23T10:00"]) == 0

    out = capsys.readouterr().out
    assert "Nudges at 2026-11-23 10:00 UTC: 1 would go (request-waiting 1), 1 wait." in out
    assert f"send  request-waiting    to {MENTOR}  at Mon 10:00 GMT  key " in out
    assert f"request-waiting:conversation:{cid}:{MENTOR}" in out
    assert (
        "U0TOKYO01  Mon 19:00 JST: outside working hours: waits until Tue 2026-11-24 09:00" in out
    )
    assert planned_keys(session) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_preview_rejects_a_moment_it_cannot_read_kindly(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["nudges", "--preview", "--at", "next tuesday"])
    assert exit_.value.code == 2
    assert "use YYYY-MM-DDTHH:MM" in capsys.readouterr().err


def test_the_planner_job_plans_and_delivers_and_the_outbox_counts_check_ins_by_kind(
    cli_env: None,
    deps: Deps,
    session: Session,
    clock: FakeClock,
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _arrange(session)
    set_person(session, "U0TOKYO01", tz="Europe/London")
    jobs.install(deps, build_client(deps.settings))

    jobs.plan_nudges()
    jobs.plan_nudges()

    assert sorted(row.kind for row in nudge_rows(session)) == ["nudge-request", "nudge-welcome"]
    assert len([c for c in fake_slack.calls_to("chat.postMessage") if in_dm(c, MENTOR)]) == 1
    assert main(["outbox"]) == 0
    table = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()}
    assert table["nudge-request"] == ["0", "0", "1", "0", "0"]
    assert table["nudge-welcome"] == ["0", "0", "1", "0", "0"]
