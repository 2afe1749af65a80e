"""Connections: `/mentor met` (logged by one, confirmed by the other), its lapse, transitions,
and loading someone's progress from the database.

A connection is a distinct person with whom someone held at least one session through
the bot, or a ``met`` the other person confirmed. Both sides gain it; it counts once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.blocks.common import mention
from bot.config import Settings
from bot.errors import MentorbotError, NotInDirectory
from bot.progress import (
    NEWCOMER,
    GoalProgress,
    Progress,
    Window,
    goal_progress,
    outside_area,
    summarise,
)
from storage.connections import (
    add_met_log,
    add_transition,
    claim_met_answer,
    connected_ids,
    end_transition,
    first_connected_at,
    get_met_log,
    lapse_met_logs,
    latest_transition,
    pending_met_between,
    pending_met_logs_of,
    record_connection,
)
from storage.directory import manager_chains, people_by_ids
from storage.models import ConnectionSource, MetLog, MetStatus, Person, TransitionKind
from storage.people import get_by_slack_id

MET_LAPSE_DAYS = 14
LAPSE_BATCH = 200  # logs lapsed per short transaction
NOTE_LIMIT = 500
NEWCOMER_LABEL = "your first six months"
TRANSITION_LABELS: dict[str, str] = {
    TransitionKind.FIRST_TIME_SUPERVISOR: "first-time supervisor",
    TransitionKind.NEW_DISCIPLINE: "new discipline",
    TransitionKind.WORKING_OVERSEAS: "working overseas",
}


class MetNotPossible(MentorbotError):
    """A `/mentor met` that cannot be logged or answered; the message says why."""


@dataclass(frozen=True)
class MetRequest:
    """A logged meeting waiting for the other person's confirmation."""

    met_id: int
    logger_slack_id: str
    other_slack_id: str
    note: str
    created_at: datetime
    lapses_at: datetime
    dm_channel: str | None = None
    dm_ts: str | None = None


@dataclass(frozen=True)
class MetAnswer:
    """The other person's answer to a logged meeting."""

    met_id: int
    logger_slack_id: str
    other_slack_id: str
    note: str
    status: MetStatus  # CONFIRMED, DECLINED, or LAPSED when the click came too late
    new_for_logger: bool  # the confirmation added a connection to the logger's count

    @property
    def confirmed(self) -> bool:
        return self.status == MetStatus.CONFIRMED

    @property
    def lapsed(self) -> bool:
        """The click came after the note lapsed: nothing was counted."""
        return self.status == MetStatus.LAPSED


# --- `/mentor met` ----------------------------------------------------------------------------


def log_met(
    session: Session,
    logger_slack_id: str,
    other_slack_id: str,
    note: str,
    *,
    now: datetime,
    other_is_bot: bool = False,
    unsent: Callable[[int], bool] | None = None,
) -> MetRequest:
    """Log that ``logger`` met ``other``; it counts once ``other`` confirms.

    ``unsent(met_id)`` says whether a logged meeting's confirmation request never reached
    Slack (refused for good): such a log, waiting between the two, is withdrawn here
    rather than block logging it again (its logger was told nothing was logged). It is
    kept as WITHDRAWN, not deleted, so that its ID (and the keys of its messages) is
    never given to another log.

    Raises:
        NotInDirectory: the logger is not in the directory.
        MetNotPossible: yourself, a bot, someone not in the directory, already connected,
            or a confirmation already waiting between the two.
    """
    if other_slack_id == logger_slack_id:
        raise MetNotPossible(
            "You can't log a connection with yourself :slightly_smiling_face: — "
            "mention the person you met, e.g. `/mentor met @Alex coffee about onboarding`."
        )
    if other_is_bot:
        raise MetNotPossible(
            f"{mention(other_slack_id)} is a bot: connections are with people. "
            "Mention the person you met, e.g. `/mentor met @Alex coffee about onboarding`."
        )
    me = get_by_slack_id(logger_slack_id, session=session)
    if me is None or not me.is_active or me.id is None:
        raise NotInDirectory(logger_slack_id)
    other = get_by_slack_id(other_slack_id, session=session)
    if other is None or not other.is_active or other.id is None:
        # Not mentioned back: only people the directory knows are shown as mentions.
        raise MetNotPossible(
            "The person you mentioned isn't in the mentoring directory, so a connection with "
            "them can't be counted for either of you. People are added from the HR export by the "
            "programme coordinators; once they are in, log it again."
        )
    if other.id in connected_ids(me.id, session=session):
        raise MetNotPossible(
            f"{mention(other_slack_id)} is already one of your connections: a person counts once, "
            "however often you meet. Nothing to log, but lovely that you keep in touch!"
        )
    waiting = pending_met_between(me.id, other.id, session=session)
    if waiting is not None and waiting.id is not None and unsent is not None and unsent(waiting.id):
        claim_met_answer(waiting, MetStatus.WITHDRAWN, session=session, now=now)
        waiting = None
    if waiting is not None and waiting.logger_id == me.id:
        raise MetNotPossible(
            f"You already logged meeting {mention(other_slack_id)} on "
            f"{waiting.created_at:%Y-%m-%d}; it's waiting for them to confirm "
            f"(it lapses after {MET_LAPSE_DAYS} days without an answer)."
        )
    if waiting is not None:
        raise MetNotPossible(
            f"{mention(other_slack_id)} already logged meeting you: look for my direct message "
            "and press *Confirm*, and it counts for both of you."
        )
    try:
        log = add_met_log(me.id, other.id, note.strip()[:NOTE_LIMIT], session=session, now=now)
    except IntegrityError:
        # Logged twice at the same moment (a double submit, or both of you): one is kept.
        session.rollback()
        raise MetNotPossible(
            f"A meeting with {mention(other_slack_id)} was already logged a moment ago; it's "
            "waiting to be confirmed, and once it is it counts for both of you."
        ) from None
    return _request(log, logger_slack_id, other_slack_id)


