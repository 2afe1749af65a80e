"""Queries for managers' teams: who reports to whom, check-ins, pulses and the reminder.

Everything a manager is shown is computed from these as counts; no function here returns
who answered a pulse what (after a pulse closes, nothing in the database knows).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from storage.models import (
    CheckinReminder,
    Connection,
    Conversation,
    MentoringSession,
    MentorOffer,
    MetLog,
    MetStatus,
    OfferTopic,
    Person,
    PulseAnswer,
    PulseInvite,
    TeamCheckin,
    TeamPulse,
    Topic,
)

# --- the team ------------------------------------------------------------------------------


def active_reports(manager_slack_id: str, *, session: Session) -> list[Person]:
    """The manager's direct reports still active in the directory (never the manager)."""
    statement = (
        select(Person)
        .where(
            Person.manager_slack_id == manager_slack_id,
            col(Person.is_active).is_(True),
            Person.slack_id != manager_slack_id,
        )
        .order_by(col(Person.slack_id))
    )
    return list(session.exec(statement).all())


@dataclass(frozen=True)
class ManagerRow:
    """What the reminder needs to know of one manager, in one row."""

    manager_slack_id: str
    team_size: int  # active reports
    team_since: datetime  # the earliest an active report of theirs entered the directory
    last_checkin_on: date | None
    stopped: bool
    snoozed_until: datetime | None
    counting_from: datetime | None
    quiet: bool  # in the directory but inactive, or muted nudges


def manager_rows(*, session: Session, managers: Collection[str] | None = None) -> list[ManagerRow]:
    """Every manager (of at least one active person), or only ``managers``, with their
    reminder's clock: a few grouped queries, whatever the size of the company."""
    teams = select(
        Person.manager_slack_id, func.min(Person.created_at), func.count(col(Person.id))
    ).where(
        col(Person.manager_slack_id).is_not(None),
        col(Person.is_active).is_(True),
        col(Person.manager_slack_id) != col(Person.slack_id),
    )
    if managers is not None:
        teams = teams.where(col(Person.manager_slack_id).in_(list(managers)))
    grouped = session.exec(teams.group_by(col(Person.manager_slack_id))).all()
    since = {str(m): _utc(first) for m, first, _ in grouped if m}
    sizes = {str(m): int(n) for m, _, n in grouped if m}
    if not since:
        return []
    ids = list(since)
    last = dict(
        session.exec(
            select(TeamCheckin.manager_slack_id, func.max(TeamCheckin.held_on))
            .where(col(TeamCheckin.manager_slack_id).in_(ids))
            .group_by(col(TeamCheckin.manager_slack_id))
        ).all()
    )
    states = {
        r.manager_slack_id: r
        for r in session.exec(
            select(CheckinReminder).where(col(CheckinReminder.manager_slack_id).in_(ids))
        ).all()
    }
    quiet = set(
        session.exec(
            select(Person.slack_id).where(
                col(Person.slack_id).in_(ids),
                or_(col(Person.is_active).is_(False), col(Person.nudges_muted).is_(True)),
            )
        ).all()
    )
    rows = []
    for manager in sorted(ids):
        state = states.get(manager)
        rows.append(
            ManagerRow(
                manager_slack_id=manager,
                team_size=sizes[manager],
                team_since=since[manager],
                last_checkin_on=_day(last.get(manager)),
                stopped=bool(state and state.stopped),
                snoozed_until=state.snoozed_until if state else None,
                counting_from=state.counting_from if state else None,
                quiet=manager in quiet,
            )
        )
    return rows


