"""`mentorbot outbox`: what operators see, never what was written; the purge job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.context import Deps
from bot.effects import DirectMessage, PublishHome
from bot.slack import build_client
from handlers import jobs
from storage.db import make_engine, session_factory, unit_of_work, upgrade
from storage.models import OutboxMessage
from storage.outbox import claim, enqueue, mark_failed, mark_sent
from tests.conftest import FakeClock
from tests.fakeslack import FakeSlack

WRITTEN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SECRET = "my private agenda"


@pytest.fixture
def database(fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "bot.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    open_session = session_factory(engine)
    with unit_of_work(open_session) as session:
        enqueue(
            [
                DirectMessage(key="request:1:to-mentor", user_id="U0BOB0001", text=SECRET),
                DirectMessage(key="request:2:to-mentor", user_id="U0GONE001", text=SECRET),
                DirectMessage(key="request:3:to-mentor", user_id="U0CAROL01", text=SECRET),
                PublishHome(key="home:U0BOB0001:1", user_id="U0BOB0001", view={"type": "home"}),
            ],
            session=session,
            now=WRITTEN,
        )
    sent, gone = claim(open_session, 2, owner="t", lease=timedelta(minutes=1), now=WRITTEN)
    with unit_of_work(open_session) as session:
        mark_sent(sent.id, owner="t", channel="D1", ts="1.1", now=WRITTEN, session=session)
        mark_failed(gone.id, owner="t", reason="user_not_found", now=WRITTEN, session=session)
    engine.dispose()
    return database


def test_outbox_prints_counts_by_kind_and_status_and_the_oldest_waiting(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox"]) == 0

    out = capsys.readouterr().out
    header, dm, home = out.splitlines()[:3]
    assert header.split() == ["kind", "pending", "sending", "sent", "skipped", "failed"]
    assert dm.split() == ["dm", "1", "0", "1", "0", "1"]
    assert home.split() == ["home", "1", "0", "0", "0", "0"]
    assert "Oldest waiting: request:3:to-mentor (dm), written 2026-11-23 08:00 UTC" in out
    assert "user_not_found" not in out  # failures only on request
    assert SECRET not in out


def test_outbox_failed_lists_keys_and_reasons_never_the_text(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "--failed"]) == 0

    out = capsys.readouterr().out
    assert "request:2:to-mentor  dm to U0GONE001: user_not_found (after 1 attempt)" in out
    assert SECRET not in out


def test_an_empty_outbox_says_so(
    fake_slack: FakeSlack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["outbox"]) == 0
    assert capsys.readouterr().out.strip() == "The outbox is empty."


def test_the_purge_job_forgets_old_sent_messages_and_keeps_the_rest(
    deps: Deps, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    with unit_of_work(deps.open_session) as session:
        enqueue(
            [DirectMessage(key=f"k{n}", user_id="U0BOB0001", text="hi") for n in range(3)],
            session=session,
            now=clock(),
        )
    sent, failed = claim(deps.open_session, 2, owner="t", lease=timedelta(minutes=1), now=clock())
    with unit_of_work(deps.open_session) as session:
        mark_sent(sent.id, owner="t", channel="D1", ts="1.1", now=clock(), session=session)
        mark_failed(failed.id, owner="t", reason="cannot_dm_bot", now=clock(), session=session)
    jobs.install(deps, build_client(deps.settings))

    clock.advance(days=13)
    jobs.purge_outbox()
    assert _keys(deps) == ["k0", "k1", "k2"]
    clock.advance(days=2)
    jobs.purge_outbox()
    assert _keys(deps) == ["k1", "k2"]


def _keys(deps: Deps) -> list[str]:
    with deps.open_session() as session:
        return sorted(session.exec(select(OutboxMessage.key)).all())
