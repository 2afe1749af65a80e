"""Arranging check-in situations in the database (a pair, a session, an action, a request…)
and reading back what the planner planned. Times are around ``START``: Monday 2026-11-23,
10:00 UTC (10:00 in London, where the journey's people live)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot import conversations as svc
from bot.connections import log_met
from bot.context import Deps
from bot.conversations import RequestForm
from bot.effects import is_nudge
from bot.nudges import planner
from storage.models import (
    ActionItem,
    ActionOwner,
    Conversation,
    MentoringSession,
    OutboxMessage,
    Person,
    PlannedNudge,
)
from tests.conftest import START
from tests.handlers.journey import MENTEE, MENTOR, OTHER_MENTOR, QUESTIONS
from tests.handlers.journey import directory as journey_directory

MONDAY_10 = START
SATURDAY_10 = START + timedelta(days=5)


@dataclass(frozen=True)
class Pair:
    conversation_id: int
    first_session: int


def directory(session: Session) -> dict[str, Person]:
    return journey_directory(session)


def requested(session: Session, *, at: datetime, mentor: str = MENTOR) -> int:
    """A request from the mentee to ``mentor`` made at ``at``."""
    form = RequestForm("public speaking", QUESTIONS)
    made = svc.create_request(session, MENTEE, mentor, form, now=at, max_level_gap=2)
    session.commit()
    return made.conversation_id


def active_pair(session: Session, *, at: datetime, mentor: str = MENTOR) -> Pair:
    """A request accepted at ``at``: session 1 exists with its agenda (the request's)."""
    cid = requested(session, at=at, mentor=mentor)
    svc.accept_request(session, cid, mentor, now=at, max_sessions=3)
    session.commit()
    first = session.exec(
        select(MentoringSession.id).where(MentoringSession.conversation_id == cid)
    ).one()
    assert first is not None
    return Pair(cid, first)


def schedule(session: Session, session_id: int, at: datetime, *, agenda: bool = False) -> None:
    """Session ``session_id`` planned for ``at``, with or without an agenda."""
    row = session.get(MentoringSession, session_id)
    assert row is not None
    row.scheduled_at = at
    row.agenda_posted_at = at - timedelta(days=3) if agenda else None
    session.add(row)
    session.commit()


def hold(session: Session, session_id: int, at: datetime, *, followups: bool = False) -> None:
    row = session.get(MentoringSession, session_id)
    assert row is not None
    row.held_at = at
    row.followups_posted_at = at if followups else None
    session.add(row)
    session.commit()


def action(session: Session, session_id: int, due: date, *, owner: str = ActionOwner.MENTEE) -> int:
    item = ActionItem(
        session_id=session_id, position=1, text="Rehearse the opening", owner=owner, due_date=due
    )
    session.add(item)
    session.commit()
    assert item.id is not None
    return item.id


def met_logged(session: Session, logger: str, other: str, *, at: datetime) -> int:
    met = log_met(session, logger, other, "coffee", now=at).met_id
    session.commit()
    return met


def set_person(session: Session, slack_id: str, **fields: object) -> None:
    person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
    for name, value in fields.items():
        setattr(person, name, value)
    session.add(person)
    session.commit()


def plan_at(deps: Deps, when: datetime) -> planner.PlanReport:
    return planner.plan(deps.open_session, now=when, settings=deps.settings)


def preview_at(deps: Deps, when: datetime) -> list[planner.Decision]:
    return planner.preview(deps.open_session, now=when, settings=deps.settings)


def planned(session: Session) -> list[tuple[str, str, date]]:
    """(key, person, day) of every nudge planned, in order."""
    session.expire_all()
    rows = session.exec(
        select(PlannedNudge.key, PlannedNudge.person_slack_id, PlannedNudge.day).order_by(
            col(PlannedNudge.planned_at), col(PlannedNudge.key)
        )
    ).all()
    return [(k, p, d) for k, p, d in rows]


def planned_keys(session: Session) -> list[str]:
    return [key for key, _, _ in planned(session)]


def nudge_rows(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    return [row for row in rows if is_nudge(row.kind)]


def conversation(session: Session, cid: int) -> Conversation:
    found = session.get(Conversation, cid)
    assert found is not None
    return found


__all__ = ["MENTEE", "MENTOR", "OTHER_MENTOR"]
