""" "20 minutes on mentoring": a manager's check-in with their team, and its anonymous pulse.

A manager is anyone named as the manager of at least one active person in the directory;
their team is their direct reports. What a manager is shown is counts only, and only when
at least ``MENTORBOT_MIN_GROUP`` people are counted; a pulse shows its aggregates and its
free text (unattributed, shuffled) only once that many answered. Who may do what is
decided here, on every path, from the database and the person acting: never from a
button's value or a form's metadata.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.clock import valid_zone
from bot.config import Settings
from bot.connections import load_progress, local_day
from bot.errors import MentorbotError
from bot.progress import NEWCOMER
from bot.topics import normalise
from storage import team as store
from storage.models import (
    Person,
    PulseAnswer,
    PulseObstacle,
    PulseUsage,
    TeamCheckin,
    TeamPulse,
)
from storage.offers import topics_by_keys
from storage.people import get_by_slack_id

ACTIVITY_WINDOW = timedelta(days=90)  # "had a conversation in the last 90 days"
PULSE_OPEN = timedelta(days=7)
SNOOZE = timedelta(days=30)  # "snooze a month"
CHECKIN_PAST_DAYS = 90  # how far back a check-in's date may be
LIST_MAX = 8  # topics or areas named in a snapshot

HEARD_MAX = 3000
TRY_MAX = 500
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

NOT_A_MANAGER = (
    "`/mentor team` is for managers: it prepares a 20-minute conversation with the people "
    "who report to you about how mentoring is going for them, with an anonymous pulse "
    "beforehand and a monthly reminder. The directory shows no one reporting to you, so "
    "there is nothing to show here. If that's wrong, the HR export sets who reports to "
    "whom: ask a programme coordinator."
)
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


class NotAManager(MentorbotError):
    """Someone with no active reports asked for a manager's screen or pressed its button."""

    def __init__(self) -> None:
        super().__init__(NOT_A_MANAGER)


class PulseRefused(MentorbotError):
    """A pulse can't be sent, answered or changed now; the message says why."""


# --- the team ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    manager: str
    reports: tuple[Person, ...]
    tz: str | None  # the manager's, for their dates (None: UTC)

    @property
    def slack_ids(self) -> tuple[str, ...]:
        return tuple(p.slack_id for p in self.reports)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(p.id for p in self.reports if p.id is not None)


def team_of(session: Session, manager: str) -> Team:
    """``manager``'s team, or ``NotAManager`` when no active person reports to them."""
    reports = store.active_reports(manager, session=session) if manager else []
    if not reports:
        raise NotAManager()
    person = get_by_slack_id(manager, session=session)
    return Team(manager, tuple(reports), person.tz if person is not None else None)


def manager_today(session: Session, manager: str, now: datetime) -> date:
    """Today in the manager's own time zone (UTC when unknown)."""
    person = get_by_slack_id(manager, session=session)
    return local_day(person, now) if person is not None else now.date()


# --- the snapshot ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewcomerPace:
    on_pace: int
    behind: int
    reached: int


@dataclass(frozen=True)
class TeamSnapshot:
    """Counts over the team; each part is None when fewer than the group minimum are
    behind it (the builder then says so, never the count)."""

    size: int
    conversed: int  # held a session or had a meeting confirmed in the last 90 days
    offering: int
    newcomers: int
    pace: NewcomerPace | None
    topics_asked: tuple[str, ...] | None
    topics_offered: tuple[str, ...]
    areas: tuple[str, ...] | None


