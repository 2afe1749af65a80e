"""The nudge planner: from the database and an injected instant, who gets which check-in.

``plan`` is what the scheduler runs every 15 minutes; ``preview`` is the same decision
without writing anything (`mentorbot nudges --preview`). A person gets a nudge only while
their own working hours are open; the most important check-in due goes, with its key
(kind + object + period) claimed in ``planned_nudge`` together with the person's day, and
written to the outbox in the same transaction. The rest wait for the next working day and
are planned then only if still due. Planning twice, late, or in two processes at once
plans each nudge once: the database's unique keys decide.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import team
from bot.config import Settings, Welcome
from bot.effects import Nudge
from bot.nudges import kinds
from bot.nudges.hours import Workday, workday, zone_of
from bot.nudges.kinds import OUTBOX_KIND, NudgeKind, Reason
from bot.progress import Window, pace
from storage import nudges as store
from storage.db import SessionFactory, unit_of_work, write_unit
from storage.nudges import Recipient
from storage.outbox import enqueue

logger = logging.getLogger(__name__)

AGENDA_AHEAD = timedelta(hours=24)
FOLLOWUPS_AFTER = timedelta(hours=24)
REQUEST_AFTER = timedelta(days=3)
REQUEST_EXPIRES = timedelta(days=7)
MET_AFTER = timedelta(days=3)
SILENT_AFTER = timedelta(days=21)
# A check-in that has been due this long is stale (history, or the planner was off): not sent.
STALE = timedelta(days=7)
OVERDUE_FOR = timedelta(days=14)  # an overdue action is mentioned within this many days
WELCOME_WITHIN = timedelta(days=14)  # people who appeared this recently may be welcomed
# Welcomes after a bulk import go at most one a second, at most a run's worth per run
# (the scheduler plans every 15 minutes): spread over working hours, never a burst.
WELCOME_SPACING = timedelta(seconds=1)
PLAN_EVERY = timedelta(minutes=15)
WELCOMES_PER_RUN = int(PLAN_EVERY / WELCOME_SPACING)
NUDGE_PRIORITY = -10  # behind every answer to someone's own action
WRITE_BATCH = 200


@dataclass(frozen=True)
class Decision:
    """One person with a check-in due: what goes now, or why it waits."""

    slack_id: str
    local: datetime | None  # now on their clock (None: not in the directory)
    reason: Reason | None  # goes now
    waits: str  # why nothing goes now ("" when ``reason``)
    day: date | None = None  # their day the nudge counts for
    not_before: datetime | None = None
    not_after: datetime | None = None
    # Due too, the next working day if still due (when nothing goes: everything due).
    later: tuple[Reason, ...] = ()


@dataclass
class PlanReport:
    planned: Counter[str] = field(default_factory=Counter)  # by kind
    waiting: int = 0

    @property
    def total(self) -> int:
        return sum(self.planned.values())


def reasons_due(
    session: Session, *, now: datetime, settings: Settings
) -> tuple[list[Reason], dict[str, Recipient]]:
    """Every check-in due at ``now`` (already planned or not), and their recipients."""
    today = now.date()
    stale = now - FOLLOWUPS_AFTER - STALE
    agenda = store.agenda_due(now=now, until=now + AGENDA_AHEAD, session=session)
    followups = store.followups_due(held_before=now - FOLLOWUPS_AFTER, since=stale, session=session)
    actions = store.open_actions_due(
        first=today - OVERDUE_FOR - timedelta(days=1),
        last=today + timedelta(days=2),
        session=session,
    )
    waiting = store.requests_waiting(
        waiting_since=now - REQUEST_AFTER, not_before=now - REQUEST_EXPIRES, session=session
    )
    silent = store.silent_conversations(quiet_since=now - SILENT_AFTER, now=now, session=session)
    window = settings.connection_window_days
    newcomers = store.newcomer_counts(
        started_after=today - timedelta(days=window + 1),
        today=today + timedelta(days=1),
        session=session,
    )
    mets = store.mets_waiting(logged_before=now - MET_AFTER, session=session)
    managers = team.managers_due(session, now=now, days=settings.checkin_days)
    new = (
        store.new_people(since=now - WELCOME_WITHIN, session=session)
        if settings.welcome != Welcome.OFF
        else []
    )
    people = store.recipients(
        [
            *(s for _, s in agenda),
            *(s for _, s in followups),
            *(s for _, s, _ in actions),
            *(s for _, s in waiting),
            *(s for _, s, _ in silent),
            *(s for s, _, _ in newcomers),
            *(s for _, s in mets),
            *(s for s, _, _ in new),
            *managers,
        ],
        session=session,
    )

    zones = Zones(settings)

    def local_day(slack_id: str, moment: datetime = now) -> date:
        person = people.get(slack_id)
        return moment.astimezone(zones.of(person.tz if person else None)).date()

    reasons = [Reason(NudgeKind.AGENDA, kinds.agenda_key(sid), s) for sid, s in agenda]
    reasons += [Reason(NudgeKind.FOLLOWUPS, kinds.followups_key(sid), s) for sid, s in followups]
    for action_id, owner, due in actions:
        mine = local_day(owner)
        if due == mine + timedelta(days=1):
            kind = NudgeKind.ACTION_DUE
        elif mine - OVERDUE_FOR <= due < mine:
            kind = NudgeKind.ACTION_OVERDUE
        else:
            continue
        reasons.append(Reason(kind, kinds.action_key(kind, action_id), owner))
    reasons += [Reason(NudgeKind.REQUEST, kinds.request_key(c, s), s) for c, s in waiting]
    reasons += [
        Reason(NudgeKind.SILENT, kinds.silent_key(c, last.date()), s) for c, s, last in silent
    ]
    for slack_id, start, count in newcomers:
        mine = local_day(slack_id)
        if behind_pace(start, count, mine, settings=settings):
            reasons.append(Reason(NudgeKind.BEHIND_PACE, kinds.pace_key(slack_id, mine), slack_id))
    reasons += [Reason(NudgeKind.MET, kinds.met_key(m), s) for m, s in mets]
    reasons += [Reason(NudgeKind.TEAM_CHECKIN, kinds.team_checkin_key(m, now), m) for m in managers]
    for slack_id, starts_on, appeared in new:
        if welcomed(settings, starts_on, local_day(slack_id, appeared)):
            reasons.append(Reason(NudgeKind.WELCOME, kinds.welcome_key(slack_id), slack_id))
    return reasons, people


class Zones:
    """Each time zone resolved once, and its working hours at one moment worked out once,
    for all the people of a run (a few zones for tens of thousands of people)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._zones: dict[str | None, ZoneInfo] = {}
        self._hours: dict[tuple[str | None, datetime], Workday] = {}

    def of(self, tz: str | None) -> ZoneInfo:
        zone = self._zones.get(tz)
        if zone is None:
            zone = self._zones[tz] = zone_of(tz, self.settings.default_tz)
        return zone

    def hours(self, tz: str | None, now: datetime) -> Workday:
        hours = self._hours.get((tz, now))
        if hours is None:
            hours = self._hours[(tz, now)] = working_hours(now, self.of(tz), self.settings)
        return hours