def _utc(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- the snapshot: counts over a team's IDs ------------------------------------------------


def met_since(person_ids: Collection[int], since: datetime, *, session: Session) -> set[int]:
    """Which of ``person_ids`` held a session (either side) or had a meeting confirmed
    since ``since``."""
    ids = list(person_ids)
    if not ids:
        return set()
    held = session.exec(
        select(Conversation.mentee_id, Conversation.mentor_id)
        .join(MentoringSession, col(MentoringSession.conversation_id) == col(Conversation.id))
        .where(
            col(MentoringSession.held_at) >= since,
            or_(col(Conversation.mentee_id).in_(ids), col(Conversation.mentor_id).in_(ids)),
        )
    ).all()
    met = session.exec(
        select(MetLog.logger_id, MetLog.other_id).where(
            MetLog.status == MetStatus.CONFIRMED.value,
            col(MetLog.answered_at) >= since,
            or_(col(MetLog.logger_id).in_(ids), col(MetLog.other_id).in_(ids)),
        )
    ).all()
    found = {p for pair in [*held, *met] for p in pair}
    return found & set(ids)


def offering(person_ids: Collection[int], *, session: Session) -> set[int]:
    """Which of ``person_ids`` have a mentor offer."""
    if not person_ids:
        return set()
    statement = select(MentorOffer.person_id).where(
        col(MentorOffer.person_id).in_(list(person_ids))
    )
    return set(session.exec(statement).all())


def offered_topic_labels(person_ids: Collection[int], *, session: Session) -> list[str]:
    """The catalogue topics the offers of ``person_ids`` cover (labels, no one named)."""
    if not person_ids:
        return []
    statement = (
        select(Topic.label)
        .join(OfferTopic, col(OfferTopic.topic_id) == col(Topic.id))
        .join(MentorOffer, col(MentorOffer.id) == col(OfferTopic.offer_id))
        .where(col(MentorOffer.person_id).in_(list(person_ids)))
        .distinct()
    )
    return sorted(session.exec(statement).all(), key=str.casefold)


def requested_topics(
    person_ids: Collection[int], since: datetime, *, session: Session
) -> list[tuple[int, str]]:
    """(mentee, topic as written) of requests ``person_ids`` made since ``since``."""
    if not person_ids:
        return []
    statement = select(Conversation.mentee_id, Conversation.topic).where(
        col(Conversation.mentee_id).in_(list(person_ids)), col(Conversation.created_at) >= since
    )
    return [(int(m), str(t)) for m, t in session.exec(statement).all()]


def connected_areas(
    person_ids: Collection[int], since: datetime, *, session: Session
) -> list[tuple[int, str]]:
    """(team member, the other person's area) of connections made since ``since``."""
    if not person_ids:
        return []
    statement = (
        select(Connection.person_id, Person.area)
        .join(Person, col(Person.id) == col(Connection.other_id))
        .where(
            col(Connection.person_id).in_(list(person_ids)),
            col(Connection.made_at) >= since,
            col(Person.area).is_not(None),
        )
    )
    return [(int(p), str(a)) for p, a in session.exec(statement).all() if a]


# --- check-ins -------------------------------------------------------------------------------


def add_checkin(checkin: TeamCheckin, *, session: Session) -> TeamCheckin:
    session.add(checkin)
    session.flush()
    return checkin


def last_checkin(manager_slack_id: str, *, session: Session) -> TeamCheckin | None:
    statement = (
        select(TeamCheckin)
        .where(TeamCheckin.manager_slack_id == manager_slack_id)
        .order_by(col(TeamCheckin.held_on).desc(), col(TeamCheckin.id).desc())
    )
    return session.exec(statement).first()


def checkins_per_manager(
    start: date, end: date, *, session: Session
) -> dict[str, tuple[int, date | None]]:
    """Manager -> (check-ins held on days in [start, end), the last of those days)."""
    statement = (
        select(
            TeamCheckin.manager_slack_id,
            func.count(col(TeamCheckin.id)),
            func.max(TeamCheckin.held_on),
        )
        .where(col(TeamCheckin.held_on) >= start, col(TeamCheckin.held_on) < end)
        .group_by(col(TeamCheckin.manager_slack_id))
    )
    return {str(m): (int(n), _day(last)) for m, n, last in session.exec(statement).all()}


def checkins_between(start: date, end: date, *, session: Session) -> tuple[int, int]:
    """(check-ins held on days in [start, end), distinct managers who held them)."""
    statement = select(
        func.count(col(TeamCheckin.id)), func.count(func.distinct(TeamCheckin.manager_slack_id))
    ).where(col(TeamCheckin.held_on) >= start, col(TeamCheckin.held_on) < end)
    held, managers = session.exec(statement).one()
    return int(held or 0), int(managers or 0)


# --- pulses -----------------------------------------------------------------------------------


def add_pulse(pulse: TeamPulse, invitees: Sequence[str], *, session: Session) -> TeamPulse:
    session.add(pulse)
    session.flush()
    assert pulse.id is not None
    session.add_all(PulseInvite(pulse_id=pulse.id, slack_id=s) for s in invitees)
    session.flush()
    return pulse


def get_pulse(pulse_id: int, *, session: Session, for_update: bool = False) -> TeamPulse | None:
    statement = select(TeamPulse).where(col(TeamPulse.id) == pulse_id)
    if for_update:  # PostgreSQL: two answers or a close at once take turns
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.exec(statement).first()


def unclosed_pulse(manager_slack_id: str, *, session: Session) -> TeamPulse | None:
    """The manager's pulse not yet closed (open, or past its end with the job not yet by)."""
    statement = select(TeamPulse).where(
        TeamPulse.manager_slack_id == manager_slack_id, col(TeamPulse.closed_at).is_(None)
    )
    return session.exec(statement.with_for_update()).first()


def latest_pulse(manager_slack_id: str, *, session: Session) -> TeamPulse | None:
    statement = (
        select(TeamPulse)
        .where(TeamPulse.manager_slack_id == manager_slack_id)
        .order_by(col(TeamPulse.opened_at).desc(), col(TeamPulse.id).desc())
    )
    return session.exec(statement).first()


def due_to_close(now: datetime, *, session: Session, limit: int) -> list[int]:
    statement = (
        select(TeamPulse.id)
        .where(col(TeamPulse.closed_at).is_(None), col(TeamPulse.closes_at) <= now)
        .order_by(col(TeamPulse.id))
        .limit(limit)
    )
    return [int(i) for i in session.exec(statement).all() if i is not None]


def invite_of(
    pulse_id: int, slack_id: str, *, session: Session, for_update: bool = False
) -> PulseInvite | None:
    statement = select(PulseInvite).where(
        PulseInvite.pulse_id == pulse_id, PulseInvite.slack_id == slack_id
    )
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.exec(statement).first()


def get_answer(answer_id: int, *, session: Session) -> PulseAnswer | None:
    return session.get(PulseAnswer, answer_id)


def add_answer(answer: PulseAnswer, *, session: Session) -> PulseAnswer:
    session.add(answer)
    session.flush()
    return answer


def link_answer(pulse_id: int, slack_id: str, answer_id: int, *, session: Session) -> bool:
    """Make ``answer_id`` the invitee's answer if they have none yet (compare-and-set): False
    when a first answer of theirs got there at the same moment."""
    result = session.execute(
        update(PulseInvite)
        .where(
            col(PulseInvite.pulse_id) == pulse_id,
            col(PulseInvite.slack_id) == slack_id,
            col(PulseInvite.answer_id).is_(None),
        )
        .values(answer_id=answer_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def answers_of(pulse_ids: Collection[int], *, session: Session) -> list[PulseAnswer]:
    if not pulse_ids:
        return []
    statement = select(PulseAnswer).where(col(PulseAnswer.pulse_id).in_(list(pulse_ids)))
    return list(session.exec(statement).all())


def answer_counts(pulse_ids: Collection[int], *, session: Session) -> dict[int, int]:
    if not pulse_ids:
        return {}
    statement = (
        select(PulseAnswer.pulse_id, func.count(col(PulseAnswer.id)))
        .where(col(PulseAnswer.pulse_id).in_(list(pulse_ids)))
        .group_by(col(PulseAnswer.pulse_id))
    )
    return {int(p): int(n) for p, n in session.exec(statement).all()}


def pulses_opened_between(
    start: datetime, end: datetime, *, session: Session
) -> list[tuple[int, str]]:
    """(pulse, its manager) of the pulses opened in [start, end)."""
    statement = select(TeamPulse.id, TeamPulse.manager_slack_id).where(
        col(TeamPulse.opened_at) >= start, col(TeamPulse.opened_at) < end
    )
    return [(int(i), str(m)) for i, m in session.exec(statement).all() if i is not None]


def close_pulse(pulse: TeamPulse, *, session: Session, now: datetime) -> bool:
    """Close ``pulse`` if it is still open: forget who was invited and which answer was
    whose, and rewrite its answers in a random order (new IDs), so nothing says who
    answered what, nor in which order. False when it was closed already."""
    assert pulse.id is not None
    closed = session.execute(
        update(TeamPulse)
        .where(col(TeamPulse.id) == pulse.id, col(TeamPulse.closed_at).is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.execute(delete(PulseInvite).where(col(PulseInvite.pulse_id) == pulse.id))
    answers = answers_of([pulse.id], session=session)
    kept = [
        PulseAnswer(
            pulse_id=pulse.id,
            usage=a.usage,
            how=a.how,
            obstacles=list(a.obstacles),
            in_the_way=a.in_the_way,
        )
        for a in answers
    ]
    random.SystemRandom().shuffle(kept)
    session.execute(delete(PulseAnswer).where(col(PulseAnswer.pulse_id) == pulse.id))
    session.add_all(kept)
    session.flush()
    session.refresh(pulse)
    return True


# --- the reminder -----------------------------------------------------------------------------


def reminder_of(manager_slack_id: str, *, session: Session) -> CheckinReminder | None:
    return session.get(CheckinReminder, manager_slack_id)


def save_reminder(
    manager_slack_id: str, *, session: Session, now: datetime, **fields: Any
) -> CheckinReminder:
    """Create or change the manager's reminder state (the given fields; the rest kept)."""
    state = reminder_of(manager_slack_id, session=session)
    if state is None:
        state = CheckinReminder(manager_slack_id=manager_slack_id, updated_at=now)
    for name, value in fields.items():
        setattr(state, name, value)
    state.updated_at = now
    session.add(state)
    session.flush()
    return state