def snapshot(
    session: Session, team: Team, *, settings: Settings, now: datetime
) -> TeamSnapshot | None:
    """The team in counts; None when the team itself is smaller than the group minimum."""
    least = settings.min_group
    if len(team.reports) < least:
        return None
    ids = team.ids
    since = now - ACTIVITY_WINDOW
    pace = _newcomer_pace(session, team.reports, settings=settings, now=now)
    newcomers = sum(pace.values())
    asked = store.requested_topics(ids, since, session=session)
    areas = store.connected_areas(ids, since, session=session)
    return TeamSnapshot(
        size=len(ids),
        conversed=len(store.met_since(ids, since, session=session)),
        offering=len(store.offering(ids, session=session)),
        newcomers=newcomers,
        pace=NewcomerPace(pace["on_pace"], pace["behind"], pace["reached"])
        if newcomers >= least
        else None,
        topics_asked=_catalogue_topics(session, asked) if _enough(asked, least) else None,
        topics_offered=tuple(store.offered_topic_labels(ids, session=session)[:LIST_MAX]),
        areas=_most_common(a for _, a in areas) if _enough(areas, least) else None,
    )


def _enough(rows: Sequence[tuple[int, str]], least: int) -> bool:
    """Whether rows (person, something about them) may be shown: from no one (an empty
    list says no more than a zero count), or from at least ``least`` people."""
    people = len({person for person, _ in rows})
    return people == 0 or people >= least


def _newcomer_pace(
    session: Session, reports: Iterable[Person], *, settings: Settings, now: datetime
) -> Counter[str]:
    counts: Counter[str] = Counter(on_pace=0, behind=0, reached=0)
    for person in reports:
        if person.start_date is None:
            continue
        progress = load_progress(session, person, settings=settings, now=now)
        goal = next((g for g in progress.goals if g.kind == NEWCOMER), None)
        if goal is None:
            continue
        if goal.reached:
            counts["reached"] += 1
        elif goal.pace.on_pace:
            counts["on_pace"] += 1
        else:
            counts["behind"] += 1
    return counts


def _catalogue_topics(session: Session, asked: Sequence[tuple[int, str]]) -> tuple[str, ...]:
    """The catalogue labels of the topics asked for: words someone typed that are not a
    catalogue topic are never shown (a request's own words are the pair's)."""
    keys = Counter(normalise(topic) for _, topic in asked if topic.strip())
    catalogue = topics_by_keys([k for k in keys if k], session=session)
    ranked = sorted(catalogue, key=lambda k: (-keys[k], catalogue[k].label.casefold()))
    return tuple(catalogue[k].label for k in ranked[:LIST_MAX])


def _most_common(areas: Iterable[str]) -> tuple[str, ...]:
    by_key: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for area in areas:
        key = " ".join(area.split()).casefold()
        if key:
            by_key.setdefault(key, " ".join(area.split()))
            counts[key] += 1
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    return tuple(by_key[k] for k in ranked[:LIST_MAX])


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


# --- check-ins ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinForm:
    held_on: date
    heard: str = ""
    will_try: str = ""
    share: bool = False


@dataclass(frozen=True)
class CheckinNote:
    held_on: date
    heard: str
    will_try: str
    shared: bool


@dataclass(frozen=True)
class CheckinRecorded:
    checkin_id: int
    manager: str
    held_on: date
    shared_with: tuple[str, ...]  # the reports "what we'll try" goes to (none: private)
    will_try: str
    pulse_closed: bool


def checkin_dates(today: date) -> tuple[date, date]:
    """The dates a check-in may be recorded for: the last 90 days, today included."""
    return today - timedelta(days=CHECKIN_PAST_DAYS), today


def record_checkin(
    session: Session, manager: str, form: CheckinForm, *, now: datetime
) -> CheckinRecorded:
    """Record ``manager``'s check-in (private notes) and close their open pulse."""
    team = team_of(session, manager)
    earliest, latest = checkin_dates(manager_today(session, manager, now))
    if not earliest <= form.held_on <= latest:
        raise MentorbotError("Pick the day of your check-in: today or within the last 90 days.")
    will_try = form.will_try.strip()[:TRY_MAX]
    checkin = store.add_checkin(
        TeamCheckin(
            manager_slack_id=manager,
            held_on=form.held_on,
            heard=form.heard.strip()[:HEARD_MAX],
            will_try=will_try,
            shared=form.share and bool(will_try),
            created_at=now,
        ),
        session=session,
    )
    assert checkin.id is not None
    pulse = store.unclosed_pulse(manager, session=session)
    closed = pulse is not None and store.close_pulse(pulse, session=session, now=now)
    shared = team.slack_ids if checkin.shared else ()
    return CheckinRecorded(checkin.id, manager, form.held_on, shared, will_try, closed)


