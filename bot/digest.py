"""The coordinators' weekly digest: one computation over the database and an instant.

``compute_digest`` reads a ``Period`` (an ISO week in the digest's time zone, or this
week so far) and returns a ``Digest`` of counts, the danger signs by name, the opted-in
celebrations and the silo table: everything the channel post, the preview, the terminal
and the CSV show, computed once. It reads timestamps, IDs and counts only; no text a pair
or a mentor wrote is ever read, so none can reach the digest.

Definitions (each figure is counted in the week it happened):

- requests made / accepted / declined / expired / passed on: by the moment of each;
  median time to answer: from the request to the mentor's accept or decline;
- sessions held; with an agenda: posted before the session was held; follow-ups within
  three days: of the sessions whose three days ended that week;
- new connections: pairs of people who first connected (a session or a confirmed
  ``met``) that week; crossing areas: both areas known and different;
- newcomers and transitions: where each running goal stands at the end of the period
  (connections counted by UTC day; the person's own page counts by their local day);
- danger signs: conversations active at the end silent for 21+ days (no accept, session,
  agenda or follow-up since), sessions held that week without an agenda beforehand,
  sessions held 3 to 28 days before the end with no follow-ups by then, follow-ups the
  mentor posted that week, requests that expired that week;
- supply and demand: searches (per UTC day) and requests that week by topic, against the
  mentors offering it with a free slot at the end; mentors never asked in 8 weeks;
  requests re-routed: made within 7 days of the same mentee's request expiring or being
  withdrawn unanswered;
- silos: new connections over the 13 weeks ending with the period, by area.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import WEEKDAYS, Settings
from bot.errors import MentorbotError
from bot.progress import Window, normalise_area, pace
from bot.team_overview import programme_checkins
from bot.topics import normalise, tidy_label
from bot.usecase import read
from storage import digest as store
from storage.db import SessionFactory
from storage.models import ConversationStatus, Person

TREND_WEEKS = 8
SILO_WEEKS = 13  # a quarter
SILENT_DAYS = 21
FOLLOWUP_DAYS = 3
FOLLOWUP_LOOKBACK_DAYS = 28
NEVER_ASKED_WEEKS = 8
REROUTE_WINDOW = timedelta(days=7)
SILO_AREAS = 8  # the largest areas, as the table's rows and columns
WEEK_LABEL = "{year}-W{week:02d}"
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{1,2})")


class BadWeek(MentorbotError):
    """A week that is not ``YYYY-Www``."""


# --- weeks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A week in the digest's time zone, Monday 00:00 to Monday 00:00 (UTC instants), or
    its first part up to now (``complete`` False)."""

    label: str  # "2026-W48"
    start: datetime
    end: datetime
    complete: bool = True

    @property
    def monday(self) -> date:
        year, week = self.label.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _week_from_monday(monday: date, zone: ZoneInfo) -> Period:
    year, week, _ = monday.isocalendar()
    return Period(
        WEEK_LABEL.format(year=year, week=week),
        _midnight(monday, zone),
        _midnight(monday + timedelta(days=7), zone),
    )


def _monday_of(moment: datetime, zone: ZoneInfo) -> date:
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def week_of(moment: datetime, zone_name: str) -> Period:
    """The whole ISO week (in ``zone_name``) that ``moment`` falls in."""
    zone = ZoneInfo(zone_name)
    return _week_from_monday(_monday_of(moment, zone), zone)


def week_so_far(now: datetime, zone_name: str) -> Period:
    """This week, from its Monday to ``now``."""
    week = week_of(now, zone_name)
    return Period(week.label, week.start, now, complete=False)


def last_complete_week(now: datetime, zone_name: str) -> Period:
    return week_of(week_of(now, zone_name).start - timedelta(days=1), zone_name)


def parse_week(text: str, zone_name: str) -> Period:
    """``2026-W48`` as a whole week in ``zone_name``; ``BadWeek`` for anything else."""
    found = _WEEK.fullmatch(text.strip().upper())
    try:
        if found is None:
            raise ValueError(text)
        monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        raise BadWeek(
            f"`{text[:20]}` is not a week: write it as YYYY-Www, e.g. 2026-W48."
        ) from None
    return _week_from_monday(monday, ZoneInfo(zone_name))


