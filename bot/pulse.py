"""The pre-check-in pulse: three questions to each report, answered anonymously.

Answers are anonymous to the manager: aggregates only, and only once at least
``MENTORBOT_MIN_GROUP`` people answered; free text unattributed, in random order. While a
pulse is open, each invited report's invite links them to their own answer (so they can
change it, and cannot answer twice); when it closes (7 days, or when the manager records
the check-in) the links are deleted and the answers rewritten in a random order.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.config import Settings
from bot.errors import MentorbotError
from bot.team import day_text, team_of
from storage import team as store
from storage.models import (
    PulseAnswer,
    PulseObstacle,
    PulseUsage,
    TeamPulse,
)
from storage.people import get_by_slack_id

PULSE_OPEN = timedelta(days=7)
HOW_MAX = 500
IN_THE_WAY_MAX = 500

USAGE_LABELS = {
    PulseUsage.OFTEN: "Often",
    PulseUsage.SOMETIMES: "Sometimes",
    PulseUsage.NOT_YET: "Not yet",
}
OBSTACLE_LABELS = {
    PulseObstacle.NO_TIME: "No time",
    PulseObstacle.WHO_TO_ASK: "Don't know who to ask",
    PulseObstacle.NOT_FOR_ME: "Not sure it's for me",
    PulseObstacle.TEAM: "My team doesn't encourage it",
    PulseObstacle.OTHER: "Other",
}

TOO_SMALL_FOR_PULSE = (
    "A pulse shows its answers only once at least {min_group} people answered, so that "
    "nobody can be picked out. Your team has fewer than {min_group}, so it would never show "
    "anything: the check-in conversation itself works as well without it."
)
PULSE_ALREADY_OPEN = (
    "Your pulse is still open until {closes}: {answered} of {invited} answered. It closes "
    "then, or as soon as you record your check-in notes; send a new one after that."
)
PULSE_JUST_SENT = "Your pulse was sent a moment ago: it is on its way to your team."
PULSE_NOT_YOURS = (
    "This pulse wasn't sent to you, so there is nothing to answer. Nothing was changed."
)
PULSE_CLOSED = (
    "This pulse has closed, so answers can't be given or changed any more. Thank you all the same."
)


class PulseRefused(MentorbotError):
    """A pulse can't be sent, answered or changed now; the message says why."""


# --- pulses ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseForm:
    """One report's answer, as parsed from the pulse modal."""

    usage: str  # a PulseUsage value
    how: str = ""
    obstacles: tuple[str, ...] = ()
    in_the_way: str = ""


@dataclass(frozen=True)
class PulseResults:
    """What the manager sees once enough answered: counts, and texts in a random order."""

    usage: tuple[tuple[str, int], ...]  # (label, count) in the question's order
    obstacles: tuple[tuple[str, int], ...]  # (label, count), only those named at least once
    how: tuple[str, ...]
    in_the_way: tuple[str, ...]


@dataclass(frozen=True)
class PulseStatus:
    pulse_id: int
    opened_at: datetime
    closes_at: datetime
    is_open: bool
    invited: int
    answered: int
    results: PulseResults | None  # None: fewer than the group minimum answered


@dataclass(frozen=True)
class SentPulse:
    pulse_id: int
    manager: str
    invitees: tuple[tuple[str, str | None], ...]  # (Slack ID, time zone) of each report
    closes_at: datetime
    tz: str | None  # the manager's


@dataclass(frozen=True)
class PulseInvitation:
    """What a report sees when they open the pulse: whose it is, until when, and their
    own answer so far (None: not answered yet)."""

    pulse_id: int
    manager: str
    closes_at: datetime
    current: PulseForm | None
    min_group: int
    tz: str | None  # the report's, for their dates


def results_of(
    answers: Sequence[PulseAnswer], *, min_group: int, rng: random.Random | None = None
) -> PulseResults | None:
    """The aggregates of ``answers``, or None below ``min_group``: no count, no text."""
    if len(answers) < min_group:
        return None
    shuffle = (rng or random.SystemRandom()).shuffle
    usage = Counter(a.usage for a in answers)
    obstacles = Counter(o for a in answers for o in set(a.obstacles) if o in OBSTACLE_LABELS)
    how = [a.how for a in answers if a.how.strip()]
    in_the_way = [a.in_the_way for a in answers if a.in_the_way.strip()]
    shuffle(how)
    shuffle(in_the_way)
    return PulseResults(
        usage=tuple((label, usage[key]) for key, label in USAGE_LABELS.items()),
        obstacles=tuple(
            (label, obstacles[key]) for key, label in OBSTACLE_LABELS.items() if obstacles[key]
        ),
        how=tuple(how),
        in_the_way=tuple(in_the_way),
    )


def pulse_status(
    session: Session, manager: str, *, min_group: int, now: datetime
) -> PulseStatus | None:
    """The manager's latest pulse, as they may see it."""
    pulse = store.latest_pulse(manager, session=session)
    if pulse is None or pulse.id is None:
        return None
    answers = store.answers_of([pulse.id], session=session)
    return PulseStatus(
        pulse_id=pulse.id,
        opened_at=pulse.opened_at,
        closes_at=pulse.closes_at,
        is_open=_is_open(pulse, now),
        invited=pulse.invited,
        answered=len(answers),
        results=results_of(answers, min_group=min_group),
    )


