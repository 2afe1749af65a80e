"""Assembles what the App Home and `/mentor progress` show for one person.

Each surface is a pure function of the state built here: progress toward the goals,
logged meetings still waiting, who to ask next, and the parts other surfaces own
(conversations, the mentor offer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.config import Settings
from bot.connections import (
    MetRequest,
    load_progress,
    running_transition,
    start_transition,
    stop_transition,
    waiting_met_requests,
)
from bot.conversations import ConversationsHome, home_state
from bot.errors import NotInDirectory
from bot.matching import Suggestion, directory_person, suggest_mentors
from bot.offers import OfferSummary, offer_summary
from bot.progress import NextPerson, Progress
from bot.team import NotAManager
from bot.team_overview import TeamView, team_view
from bot.topics import normalise
from storage.connections import connected_ids
from storage.conversations import current_counterparts
from storage.models import Person, TransitionKind
from storage.people import get_by_slack_id, reports_of

SUGGESTIONS = 3
LEARNING_MAX = 200


@dataclass(frozen=True)
class ProgressState:
    """What `/mentor progress` shows."""

    slack_id: str
    progress: Progress
    suggestions: tuple[NextPerson, ...] = ()
    waiting: tuple[MetRequest, ...] = ()
    conversations: ConversationsHome | None = None  # for where each request stands


@dataclass(frozen=True)
class HomeState:
    """What one person's Home tab shows; ``person_known`` False means not in the directory."""

    slack_id: str
    person_known: bool
    progress: ProgressState | None = None
    running_transition: str | None = None  # a TransitionKind value
    report_count: int = 0
    is_coordinator: bool = False
    offer: OfferSummary | None = None  # None: no offer yet (the Home invites one)
    learning: str | None = None  # "I'd like to learn about…", as they typed it
    team: TeamView | None = None  # a manager's "Your team" (None: nobody reports to them)
    nudges_muted: bool = False  # check-ins muted (the Home's toggle shows it)
    nudges_muted_until: date | None = None


def load_progress_state(
    session: Session, person: Person, *, settings: Settings, now: datetime
) -> ProgressState:
    progress = load_progress(session, person, settings=settings, now=now)
    return ProgressState(
        slack_id=person.slack_id,
        progress=progress,
        suggestions=next_people(session, person, progress, settings=settings, now=now),
        waiting=tuple(waiting_met_requests(session, person)),
        conversations=home_state(session, person, now=now, max_sessions=settings.max_sessions),
    )


def load_home_state(
    session: Session, slack_id: str, *, settings: Settings, now: datetime
) -> HomeState:
    person = get_by_slack_id(slack_id, session=session)
    coordinator = settings.is_coordinator(slack_id)
    if person is None or not person.is_active or person.id is None:
        return HomeState(
            slack_id=slack_id,
            person_known=False,
            is_coordinator=coordinator,
            team=_team(session, slack_id, settings=settings, now=now),
        )
    state = load_progress_state(session, person, settings=settings, now=now)
    transition = running_transition(state.progress)
    return HomeState(
        slack_id=slack_id,
        person_known=True,
        progress=state,
        running_transition=transition.kind if transition is not None else None,
        report_count=len(reports_of(slack_id, session=session)),
        is_coordinator=coordinator,
        offer=offer_summary(session, person, now=now),
        learning=person.learning,
        team=_team(session, slack_id, settings=settings, now=now),
        nudges_muted=person.nudges_muted,
        nudges_muted_until=person.nudges_muted_until,
    )


def _team(session: Session, slack_id: str, *, settings: Settings, now: datetime) -> TeamView | None:
    """A manager's team as their Home shows it; None for everyone else."""
    try:
        return team_view(session, slack_id, settings=settings, now=now)
    except NotAManager:
        return None


def next_people(
    session: Session,
    person: Person,
    progress: Progress,
    *,
    settings: Settings,
    now: datetime,
    limit: int = SUGGESTIONS,
) -> tuple[NextPerson, ...]:
    """Up to ``limit`` people to ask next: outside your area, new for you, with capacity.

    During a transition, mentors offering that transition's topic come first, then those
    offering what the person would like to learn about; the rest are filled with the best
    general matches.
    """
    if person.id is None:
        return ()
    # Not someone you already have, nor someone you are already asking or talking to.
    exclude = set(connected_ids(person.id, session=session))
    exclude |= current_counterparts(person.id, session=session)
    chosen: list[NextPerson] = []
    transition = running_transition(progress)
    searches: list[str | None] = [transition.label] if transition is not None else []
    if person.learning_key:
        searches.append(person.learning)
    searches.append(None)
    for topic in searches:
        if len(chosen) >= limit:
            break
        found = suggest_mentors(
            session,
            person,
            topic,
            now=now,
            max_level_gap=settings.max_level_gap,
            limit=limit,
            exclude_ids=exclude,
        )
        for suggestion in found:
            if suggestion.is_new_connection and len(chosen) < limit:
                chosen.append(_next_person(suggestion, topic))
                if suggestion.mentor.id is not None:
                    exclude.add(suggestion.mentor.id)
    return tuple(chosen)


def _next_person(suggestion: Suggestion, topic: str | None) -> NextPerson:
    parts = []
    if suggestion.matched_topics:
        parts.append("offers " + ", ".join(suggestion.matched_topics[:3]))
    elif suggestion.offered_topics:
        parts.append("offers " + ", ".join(suggestion.offered_topics[:3]))
    parts += suggestion.reasons
    return NextPerson(
        slack_id=suggestion.mentor.slack_id,
        why=" · ".join(parts),
        topic=topic if suggestion.matched_topics else None,
    )


def mark_transition(
    session: Session, slack_id: str, kind: str, *, settings: Settings, now: datetime
) -> bool:
    """Start a transition goal from the Home; False when unknown kind or already running."""
    person = directory_person(session, slack_id)
    try:
        transition = TransitionKind(kind)
    except ValueError:
        return False
    return start_transition(session, person, transition, settings=settings, now=now)


def end_transition_goal(session: Session, slack_id: str, kind: str, *, now: datetime) -> bool:
    """End the running transition ``kind`` (the one the button showed); False otherwise."""
    person = get_by_slack_id(slack_id, session=session)
    if person is None or person.id is None:
        raise NotInDirectory(slack_id)
    return stop_transition(session, person, now=now, kind=kind)


def set_learning(session: Session, slack_id: str, text: str, *, now: datetime) -> str | None:
    """Store what ``slack_id`` would like to learn about (blank clears it); returns it."""
    person = directory_person(session, slack_id)
    tidy = " ".join(text.split())[:LEARNING_MAX] or None
    person.learning = tidy
    key = normalise(tidy)[:LEARNING_MAX] if tidy else ""
    person.learning_key = key or None
    person.updated_at = now
    session.add(person)
    session.flush()
    return tidy


def current_learning(session: Session, slack_id: str) -> str | None:
    person = get_by_slack_id(slack_id, session=session)
    return person.learning if person is not None else None