def due_moment(now: datetime, *, weekday: str, hour: int, zone_name: str) -> datetime:
    """The latest moment at or before ``now`` when a digest was due (``weekday`` at
    ``hour`` in ``zone_name``)."""
    zone = ZoneInfo(zone_name)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - WEEKDAYS.index(weekday)) % 7)
    due = datetime.combine(day, time(hour), tzinfo=zone)
    if due > local:  # due later today: the one before was a week ago
        due = datetime.combine(day - timedelta(days=7), time(hour), tzinfo=zone)
    return due.astimezone(ZoneInfo("UTC"))


def due_week(now: datetime, settings: Settings) -> tuple[Period, datetime]:
    """The week the digest due most recently reports on (the last whole week before it was
    due), and when it was due."""
    due = due_moment(
        now,
        weekday=settings.digest_weekday,
        hour=settings.digest_hour,
        zone_name=settings.digest_tz,
    )
    return last_complete_week(due, settings.digest_tz), due


def _trend_bounds(period: Period, weeks: int, zone_name: str) -> tuple[list[str], list[datetime]]:
    """Labels and start instants of ``weeks`` weeks ending with ``period``, plus its end."""
    zone = ZoneInfo(zone_name)
    monday = _monday_of(period.start, zone)
    starts = [
        _week_from_monday(monday - timedelta(weeks=k), zone) for k in range(weeks - 1, -1, -1)
    ]
    return [w.label for w in starts], [w.start for w in starts] + [period.end]


# --- what the digest holds -------------------------------------------------------------------


@dataclass(frozen=True)
class WeekFigures:
    """One week's counts: a row of the export, a point of the trend."""

    label: str
    requests_made: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    passed_on: int = 0
    median_answer_hours: float | None = None
    sessions_held: int = 0
    with_agenda: int = 0
    followups_due: int = 0
    followups_on_time: int = 0
    followups_by_mentor: int = 0
    answered: int = 0
    partly: int = 0
    not_yet: int = 0
    new_connections: int = 0
    cross_area: int = 0
    ratings: int = 0
    rating_average: float | None = None


@dataclass(frozen=True)
class GoalStanding:
    """Where everyone working toward a kind of goal stands at the end of the period."""

    people: int = 0
    on_pace: int = 0
    behind: int = 0
    reached: int = 0


class DangerKind(StrEnum):
    SILENT = "silent"  # an active conversation silent for 21+ days: the mentee
    NO_AGENDA = "no-agenda"  # a session held without an agenda: the mentee
    FOLLOWUPS_MISSING = "followups-missing"  # no follow-ups 3 days after: the mentee
    MENTOR_FOLLOWUPS = "mentor-followups"  # the mentor posted the follow-ups: the mentor
    EXPIRED = "expired"  # a request expired unanswered: the mentor


DANGER_ORDER = tuple(DangerKind)
# Whom each sign names (and a nudge goes to): True for the mentee.
NAMES_MENTEE = {
    DangerKind.SILENT: True,
    DangerKind.NO_AGENDA: True,
    DangerKind.FOLLOWUPS_MISSING: True,
    DangerKind.MENTOR_FOLLOWUPS: False,
    DangerKind.EXPIRED: False,
}


@dataclass(frozen=True)
class DangerSign:
    """A danger sign by name: whom it is about, the other of the pair, and how long."""

    kind: DangerKind
    object_id: int  # the conversation (silent, expired) or the session (the rest)
    slack_id: str  # the person named, and nudged
    other_slack_id: str
    days: int  # silent for / since held / since posted / waited before expiring
    at: datetime


@dataclass(frozen=True)
class TopicLine:
    label: str
    searched: int
    requested: int
    with_room: int  # mentors offering it with a free slot at the end


@dataclass(frozen=True)
class Supply:
    topics: tuple[TopicLine, ...] = ()  # most wanted first
    no_mentor: tuple[str, ...] = ()  # searched, and nobody offers it at all
    mentors: int = 0  # offers not paused
    with_room: int = 0
    at_capacity: int = 0
    never_asked: int = 0  # not paused and not asked in 8 weeks
    rerouted: int = 0


@dataclass(frozen=True)
class SiloTable:
    """New connections over the quarter between the largest areas."""

    areas: tuple[str, ...] = ()
    counts: tuple[tuple[int, ...], ...] = ()  # symmetric; the diagonal: within an area
    never: tuple[tuple[str, str], ...] = ()  # pairs of those areas with no connection
    weeks: int = SILO_WEEKS