def behind_pace(start: date, count: int, today: date, *, settings: Settings) -> bool:
    """A newcomer whose window is running, short of the goal and behind a straight line
    to it (never someone on pace, nor someone who reached the goal)."""
    window = Window(starts_on=start, days=settings.connection_window_days)
    if not window.contains(today) or count >= settings.connection_goal:
        return False
    where = pace(count, settings.connection_goal, window.elapsed_days(today), window.days)
    return not where.on_pace


def welcomed(settings: Settings, start: date | None, appeared_on: date) -> bool:
    """Whether someone who appeared on ``appeared_on`` gets a welcome (``MENTORBOT_WELCOME``):
    everyone, or newcomers: inside their connection window when they first appeared."""
    if settings.welcome == Welcome.EVERYONE:
        return True
    if settings.welcome == Welcome.OFF or start is None:
        return False
    return appeared_on < start + timedelta(days=settings.connection_window_days)


def muted_on(person: Recipient, day: date) -> bool:
    """Muted on their ``day``: until they unmute, or until the day they chose."""
    return person.muted and (person.muted_until is None or day < person.muted_until)


def decide(
    reasons: Iterable[Reason],
    people: dict[str, Recipient],
    *,
    planned: set[str],
    taken: set[tuple[str, date]],
    now: datetime,
    settings: Settings,
) -> list[Decision]:
    """Per person with a check-in not yet planned: the most important one, if their working
    hours are open and today is not taken; else why it waits. Pure."""
    by_person: dict[str, list[Reason]] = defaultdict(list)
    for reason in reasons:
        if reason.key not in planned:
            by_person[reason.slack_id].append(reason)
    decisions: list[Decision] = []
    welcomes = 0
    zones = Zones(settings)
    for slack_id in sorted(by_person):
        due = tuple(sorted(set(by_person[slack_id]), key=lambda r: (r.importance, r.key)))
        person = people.get(slack_id)
        if person is None or not person.is_active:
            decisions.append(Decision(slack_id, None, None, "not in the directory", later=due))
            continue
        hours = zones.hours(person.tz, now)
        waits = _waits(person, hours, zone_name(zones.of(person.tz)), taken)
        not_before = now
        if not waits and due[0].kind == NudgeKind.WELCOME:
            not_before = now + welcomes * WELCOME_SPACING
            if welcomes >= WELCOMES_PER_RUN:
                waits = "welcomes are spread out: a later run"
            elif not_before >= hours.closes:
                waits = "too late today for a welcome"
            else:
                welcomes += 1
        if waits:
            decisions.append(Decision(slack_id, hours.local, None, waits, later=due))
            continue
        decisions.append(
            Decision(
                slack_id,
                hours.local,
                due[0],
                "",
                day=hours.day,
                not_before=not_before,
                not_after=hours.closes,
                later=due[1:],
            )
        )
    return decisions


