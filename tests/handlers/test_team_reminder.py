"""The manager's monthly check-in reminder, with an injected clock: it fires after 30 days
without a check-in, once, not after "stop", and not while snoozed."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.context import Deps
from bot.ids import ActionId
from bot.slack import build_client
from handlers import jobs
from storage.models import OutboxMessage
from storage.people import get_by_slack_id
from tests.conftest import START, FakeClock
from tests.handlers.journey import buttons, text_of
from tests.handlers.team_steps import (
    MANAGER,
    OTHER_MANAGER,
    OTHER_REPORTS,
    REPORTS,
    Steps,
    make_team,
)
from tests.inprocess import InProcessSender


@pytest.fixture
def steps(inproc: InProcessSender, session: Session, deps: Deps) -> Steps:
    make_team(session, MANAGER, REPORTS[:3])
    jobs.install(deps, build_client(deps.settings))
    return Steps(inproc, inproc.fake)


def _run_jobs() -> None:
    """The hourly team job and the nudge planner, as the scheduler runs them."""
    jobs.team_checkins()
    jobs.plan_nudges()


def _reminders(steps: Steps, manager: str = MANAGER) -> list[dict[str, object]]:
    return [
        c.params
        for c in steps.dms_to(manager)
        if ActionId.TEAM_SNOOZE_REMINDER in buttons(c.params)
    ]


def test_the_reminder_fires_after_30_days_without_a_check_in_once_and_not_after_stop(
    steps: Steps, clock: FakeClock, session: Session
) -> None:
    steps.record_checkin(MANAGER, START.date().isoformat(), heard="a first one")

    clock.advance(days=29)
    _run_jobs()
    assert _reminders(steps) == []

    clock.advance(days=1)
    _run_jobs()
    (reminder,) = _reminders(steps)
    text = text_of(reminder)
    assert "no mentoring check-in recorded for 30 days" in text
    assert "Are you using it? If so, how? If not, what is in your way?" in text
    assert {
        ActionId.TEAM_SEND_PULSE,
        ActionId.TEAM_RECORD_CHECKIN,
        ActionId.TEAM_SNOOZE_REMINDER,
        ActionId.TEAM_STOP_REMINDING,
    } <= set(buttons(reminder))
    keys = session.exec(select(OutboxMessage.key).where(OutboxMessage.recipient == MANAGER)).all()
    assert f"team-checkin:manager:{MANAGER}:2026-12" in keys

    for hours in (0, 1, 24 * 5):  # the job runs again: nothing more
        clock.advance(hours=hours)
        _run_jobs()
    assert len(_reminders(steps)) == 1

    stopped = steps.answer_to_click(ActionId.TEAM_STOP_REMINDING, "stop", user=MANAGER)
    assert "Reminder stopped" in text_of(stopped)
    for _ in range(3):
        clock.advance(days=40)
        _run_jobs()
    assert len(_reminders(steps)) == 1
    assert ActionId.TEAM_REMIND_MONTHLY in buttons(steps.team(MANAGER))

    steps.answer_to_click(ActionId.TEAM_REMIND_MONTHLY, "monthly", user=MANAGER)
    clock.advance(days=29)
    _run_jobs()
    assert len(_reminders(steps)) == 1
    clock.advance(days=1)
    _run_jobs()
    assert len(_reminders(steps)) == 2


def test_a_snoozed_reminder_waits_a_month_from_the_snooze(steps: Steps, clock: FakeClock) -> None:
    _run_jobs()  # the team has been in the directory for months: due now
    assert len(_reminders(steps)) == 1

    clock.advance(days=3)
    snoozed = steps.answer_to_click(ActionId.TEAM_SNOOZE_REMINDER, "snooze", user=MANAGER)
    assert "no reminder before Sat 26 Dec" in text_of(snoozed)
    clock.advance(days=29)  # 32 days since the reminder, 29 since the snooze
    _run_jobs()
    assert len(_reminders(steps)) == 1
    clock.advance(days=1)  # a month from the snooze: Saturday 26 December, not a work day
    _run_jobs()
    assert len(_reminders(steps)) == 1
    clock.advance(days=2)  # Monday morning
    _run_jobs()
    assert len(_reminders(steps)) == 2


def test_a_recent_check_in_or_a_new_team_is_not_reminded(
    steps: Steps, clock: FakeClock, session: Session
) -> None:
    steps.record_checkin(MANAGER, "2026-11-01")  # 22 days ago
    make_team(session, OTHER_MANAGER, OTHER_REPORTS)
    for report in OTHER_REPORTS:  # a team that entered the directory today
        person = get_by_slack_id(report, session=session)
        assert person is not None
        person.created_at = START
        session.add(person)
    session.commit()
    _run_jobs()
    assert _reminders(steps) == [] and _reminders(steps, OTHER_MANAGER) == []
    clock.advance(days=8)  # 30 days after the check-in's date
    _run_jobs()
    assert len(_reminders(steps)) == 1 and _reminders(steps, OTHER_MANAGER) == []
    clock.advance(days=22)
    _run_jobs()
    assert len(_reminders(steps, OTHER_MANAGER)) == 1


def test_a_muted_manager_gets_no_reminder(steps: Steps, clock: FakeClock, session: Session) -> None:
    manager = get_by_slack_id(MANAGER, session=session)
    assert manager is not None
    manager.nudges_muted = True
    session.add(manager)
    session.commit()
    _run_jobs()
    assert _reminders(steps) == []


def test_the_reminder_waits_for_the_managers_own_working_hours(
    steps: Steps, clock: FakeClock, session: Session
) -> None:
    manager = get_by_slack_id(MANAGER, session=session)
    assert manager is not None
    manager.tz = "America/Los_Angeles"  # 10:00 UTC is 02:00 there
    session.add(manager)
    session.commit()
    _run_jobs()
    assert _reminders(steps) == []
    clock.advance(hours=7)  # 17:00 UTC: 09:00 in Los Angeles
    _run_jobs()
    assert len(_reminders(steps)) == 1
    clock.advance(hours=1)
    _run_jobs()
    assert len(_reminders(steps)) == 1