@dataclass(frozen=True)
class ManagerCheckins:
    """Issue 12's figures: check-ins held this month and the programme-wide pulse
    (aggregates above the group threshold only)."""

    held_this_month: int
    pulse: Mapping[str, int] = field(default_factory=dict)  # answer -> people


@dataclass(frozen=True)
class Digest:
    period: Period
    weeks: tuple[WeekFigures, ...]  # the trend, oldest first; the last is the period
    newcomers: GoalStanding
    transitions: GoalStanding
    danger: tuple[DangerSign, ...]
    celebrations: tuple[str, ...]  # Slack IDs of people who said yes
    supply: Supply
    silos: SiloTable
    advice_open: int
    advice_new: int
    checkins: ManagerCheckins | None  # None: not available yet
    goal: int
    names: Mapping[str, str] = field(default_factory=dict)  # Slack ID -> name (export)

    @property
    def week(self) -> WeekFigures:
        return self.weeks[-1]


# --- the hook for issue 12 -------------------------------------------------------------------


def manager_checkins(
    session: Session, *, month_start: datetime, end: datetime, min_group: int
) -> ManagerCheckins:
    """Manager check-ins held from ``month_start`` to ``end`` and the programme-wide pulse,
    in counts from pulses that reached the group minimum themselves (never notes, never
    what anyone wrote: ``bot.team_overview.programme_checkins``)."""
    held = programme_checkins(session, month_start, end, min_group=min_group)
    pulse: dict[str, int] = {}
    if held.pulse is not None:
        pulse.update(held.pulse.usage)
        pulse.update((f"in the way: {label}", n) for label, n in held.pulse.obstacles)
    return ManagerCheckins(held_this_month=held.checkins, pulse=pulse)


# --- the computation -------------------------------------------------------------------------


def compute_digest(open_session: SessionFactory, period: Period, settings: Settings) -> Digest:
    """Everything the digest shows for ``period``, read in a few set-based statements.

    The danger signs and the supply are read on a second connection, in a thread, while
    the figures are read on the first: the database's own work runs outside Python's lock
    (SQLite's too), so a large company's digest uses two cores. Each half is one read; the
    weeks it counts are over, and the danger signs are as of their own read."""
    zone = settings.digest_tz
    labels, bounds = _trend_bounds(period, SILO_WEEKS, zone)
    trend = bounds[-(TREND_WEEKS + 1) :]
    today = (period.end - timedelta(microseconds=1)).astimezone(ZoneInfo(zone)).date()
    month_start = _midnight(today.replace(day=1), ZoneInfo(zone))

    def signs_and_supply(session: Session) -> tuple[tuple[DangerSign, ...], dict[str, str], Supply]:
        danger, names = _danger_signs(session, period)
        return danger, names, _supply(session, period, today)

    def figures(session: Session) -> Digest:
        pairs = store.new_pairs_by_area(bounds, session=session)
        offset = SILO_WEEKS - TREND_WEEKS
        weeks = _week_figures(session, labels[-TREND_WEEKS:], trend, pairs, offset)
        newcomers, transitions = _standings(session, period, today, settings)
        celebrations = tuple(store.celebrated(period.start, period.end, session=session))
        advice_open, advice_new = store.advice_counts(period.start, period.end, session=session)
        return Digest(
            period=period,
            weeks=weeks,
            newcomers=newcomers,
            transitions=transitions,
            danger=(),
            celebrations=celebrations,
            supply=Supply(),
            silos=_silos(session, pairs),
            advice_open=advice_open,
            advice_new=advice_new,
            checkins=manager_checkins(
                session, month_start=month_start, end=period.end, min_group=settings.min_group
            ),
            goal=settings.connection_goal,
            names={},
        )

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest") as pool:
        other = pool.submit(read, open_session, signs_and_supply)
        digest = read(open_session, figures)
        danger, names, supply = other.result()
    missing = sorted(set(digest.celebrations) - set(names))
    if missing:
        names.update(read(open_session, lambda s: store.names(missing, session=s)))
    return replace(digest, danger=danger, supply=supply, names=dict(sorted(names.items())))


