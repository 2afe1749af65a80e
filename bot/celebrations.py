"""Celebrating people who reach their goal, only when they say yes.

On reaching a goal (a newcomer's ten connections, a transition's smaller goal) a person
is asked once whether the coordinators may name them in the weekly digest; one click
records the yes (``consent``), re-checked against the database, so a forged or stale
button celebrates nobody. The digest names each yes in exactly one week
(``storage.digest.celebrated``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import Settings
from bot.connections import NEWCOMER_LABEL, TRANSITION_LABELS, local_day
from bot.errors import MentorbotError
from bot.progress import Window
from storage import digest as store
from storage.connections import first_connected_at
from storage.models import Person
from storage.people import get_by_slack_id, get_many

NEWCOMER_PREFIX, TRANSITION_PREFIX = "newcomer:", "transition:"
ASK_WITHIN = timedelta(days=7)  # goals reached this recently are asked about
NOT_REACHED = (
    "That goal isn't reached yet (or the button is out of date), so nothing was changed. "
    "Keep going: `/mentor progress` shows where you stand."
)


@dataclass(frozen=True)
class ReachedGoal:
    key: str  # names the goal and its window: newcomer:2026-06-01, transition:42
    label: str  # "your first six months", "first-time supervisor"
    goal: int
    reached_at: datetime  # when the last connection it needed was made


def _reached(firsts: list[datetime], goal: int) -> datetime | None:
    ordered = sorted(firsts)
    return ordered[goal - 1] if len(ordered) >= goal else None


def reached_goals(session: Session, person: Person, settings: Settings) -> list[ReachedGoal]:
    """The goals ``person`` has reached (newcomer, their transitions), exactly as their own
    progress counts them (days in their time zone)."""
    assert person.id is not None
    firsts = first_connected_at(person.id, session=session)
    found: list[ReachedGoal] = []
    if person.start_date is not None:
        window = Window(starts_on=person.start_date, days=settings.connection_window_days)
        inside = [t for t in firsts.values() if window.contains(local_day(person, t))]
        at = _reached(inside, settings.connection_goal)
        if at is not None:
            key = f"{NEWCOMER_PREFIX}{person.start_date.isoformat()}"
            found.append(ReachedGoal(key, NEWCOMER_LABEL, settings.connection_goal, at))
    return found


def _transition_goal(session: Session, person: Person, transition_id: int) -> ReachedGoal | None:
    transition = store.get_transition(transition_id, session=session)
    if transition is None or transition.person_id != person.id:
        return None
    assert person.id is not None
    window = Window(starts_on=local_day(person, transition.started_at), days=transition.window_days)
    ended = transition.ended_at
    inside = [
        t
        for t in first_connected_at(person.id, session=session).values()
        if t >= transition.started_at
        and window.contains(local_day(person, t))
        and (ended is None or t < ended)
    ]
    at = _reached(inside, transition.goal)
    if at is None:
        return None
    label = TRANSITION_LABELS.get(transition.kind, transition.kind)
    return ReachedGoal(f"{TRANSITION_PREFIX}{transition_id}", label, transition.goal, at)


def goal_reached(
    session: Session, person: Person, key: str, settings: Settings
) -> ReachedGoal | None:
    """The goal ``key`` names, if ``person`` reached it; None for any other key."""
    if key.startswith(TRANSITION_PREFIX):
        tail = key[len(TRANSITION_PREFIX) :]
        if not tail.isdigit() or len(tail) > 10:
            return None
        return _transition_goal(session, person, int(tail))
    return next((g for g in reached_goals(session, person, settings) if g.key == key), None)


def consent(
    session: Session, slack_id: str, key: str, settings: Settings, *, now: datetime
) -> ReachedGoal:
    """Record ``slack_id``'s yes to being celebrated for the goal ``key`` (once)."""
    person = get_by_slack_id(slack_id, session=session)
    reached = goal_reached(session, person, key, settings) if person is not None else None
    if person is None or reached is None or person.id is None:
        raise MentorbotError(NOT_REACHED)
    store.add_celebration(
        person.id, reached.key, reached_at=reached.reached_at, session=session, now=now
    )
    return reached


def recently_reached(
    session: Session, settings: Settings, *, now: datetime
) -> list[tuple[str, ReachedGoal]]:
    """(Slack ID, goal) for every active, unmuted person who reached a goal in the last
    ``ASK_WITHIN`` and has not said yes to it yet: set-based counts find the few
    candidates, then each is checked exactly."""
    since = now - ASK_WITHIN
    today = now.date()
    newcomers = store.newcomer_counts(
        started_after=today - timedelta(days=settings.connection_window_days + 1),
        end=now,
        since=since,
        session=session,
    )
    candidates = {
        row.slack_id: None
        for row in newcomers
        if row.count >= settings.connection_goal > row.count - row.recent
    }
    moving = store.transition_counts(end=now, since=since, session=session)
    transitions = {
        row.slack_id: row.transition_id
        for row in moving
        if row.goal is not None and row.count >= row.goal > row.count - row.recent
    }
    people = get_many([*candidates, *transitions], session=session)
    said_yes = store.celebration_goals(
        [p.id for p in people.values() if p.id is not None], session=session
    )
    found: list[tuple[str, ReachedGoal]] = []
    for slack_id, person in sorted(people.items()):
        if not person.is_active or person.nudges_muted:
            continue
        goals = reached_goals(session, person, settings) if slack_id in candidates else []
        transition_id = transitions.get(slack_id)
        if transition_id is not None:
            goal = _transition_goal(session, person, transition_id)
            goals += [goal] if goal is not None else []
        for goal in goals:
            if goal.reached_at >= since and (person.id, goal.key) not in said_yes:
                found.append((slack_id, goal))
    return found
