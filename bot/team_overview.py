"""What a manager's screens show of their team, and what coordinators may read of all teams.

A manager's ``TeamView`` (`/mentor team`, the Home's "Your team") carries counts and the
pulse as ``bot.pulse`` lets them be seen; the coordinators' reads carry counts only: that
a check-in happened, and pulses in numbers from the group minimum, never notes or words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.config import Settings
from bot.pulse import PulseResults, PulseStatus, pulse_status, results_of
from bot.team import (
    CheckinNote,
    ReminderStatus,
    TeamSnapshot,
    last_checkin,
    reminder_status,
    snapshot,
    team_of,
)
from storage import team as store

# --- what a manager's screens show -------------------------------------------------------------


@dataclass(frozen=True)
class TeamView:
    """Everything `/mentor team`, the Home's "Your team" and the reminder show a manager."""

    manager: str
    size: int
    min_group: int
    checkin_days: int
    snapshot: TeamSnapshot | None
    pulse: PulseStatus | None
    last_checkin: CheckinNote | None
    reminder: ReminderStatus
    tz: str | None


def team_view(session: Session, manager: str, *, settings: Settings, now: datetime) -> TeamView:
    """``manager``'s screen (``NotAManager`` for anyone else)."""
    team = team_of(session, manager)
    return TeamView(
        manager=manager,
        size=len(team.reports),
        min_group=settings.min_group,
        checkin_days=settings.checkin_days,
        snapshot=snapshot(session, team, settings=settings, now=now),
        pulse=pulse_status(session, manager, min_group=settings.min_group, now=now),
        last_checkin=last_checkin(session, manager),
        reminder=reminder_status(session, manager, now=now),
        tz=team.tz,
    )


# --- for the coordinators' digest --------------------------------------------------------------


@dataclass(frozen=True)
class CheckinDigest:
    """Team check-ins in a period, programme-wide: counts only, never notes.

    ``pulse`` aggregates the answers of the pulses opened in the period that reached the
    group minimum themselves (None when no pulse did): no single small team's answers
    are ever counted where their manager could not see them.
    """

    checkins: int
    managers: int
    pulse: PulseResults | None
    pulse_answers: int


def programme_checkins(
    session: Session, start: datetime, end: datetime, *, min_group: int
) -> CheckinDigest:
    """Check-ins held on days in [start, end) and the pulse aggregate, for the digest."""
    held, managers = store.checkins_between(start.date(), end.date(), session=session)
    enough = _pulses_enough(session, start, end, min_group)
    answers = store.answers_of([p for p, _ in enough], session=session)
    results = _counts_only(results_of(answers, min_group=min_group))
    return CheckinDigest(held, managers, results, len(answers) if results else 0)


@dataclass(frozen=True)
class ManagerCheckins:
    """One manager's check-ins in a period and their team's pulse, in counts (None: no
    pulse of theirs opened in the period reached the group minimum)."""

    manager: str
    checkins: int
    last_held_on: date | None
    pulse: PulseResults | None
    pulse_answers: int


def checkins_by_manager(
    session: Session, start: datetime, end: datetime, *, min_group: int
) -> tuple[ManagerCheckins, ...]:
    """That each manager held a check-in in [start, end), and their team's pulse in
    counts above the group minimum: what coordinators may see of a team, never notes."""
    held = store.checkins_per_manager(start.date(), end.date(), session=session)
    pulses: dict[str, list[int]] = {}
    for pulse_id, manager in _pulses_enough(session, start, end, min_group):
        pulses.setdefault(manager, []).append(pulse_id)
    lines = []
    for manager in sorted(set(held) | set(pulses)):
        answers = store.answers_of(pulses.get(manager, []), session=session)
        results = _counts_only(results_of(answers, min_group=min_group))
        count, last = held.get(manager, (0, None))
        lines.append(ManagerCheckins(manager, count, last, results, len(answers) if results else 0))
    return tuple(lines)


def _pulses_enough(
    session: Session, start: datetime, end: datetime, min_group: int
) -> list[tuple[int, str]]:
    """(pulse, manager) of the pulses opened in [start, end) that the group minimum answered."""
    pulses = store.pulses_opened_between(start, end, session=session)
    counts = store.answer_counts([p for p, _ in pulses], session=session)
    return [(p, m) for p, m in pulses if counts.get(p, 0) >= min_group]


def _counts_only(results: PulseResults | None) -> PulseResults | None:
    """Counts only: what coordinators read never carries what anyone wrote."""
    return None if results is None else PulseResults(results.usage, results.obstacles, (), ())