def _week_figures(
    session: Session,
    labels: Sequence[str],
    bounds: Sequence[datetime],
    pairs: Sequence[tuple[int, str, str, int]],
    offset: int,
) -> tuple[WeekFigures, ...]:
    requests = store.request_weeks(bounds, session=session)
    sessions = store.session_weeks(bounds, session=session, followup_days=FOLLOWUP_DAYS)
    outcomes = store.outcome_weeks(bounds, session=session)
    ratings, rating_sums = store.rating_weeks(bounds, session=session)
    medians = store.median_answer_hours(bounds, session=session)
    connections, crossing = Counter[int](), Counter[int]()
    for week, one, other, count in pairs:
        if week >= offset:
            connections[week - offset] += count
            a, b = normalise_area(one), normalise_area(other)
            if a and b and a != b:
                crossing[week - offset] += count
    none = [0] * len(labels)
    return tuple(
        WeekFigures(
            label=label,
            requests_made=requests.made[i],
            accepted=requests.accepted[i],
            declined=requests.declined[i],
            expired=requests.expired[i],
            passed_on=requests.passed_on[i],
            median_answer_hours=_rounded(medians[i]),
            sessions_held=sessions.held[i],
            with_agenda=sessions.with_agenda[i],
            followups_due=sessions.followups_due[i],
            followups_on_time=sessions.followups_on_time[i],
            followups_by_mentor=sessions.by_mentor[i],
            answered=outcomes.get("answered", none)[i],
            partly=outcomes.get("partly", none)[i],
            not_yet=outcomes.get("not_yet", none)[i],
            new_connections=connections[i],
            cross_area=crossing[i],
            ratings=ratings[i],
            rating_average=round(rating_sums[i] / ratings[i], 1) if ratings[i] else None,
        )
        for i, label in enumerate(labels)
    )


def _rounded(hours: float | None) -> float | None:
    return None if hours is None else round(hours, 1)


def _standings(
    session: Session, period: Period, today: date, settings: Settings
) -> tuple[GoalStanding, GoalStanding]:
    since = period.start
    newcomers = store.newcomer_tallies(
        started_after=today - timedelta(days=settings.connection_window_days),
        end=period.end,
        session=session,
    )
    standing = Counter[str]()
    for starts, count, people in newcomers:
        window = Window(starts_on=starts, days=settings.connection_window_days)
        standing[_where(count, settings.connection_goal, window, today)] += people
    moving = Counter[str]()
    zone = ZoneInfo(settings.digest_tz)
    for row in store.transition_counts(end=period.end, since=since, session=session):
        assert isinstance(row.starts, datetime) and row.goal and row.window_days
        window = Window(starts_on=row.starts.astimezone(zone).date(), days=row.window_days)
        if window.is_open(today):
            moving[_where(row.count, row.goal, window, today)] += 1
    return _standing(standing), _standing(moving)


def _where(count: int, goal: int, window: Window, today: date) -> str:
    if count >= goal:
        return "reached"
    on = pace(count, goal, window.elapsed_days(today), window.days).on_pace
    return "on_pace" if on else "behind"


def _standing(counts: Counter[str]) -> GoalStanding:
    return GoalStanding(
        people=sum(counts.values()),
        on_pace=counts["on_pace"],
        behind=counts["behind"],
        reached=counts["reached"],
    )


def _danger_signs(
    session: Session, period: Period
) -> tuple[tuple[DangerSign, ...], dict[str, str]]:
    """The danger signs, and the names (as in the directory) of everyone they name."""
    start, end = period.start, period.end
    signs: list[DangerSign] = []
    names: dict[str, str] = {}

    def add(kind: DangerKind, rows: Sequence[store.SignRow], days: int | None = None) -> None:
        for row in rows:
            named, other = (
                (row.mentee, row.mentor) if NAMES_MENTEE[kind] else (row.mentor, row.mentee)
            )
            if kind == DangerKind.EXPIRED:  # how long it waited
                length = (row.at - (row.since or row.at)).days
            else:  # how long ago it happened (silent: the last sign of life)
                length = (end - row.at).days
            if days is None or length >= days:
                signs.append(DangerSign(kind, row.object_id, named, other, length, row.at))
                names[row.mentee], names[row.mentor] = row.mentee_name, row.mentor_name

    quiet = store.silent_conversations(end, end - timedelta(days=SILENT_DAYS), session=session)
    add(DangerKind.SILENT, quiet)
    add(DangerKind.NO_AGENDA, store.held_without_agenda(start, end, session=session))
    add(
        DangerKind.FOLLOWUPS_MISSING,
        store.followups_missing(
            end - timedelta(days=FOLLOWUP_LOOKBACK_DAYS),
            end - timedelta(days=FOLLOWUP_DAYS),
            end,
            session=session,
        ),
    )
    add(DangerKind.MENTOR_FOLLOWUPS, store.followups_by_mentor(start, end, session=session))
    add(DangerKind.EXPIRED, store.expired_requests(start, end, session=session))
    order = {kind: index for index, kind in enumerate(DANGER_ORDER)}
    signs.sort(key=lambda s: (order[s.kind], -s.days, s.object_id))
    return tuple(signs), names