def last_checkin(session: Session, manager: str) -> CheckinNote | None:
    checkin = store.last_checkin(manager, session=session)
    if checkin is None:
        return None
    return CheckinNote(checkin.held_on, checkin.heard, checkin.will_try, checkin.shared)


# --- the monthly reminder -------------------------------------------------------------------


class ReminderMode:
    MONTHLY = "monthly"
    STOP = "stop"
    SNOOZE = "snooze"


@dataclass(frozen=True)
class ReminderStatus:
    on: bool
    snoozed_until: datetime | None  # only when in the future


def reminder_status(session: Session, manager: str, *, now: datetime) -> ReminderStatus:
    state = store.reminder_of(manager, session=session)
    if state is None:
        return ReminderStatus(True, None)
    snoozed = state.snoozed_until if state.snoozed_until and state.snoozed_until > now else None
    return ReminderStatus(not state.stopped, snoozed)


def set_reminder(session: Session, manager: str, mode: str, *, now: datetime) -> ReminderStatus:
    """Turn the manager's reminder on (counting from now), off, or quiet for a month."""
    team_of(session, manager)  # only a manager has a reminder to change
    if mode == ReminderMode.MONTHLY:
        store.save_reminder(
            manager, session=session, now=now, stopped=False, snoozed_until=None, counting_from=now
        )
    elif mode == ReminderMode.STOP:
        store.save_reminder(manager, session=session, now=now, stopped=True, snoozed_until=None)
    elif mode == ReminderMode.SNOOZE:
        store.save_reminder(manager, session=session, now=now, snoozed_until=now + SNOOZE)
    else:
        raise MentorbotError("That button is out of date, so nothing was changed.")
    return reminder_status(session, manager, now=now)


def due_reminders(rows: Iterable[store.ManagerRow], *, now: datetime, days: int) -> list[str]:
    """Which managers are due a check-in reminder at ``now``: their team has had no
    recorded check-in in ``days`` days (nor been in the directory less long), the last
    reminder (or turning it back on) is at least ``days`` days old, and they neither
    stopped it, snoozed it past ``now``, muted nudges nor left."""
    cutoff = now - timedelta(days=days)
    due = []
    for row in rows:
        if row.stopped or row.quiet:
            continue
        if row.snoozed_until is not None and row.snoozed_until > now:
            continue
        if row.last_checkin_on is not None and row.last_checkin_on > cutoff.date():
            continue
        if row.team_since > cutoff:
            continue
        if row.counting_from is not None and row.counting_from > cutoff:
            continue
        due.append(row.manager_slack_id)
    return due


def managers_due(session: Session, *, now: datetime, days: int) -> list[str]:
    """``due_reminders`` over every manager in the directory."""
    return due_reminders(store.manager_rows(session=session), now=now, days=days)


def reminder_key(manager: str, now: datetime) -> str:
    """The reminder's outbox key: one per manager per calendar month (UTC)."""
    return f"manager-checkin:{manager}:{now:%Y-%m}"


def mark_reminded(session: Session, manager: str, *, now: datetime) -> None:
    store.save_reminder(manager, session=session, now=now, counting_from=now)


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


def day_text(moment: datetime | date, tz: str | None) -> str:
    """A day as people read it ("Mon 30 Nov"): a moment's day in ``tz`` (UTC when unknown)."""
    if isinstance(moment, datetime):
        zone = valid_zone(tz) or "UTC"
        moment = moment.astimezone(ZoneInfo(zone)).date()
    return f"{moment:%a} {moment.day} {moment:%b}"


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