def _is_open(pulse: TeamPulse, now: datetime) -> bool:
    return pulse.closed_at is None and now < pulse.closes_at


def send_pulse(session: Session, manager: str, *, settings: Settings, now: datetime) -> SentPulse:
    """Open a pulse to ``manager``'s reports (the DMs are the caller's effects)."""
    team = team_of(session, manager)
    if len(team.reports) < settings.min_group:
        raise PulseRefused(TOO_SMALL_FOR_PULSE.format(min_group=settings.min_group))
    current = store.unclosed_pulse(manager, session=session)
    if current is not None and current.id is not None:
        if _is_open(current, now):
            answered = store.answer_counts([current.id], session=session).get(current.id, 0)
            raise PulseRefused(
                PULSE_ALREADY_OPEN.format(
                    closes=day_text(current.closes_at, team.tz),
                    answered=answered,
                    invited=current.invited,
                )
            )
        store.close_pulse(current, session=session, now=now)
    try:
        pulse = store.add_pulse(
            TeamPulse(
                manager_slack_id=manager,
                opened_at=now,
                closes_at=now + PULSE_OPEN,
                invited=len(team.reports),
            ),
            team.slack_ids,
            session=session,
        )
    except IntegrityError:  # a double click: the other click just opened the pulse
        session.rollback()
        raise PulseRefused(PULSE_JUST_SENT) from None
    assert pulse.id is not None
    invitees = tuple((p.slack_id, p.tz) for p in team.reports)
    return SentPulse(pulse.id, manager, invitees, pulse.closes_at, team.tz)


def _invitation(session: Session, pulse_id: int, user: str, now: datetime) -> tuple[TeamPulse, int]:
    """The open pulse ``user`` was invited to, and their invite's answer ID (0: none yet)."""
    pulse = store.get_pulse(pulse_id, session=session, for_update=True)
    invite = store.invite_of(pulse_id, user, session=session, for_update=True) if pulse else None
    if pulse is None or (invite is None and pulse.closed_at is None):
        raise PulseRefused(PULSE_NOT_YOURS)
    if invite is None or not _is_open(pulse, now):
        raise PulseRefused(PULSE_CLOSED)
    return pulse, invite.answer_id or 0


def pulse_invitation(
    session: Session, pulse_id: int, user: str, *, settings: Settings, now: datetime
) -> PulseInvitation:
    """What ``user`` may answer of pulse ``pulse_id`` (``PulseRefused`` otherwise)."""
    pulse, answer_id = _invitation(session, pulse_id, user, now)
    answer = store.get_answer(answer_id, session=session) if answer_id else None
    current = (
        PulseForm(answer.usage, answer.how, tuple(answer.obstacles), answer.in_the_way)
        if answer is not None
        else None
    )
    return PulseInvitation(
        pulse_id,
        pulse.manager_slack_id,
        pulse.closes_at,
        current,
        settings.min_group,
        _zone_of(session, user),
    )


def _zone_of(session: Session, slack_id: str) -> str | None:
    person = get_by_slack_id(slack_id, session=session)
    return person.tz if person is not None else None


@dataclass(frozen=True)
class AnswerSaved:
    manager: str
    closes_at: datetime
    changed: bool  # an earlier answer was replaced
    tz: str | None  # the report's


def answer_pulse(
    session: Session, pulse_id: int, user: str, form: PulseForm, *, now: datetime
) -> AnswerSaved:
    """Save ``user``'s answer to the pulse (or replace theirs) while it is open."""
    if form.usage not in USAGE_LABELS:
        raise PulseRefused("Choose how often you use mentoring.")
    pulse, answer_id = _invitation(session, pulse_id, user, now)
    if not answer_id:
        first = store.add_answer(
            _answered(PulseAnswer(pulse_id=pulse_id, usage=form.usage), form), session=session
        )
        assert first.id is not None
        if store.link_answer(pulse_id, user, first.id, session=session):
            return AnswerSaved(
                pulse.manager_slack_id, pulse.closes_at, False, _zone_of(session, user)
            )
        # Their first answer from another click got in first: this one replaces it.
        session.delete(first)
        invite = store.invite_of(pulse_id, user, session=session, for_update=True)
        answer_id = (invite.answer_id or 0) if invite is not None else 0
    answer = store.get_answer(answer_id, session=session)
    if answer is None:
        raise PulseRefused(PULSE_CLOSED)
    session.add(_answered(answer, form))
    session.flush()
    return AnswerSaved(pulse.manager_slack_id, pulse.closes_at, True, _zone_of(session, user))


def _answered(answer: PulseAnswer, form: PulseForm) -> PulseAnswer:
    answer.usage = form.usage
    answer.how = form.how[:HOW_MAX]
    answer.obstacles = [o for o in OBSTACLE_LABELS if o in form.obstacles]
    answer.in_the_way = form.in_the_way[:IN_THE_WAY_MAX]
    return answer


def close_pulse(session: Session, pulse_id: int, *, now: datetime) -> str | None:
    """Close pulse ``pulse_id`` if due and still open (its manager; None: nothing done)."""
    pulse = store.get_pulse(pulse_id, session=session, for_update=True)
    if pulse is None or pulse.closed_at is not None or pulse.closes_at > now:
        return None
    return pulse.manager_slack_id if store.close_pulse(pulse, session=session, now=now) else None