def _supply(session: Session, period: Period, today: date) -> Supply:
    offering: Counter[str] = Counter()
    with_room: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for key, label, offers, room in store.topic_supply(period.end, today, session=session):
        labels.setdefault(key, label)
        offering[key] += offers
        with_room[key] += room
    searched: Counter[str] = Counter()
    for key, label, count, _unmatched in store.searches(
        period.monday, today + timedelta(days=1), session=session
    ):
        labels.setdefault(key, label)
        searched[key] += count
    requested: Counter[str] = Counter()
    for typed, count in store.requested_topics(period.start, period.end, session=session):
        key = normalise(typed)
        if key:
            labels.setdefault(key, tidy_label(typed))
            requested[key] += count
    wanted = sorted(
        set(searched) | set(requested),
        key=lambda k: (-(searched[k] + requested[k]), labels[k].lower()),
    )
    mentors = store.mentor_counts(
        period.end,
        today,
        asked_since=period.end - timedelta(weeks=NEVER_ASKED_WEEKS),
        session=session,
    )
    return Supply(
        topics=tuple(TopicLine(labels[k], searched[k], requested[k], with_room[k]) for k in wanted),
        no_mentor=tuple(labels[k] for k in wanted if searched[k] and not offering[k]),
        mentors=mentors.open,
        with_room=mentors.with_room,
        at_capacity=mentors.open - mentors.with_room,
        never_asked=mentors.never_asked,
        rerouted=store.rerouted(period.start, period.end, window=REROUTE_WINDOW, session=session),
    )


def _silos(session: Session, pairs: Sequence[tuple[int, str, str, int]]) -> SiloTable:
    sizes: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for area, count in store.area_headcounts(session=session):
        key = normalise_area(area)
        if key:
            sizes[key] += count
            spellings[key][" ".join(area.split())] += count
    largest = [key for key, _ in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:SILO_AREAS]]
    index = {key: i for i, key in enumerate(largest)}
    grid = [[0] * len(largest) for _ in largest]
    for _week, one, other, count in pairs:
        a, b = index.get(normalise_area(one)), index.get(normalise_area(other))
        if a is None or b is None:
            continue
        grid[a][b] += count
        if a != b:
            grid[b][a] += count
    names = [spellings[key].most_common(1)[0][0] for key in largest]
    never = tuple(
        (names[a], names[b])
        for a in range(len(largest))
        for b in range(a + 1, len(largest))
        if grid[a][b] == 0
    )
    return SiloTable(tuple(names), tuple(tuple(row) for row in grid), never)


# --- a danger sign, read again (a coordinator's nudge, and just before it is sent) ----------

SESSION_SIGNS = {DangerKind.NO_AGENDA, DangerKind.FOLLOWUPS_MISSING, DangerKind.MENTOR_FOLLOWUPS}


def sign_still_holds(kind: DangerKind, subject: store.SignSubject) -> bool:
    active = subject.conversation_status == ConversationStatus.ACTIVE
    if kind == DangerKind.SILENT:
        return active
    if kind == DangerKind.NO_AGENDA:
        return active and subject.held and not subject.agenda_before
    if kind == DangerKind.FOLLOWUPS_MISSING:
        return subject.held and not subject.followups_posted
    if kind == DangerKind.MENTOR_FOLLOWUPS:
        return subject.followups_by_mentor
    return subject.conversation_status == ConversationStatus.EXPIRED


def sign_people(
    session: Session, kind: DangerKind, object_id: int
) -> tuple[Person, Person, bool] | None:
    """(the person the sign names, the other of the pair, whether the sign still holds);
    None when the conversation or session it names is gone."""
    in_session = kind in SESSION_SIGNS
    subject = store.sign_subject(
        None if in_session else object_id, object_id if in_session else None, session=session
    )
    if subject is None:
        return None
    if NAMES_MENTEE[kind]:
        return subject.mentee, subject.mentor, sign_still_holds(kind, subject)
    return subject.mentor, subject.mentee, sign_still_holds(kind, subject)
