""" "20 minutes on mentoring": a manager's check-in with their team.

A manager is anyone named as the manager of at least one active person in the directory;
their team is their direct reports. What a manager is shown is counts only, and only when
at least ``MENTORBOT_MIN_GROUP`` people are counted. Who may do what is decided here, on
every path, from the database and the person acting: never from a button's value or a
form's metadata. The pulse is ``bot.pulse``; what the screens show, ``bot.team_overview``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import valid_zone
from bot.config import Settings
from bot.connections import load_progress, local_day
from bot.errors import MentorbotError
from bot.progress import NEWCOMER
from bot.topics import normalise
from storage import team as store
from storage.models import Person, TeamCheckin
from storage.offers import topics_by_keys
from storage.people import get_by_slack_id

ACTIVITY_WINDOW = timedelta(days=90)  # "had a conversation in the last 90 days"
SNOOZE = timedelta(days=30)  # "snooze a month"
CHECKIN_PAST_DAYS = 90  # how far back a check-in's date may be
LIST_MAX = 8  # topics or areas named in a snapshot

HEARD_MAX = 3000
TRY_MAX = 500

NOT_A_MANAGER = (
    "`/mentor team` is for managers: it prepares a 20-minute conversation with the people "
    "who report to you about how mentoring is going for them, with an anonymous pulse "
    "beforehand and a monthly reminder. The directory shows no one reporting to you, so "
    "there is nothing to show here. If that's wrong, the HR export sets who reports to "
    "whom: ask a programme coordinator."
)


class NotAManager(MentorbotError):
    """Someone with no active reports asked for a manager's screen or pressed its button."""

    def __init__(self) -> None:
        super().__init__(NOT_A_MANAGER)


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


def day_text(moment: datetime | date, tz: str | None) -> str:
    """A day as people read it ("Mon 30 Nov"): a moment's day in ``tz`` (UTC when unknown)."""
    if isinstance(moment, datetime):
        zone = valid_zone(tz) or "UTC"
        moment = moment.astimezone(ZoneInfo(zone)).date()
    return f"{moment:%a} {moment.day} {moment:%b}"


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


def mark_reminded(session: Session, manager: str, *, now: datetime) -> None:
    store.save_reminder(manager, session=session, now=now, counting_from=now)