def _waits(person: Recipient, hours: Workday, zone: str, taken: set[tuple[str, date]]) -> str:
    """Why nothing goes to ``person`` now ("" when something may)."""
    if muted_on(person, hours.day):
        return f"muted until {person.muted_until.isoformat()}" if person.muted_until else "muted"
    if not hours.open:
        return _closed(hours, zone)
    if (person.slack_id, hours.day) in taken:
        return "already nudged today: next working day"
    return ""


def zone_name(zone: object) -> str:
    return str(getattr(zone, "key", zone))


def _closed(hours: Workday, zone: str) -> str:
    opens = hours.next_opens.astimezone(hours.local.tzinfo)
    return f"outside working hours: waits until {opens:%a %Y-%m-%d %H:%M} ({zone})"


def _read(open_session: SessionFactory, now: datetime, settings: Settings) -> list[Decision]:
    with unit_of_work(open_session) as session:
        reasons, people = reasons_due(session, now=now, settings=settings)
        planned = store.planned_keys((r.key for r in reasons), session=session)
        first = now.date() - timedelta(days=1)
        taken = store.days_taken((r.slack_id for r in reasons), first=first, session=session)
    return decide(reasons, people, planned=planned, taken=taken, now=now, settings=settings)


COORDINATOR_KIND = OUTBOX_KIND[NudgeKind.COORDINATOR]
CLAIM_DAYS_AHEAD = 7  # working days tried for a nudge asked for by someone (a coordinator)


def working_hours(moment: datetime, zone: ZoneInfo, settings: Settings) -> Workday:
    """Where ``moment`` falls in the configured working week, on ``zone``'s clock."""
    return workday(moment, zone, settings.workday_start, settings.workday_end, settings.workdays)


def claim_next_workday(
    session: Session,
    key: str,
    kind: str,
    slack_id: str,
    tz: str | None,
    *,
    settings: Settings,
    now: datetime,
) -> tuple[datetime, datetime] | None:
    """A nudge someone asked for now, as the person's one nudge of their next working day
    that has none yet (today if their hours are still to come or open): its key and day
    claimed in the caller's transaction, and its sending window returned. None when the
    key was claimed before or no day is free this coming week."""
    zone = zone_of(tz, settings.default_tz)
    moment = now
    for _ in range(CLAIM_DAYS_AHEAD):
        hours = working_hours(moment, zone, settings)
        if hours.open:
            window = (moment, hours.closes)
            day = hours.day
        else:
            opens = hours.next_opens
            later = working_hours(opens, zone, settings)
            window, day = (opens, later.closes), later.day
        if store.planned_keys([key], session=session):
            return None
        if store.claim_day(key, kind, slack_id, day, session=session, now=now):
            return window
        moment = window[1]  # that day is taken: the next working day
    return None


def preview(open_session: SessionFactory, *, now: datetime, settings: Settings) -> list[Decision]:
    """What ``plan`` would do at ``now``; writes nothing."""
    return _read(open_session, now, settings)


def plan(
    open_session: SessionFactory, *, now: datetime, settings: Settings, batch: int = WRITE_BATCH
) -> PlanReport:
    """Plan the check-ins due at ``now`` (``preview``, then ``write``)."""
    decisions = _read(open_session, now, settings)
    report = write(open_session, decisions, now=now, batch=batch)
    if report.total:
        logger.info("Planned %d nudges: %s", report.total, dict(report.planned))
    return report


def write(
    open_session: SessionFactory,
    decisions: Sequence[Decision],
    *,
    now: datetime,
    batch: int = WRITE_BATCH,
) -> PlanReport:
    """Each chosen check-in claims its key and its person's day and goes to the outbox, in
    short write transactions of ``batch``; one another planner claimed first is left alone
    (decisions read before someone else wrote stay safe to write)."""
    report = PlanReport(waiting=sum(1 for d in decisions if d.reason is None))
    chosen = [d for d in decisions if d.reason is not None]
    for start in range(0, len(chosen), batch):
        with write_unit(open_session) as session:
            report.planned.update(_write(chosen[start : start + batch], session, now))
    return report


def _write(decisions: Sequence[Decision], session: Session, now: datetime) -> Counter[str]:
    planned: Counter[str] = Counter()
    claims = []
    for decision in decisions:
        reason = decision.reason
        assert reason is not None and decision.day is not None
        claims.append((reason.key, str(reason.kind), reason.slack_id, decision.day))
    claimed = store.claim_days(claims, session=session, now=now)
    effects = []
    for decision in decisions:
        reason = decision.reason
        assert reason is not None
        if reason.key not in claimed:
            continue  # planned before, or the person's day is taken (another planner)
        if reason.kind == NudgeKind.TEAM_CHECKIN:  # the next one counts from this one
            team.mark_reminded(session, reason.slack_id, now=now)
        effects.append(
            Nudge(
                key=reason.key,
                user_id=reason.slack_id,
                nudge_kind=reason.outbox_kind,
                priority=NUDGE_PRIORITY,
                not_before=decision.not_before,
                not_after=decision.not_after,
            )
        )
        planned[reason.outbox_kind] += 1
    enqueue(effects, session=session, now=now)
    return planned