def answer_met(
    session: Session, met_id: int, answerer_slack_id: str, *, confirm: bool, now: datetime
) -> MetAnswer:
    """The other person confirms ("Confirm") or declines ("Not me") a logged meeting.

    Confirming gives both people a MET connection. A click after the lapse time lapses it
    (status LAPSED) and counts nothing.

    Raises:
        MetNotPossible: unknown request, someone else's request, or already answered.
    """
    log = get_met_log(met_id, session=session)
    if log is None or log.id is None:
        raise MetNotPossible("That request no longer exists, so nothing was changed.")
    people = _slack_ids(session, (log.logger_id, log.other_id))
    logger_slack_id, other_slack_id = people[log.logger_id], people[log.other_id]
    if answerer_slack_id != other_slack_id:
        raise MetNotPossible(
            f"Only {mention(other_slack_id)} can confirm this meeting, so nothing was changed."
        )
    if (
        log.status == MetStatus.PENDING
        and now >= _lapses_at(log)
        and claim_met_answer(log, MetStatus.LAPSED, session=session, now=now)
    ):
        # Too late: lapse it now rather than wait for the daily job.
        return MetAnswer(
            met_id=log.id,
            logger_slack_id=logger_slack_id,
            other_slack_id=other_slack_id,
            note=log.note,
            status=MetStatus.LAPSED,
            new_for_logger=False,
        )
    status = MetStatus.CONFIRMED if confirm else MetStatus.DECLINED
    # Compare-and-set: of two answers at once (a double click, Confirm and Not me, the
    # lapse job) exactly one moves the log on; the other is told what happened.
    if log.status != MetStatus.PENDING or not claim_met_answer(
        log, status, session=session, now=now
    ):
        raise MetNotPossible(_already_answered(MetStatus(log.status), logger_slack_id))
    new_for_logger = False
    if confirm:
        new_for_logger = log.other_id not in connected_ids(log.logger_id, session=session)
        record_connection(
            log.logger_id, log.other_id, ConnectionSource.MET, session=session, now=now
        )
    return MetAnswer(
        met_id=log.id,
        logger_slack_id=logger_slack_id,
        other_slack_id=other_slack_id,
        note=log.note,
        status=status,
        new_for_logger=new_for_logger,
    )


def lapse_met_requests(
    session: Session, *, now: datetime, limit: int = LAPSE_BATCH
) -> list[MetRequest]:
    """Lapse up to ``limit`` logged meetings left unanswered for ``MET_LAPSE_DAYS``, in two
    statements (IDs, then a compare-and-set update); returns those this call lapsed."""
    cutoff = now - timedelta(days=MET_LAPSE_DAYS)
    logs = lapse_met_logs(cutoff, limit=limit, session=session, now=now)
    people = _slack_ids(session, [i for log in logs for i in (log.logger_id, log.other_id)])
    return [_request(log, people[log.logger_id], people[log.other_id]) for log in logs]


def waiting_met_requests(session: Session, person: Person) -> list[MetRequest]:
    """Meetings ``person`` logged or is asked to confirm, still waiting; oldest first."""
    if person.id is None:
        return []
    logs = pending_met_logs_of(person.id, session=session)
    people = _slack_ids(session, [i for log in logs for i in (log.logger_id, log.other_id)])
    return [_request(log, people[log.logger_id], people[log.other_id]) for log in logs]


def _already_answered(status: MetStatus, logger_slack_id: str) -> str:
    if status == MetStatus.CONFIRMED:
        return f"Already confirmed: {mention(logger_slack_id)} is one of your connections."
    if status == MetStatus.DECLINED:
        return "You already answered *Not me* to this one, so nothing was counted."
    if status == MetStatus.WITHDRAWN:
        return "That request was withdrawn, so nothing was changed."
    return (
        f"This request lapsed after {MET_LAPSE_DAYS} days without an answer, so it wasn't "
        f"counted. If you did meet, log it yourself with `/mentor met @person`: "
        f"{mention(logger_slack_id)} will be asked to confirm."
    )


def _lapses_at(log: MetLog) -> datetime:
    return log.created_at + timedelta(days=MET_LAPSE_DAYS)


def _request(log: MetLog, logger_slack_id: str, other_slack_id: str) -> MetRequest:
    assert log.id is not None
    return MetRequest(
        met_id=log.id,
        logger_slack_id=logger_slack_id,
        other_slack_id=other_slack_id,
        note=log.note,
        created_at=log.created_at,
        lapses_at=_lapses_at(log),
        dm_channel=log.dm_channel,
        dm_ts=log.dm_ts,
    )


def _slack_ids(session: Session, person_ids: Iterable[int]) -> dict[int, str]:
    return {i: p.slack_id for i, p in people_by_ids(person_ids, session=session).items()}


# --- transitions --------------------------------------------------------------------------


def start_transition(
    session: Session, person: Person, kind: TransitionKind, *, settings: Settings, now: datetime
) -> bool:
    """Start a fresh, smaller goal for a transition; False when that one is already running.

    Marking a different transition replaces the running one (one at a time keeps it simple
    and the goal honest).
    """
    assert person.id is not None
    current = latest_transition(person.id, session=session)
    running = current is not None and _transition_window(
        current.started_at, current.window_days, person
    ).is_open(local_day(person, now))
    if current is not None and running:
        if current.kind == kind:
            return False
        end_transition(current, session=session, now=now)
    add_transition(
        person.id,
        kind,
        settings.transition_goal,
        settings.transition_window_days,
        session=session,
        now=now,
    )
    return True


def stop_transition(
    session: Session, person: Person, *, now: datetime, kind: str | None = None
) -> bool:
    """End the running transition early; False when there was none.

    With ``kind`` (what the button showed), a different running transition is left alone:
    a stale "End this goal" must not end a goal marked since.
    """
    assert person.id is not None
    current = latest_transition(person.id, session=session)
    if current is None or (kind is not None and current.kind != kind):
        return False
    end_transition(current, session=session, now=now)
    return True


# --- progress -----------------------------------------------------------------------------


def local_day(person: Person, moment: datetime) -> date:
    """The calendar day of ``moment`` in the person's own time zone (UTC when unknown)."""
    if person.tz:
        try:
            return moment.astimezone(ZoneInfo(person.tz)).date()
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return moment.date()


def _transition_window(started_at: datetime, days: int, person: Person) -> Window:
    return Window(starts_on=local_day(person, started_at), days=days)


def load_progress(
    session: Session, person: Person, *, settings: Settings, now: datetime
) -> Progress:
    """``person``'s connections, their running goals (newcomer, transition) and pace."""
    assert person.id is not None
    today = local_day(person, now)
    firsts = first_connected_at(person.id, session=session)
    first_days = {other: local_day(person, made_at) for other, made_at in firsts.items()}
    outside = _outside_area_ids(session, person, firsts.keys())
    goals: list[GoalProgress] = []
    if person.start_date is not None:
        window = Window(starts_on=person.start_date, days=settings.connection_window_days)
        if window.is_open(today):
            goals.append(
                goal_progress(
                    kind=NEWCOMER,
                    label=NEWCOMER_LABEL,
                    goal=settings.connection_goal,
                    window=window,
                    today=today,
                    first_connected=first_days,
                    outside_area_ids=outside,
                )
            )
    transition = latest_transition(person.id, session=session)
    if transition is not None:
        window = _transition_window(transition.started_at, transition.window_days, person)
        if window.is_open(today):
            goals.append(
                goal_progress(
                    kind=transition.kind,
                    label=TRANSITION_LABELS.get(transition.kind, transition.kind),
                    goal=transition.goal,
                    window=window,
                    today=today,
                    first_connected=first_days,
                    outside_area_ids=outside,
                )
            )
    return summarise(first_connected=first_days, outside_area_ids=outside, goals=tuple(goals))


def running_transition(progress: Progress) -> GoalProgress | None:
    return next((goal for goal in progress.goals if goal.kind != NEWCOMER), None)


def _outside_area_ids(session: Session, person: Person, other_ids: Iterable[int]) -> set[int]:
    ids = set(other_ids)
    if not ids:
        return set()
    others = list(people_by_ids(ids, session=session).values())
    chains = manager_chains([person.slack_id, *(o.slack_id for o in others)], session=session)
    my_chain = set(chains[person.slack_id])
    outside: set[int] = set()
    for other in others:
        in_line = other.slack_id in my_chain or person.slack_id in chains[other.slack_id]
        if other.id is not None and outside_area(
            person.area, other.area, in_my_reporting_line=in_line
        ):
            outside.add(other.id)
    return outside
