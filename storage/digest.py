"""Queries for the coordinators' digest: counts over weeks, set-based, never a row of text.

Every function reads timestamps, IDs and counts only: no question, agenda, follow-up,
comment or note is ever selected. Weekly figures come back bucketed by the database
(``bounds``: the instants where each week starts, then where the last one ends), one
statement per figure, so a year of history for 50,000 people is a handful of scans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, extract, func, or_, union, union_all, update
from sqlalchemy import join as sa_join
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from storage.insert_once import insert_once
from storage.models import (
    AdviceRequest,
    AgendaItem,
    Celebration,
    Connection,
    Conversation,
    ConversationStatus,
    MentoringSession,
    MentorOffer,
    OfferTopic,
    Person,
    Rating,
    Topic,
    TopicDemand,
    Transition,
)

Bounds = Sequence[datetime]
# Where an answered request can be now (its responded_at set): accepted, then maybe closed.
ANSWERED = (ConversationStatus.ACTIVE, ConversationStatus.CLOSED, ConversationStatus.DECLINED)


def _bucket(column: Any, bounds: Bounds) -> Any:
    """The week a timestamp falls in: 0 for [bounds[0], bounds[1]), 1 for the next…"""
    return case(*((column < bound, index) for index, bound in enumerate(bounds[1:])), else_=-1)


def _in(column: Any, bounds: Bounds) -> Any:
    return and_(column >= bounds[0], column < bounds[-1])


def _weekly(
    session: Session, column: Any, bounds: Bounds, *where: Any, joined: Any = None
) -> list[int]:
    """How many rows have ``column`` in each week (rows of the table ``column`` is in, or
    of ``joined``)."""
    week = _bucket(column, bounds)
    statement = sa_select(week, func.count())
    if joined is not None:
        statement = statement.select_from(joined)
    statement = statement.where(_in(column, bounds), *where).group_by(week)
    counts = [0] * (len(bounds) - 1)
    for index, count in _rows(session, statement):
        if index >= 0:
            counts[index] = int(count)
    return counts


def _weekly_and_of_them(
    session: Session, column: Any, bounds: Bounds, condition: Any
) -> tuple[list[int], list[int]]:
    """``_weekly`` of the rows, and of those of them where ``condition`` holds, from one
    read of ``column``'s index."""
    week = _bucket(column, bounds)
    of_them = func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
    statement = sa_select(week, func.count(), of_them).where(_in(column, bounds)).group_by(week)
    counts, matching = [0] * (len(bounds) - 1), [0] * (len(bounds) - 1)
    for index, count, matched in _rows(session, statement):
        if index >= 0:
            counts[index], matching[index] = int(count), int(matched)
    return counts, matching


def _rows(session: Session, statement: Any) -> Any:
    """Run a Core statement on the session's connection: plain rows, no ORM loading."""
    return session.connection().execute(statement)


def _as_datetime(value: Any) -> datetime:
    """A timestamp an aggregate handed back raw (SQLite gives strings): UTC-aware."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _days_between(session: Session, later: Any, earlier: Any) -> Any:
    """SQL for the days from ``earlier`` to ``later`` (a float)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return extract("epoch", later - earlier) / 86400.0


# --- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestWeeks:
    """Requests per week, each counted in the week it happened."""

    made: list[int]
    accepted: list[int]
    declined: list[int]
    expired: list[int]
    passed_on: list[int]


def request_weeks(bounds: Bounds, *, session: Session) -> RequestWeeks:
    c = Conversation
    return RequestWeeks(
        made=_weekly(session, col(c.created_at), bounds),
        accepted=_weekly(session, col(c.accepted_at), bounds),
        declined=_weekly(
            session, col(c.responded_at), bounds, col(c.status) == ConversationStatus.DECLINED
        ),
        expired=_weekly(
            session, col(c.status_changed_at), bounds, col(c.status) == ConversationStatus.EXPIRED
        ),
        passed_on=_weekly(session, col(c.passed_at), bounds),
    )


def median_answer_hours(bounds: Bounds, *, session: Session) -> list[float | None]:
    """Per week, the median hours a request answered (accepted or declined) that week had
    waited; None for a week with none. The median is the middle wait of the week's sorted
    waits, and for an even count the upper of the two middle ones (as the database's
    ranking, row_number = (n + 1) / 2 or (n + 2) / 2 in true division, has always given).

    The database hands back each answered request's week and wait (a covering index
    read); the sorting is done here: ranking them in SQL took two sorts of a window."""
    c = Conversation
    answered = col(c.responded_at)
    statement = sa_select(
        _bucket(answered, bounds),
        _days_between(session, answered, col(c.created_at)) * 24.0,
    ).where(col(c.status).in_(ANSWERED), _in(answered, bounds))
    waits: list[list[float]] = [[] for _ in bounds[1:]]
    for index, hours in _rows(session, statement):
        if index >= 0:
            waits[index].append(hours)
    found: list[float | None] = []
    for week in waits:
        week.sort()
        found.append(float(week[len(week) // 2]) if week else None)
    return found


# --- sessions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionWeeks:
    held: list[int]
    with_agenda: list[int]  # held with an agenda posted beforehand
    followups_due: list[int]  # sessions whose three days for follow-ups ended that week
    followups_on_time: list[int]  # of those, follow-ups posted within the three days
    by_mentor: list[int]  # follow-ups posted that week by the mentor


def session_weeks(bounds: Bounds, *, session: Session, followup_days: int = 3) -> SessionWeeks:
    s = MentoringSession
    held = col(s.held_at)
    shifted = [bound - timedelta(days=followup_days) for bound in bounds]
    late = _days_between(session, col(s.followups_posted_at), held)
    # A join, not EXISTS: SQLite then reads the mentor from an index, not the request's row.
    posted_by_mentor = sa_join(
        MentoringSession,
        Conversation,
        and_(
            col(Conversation.id) == col(s.conversation_id),
            col(Conversation.mentor_id) == col(s.followups_posted_by_id),
        ),
    )
    held_weeks, with_agenda = _weekly_and_of_them(
        session,
        held,
        bounds,
        and_(col(s.agenda_posted_at).is_not(None), col(s.agenda_posted_at) <= held),
    )
    due, on_time = _weekly_and_of_them(
        session,
        held,
        shifted,
        and_(col(s.followups_posted_at).is_not(None), late <= followup_days),
    )
    return SessionWeeks(
        held=held_weeks,
        with_agenda=with_agenda,
        followups_due=due,
        followups_on_time=on_time,
        by_mentor=_weekly(session, col(s.followups_posted_at), bounds, joined=posted_by_mentor),
    )


def outcome_weeks(bounds: Bounds, *, session: Session) -> dict[str, list[int]]:
    """Agenda questions marked answered / partly / not yet, by the week their follow-ups
    were posted."""
    posted = col(MentoringSession.followups_posted_at)
    week = _bucket(posted, bounds)
    statement = (
        sa_select(week, col(AgendaItem.outcome), func.count())
        .select_from(AgendaItem)
        .join(MentoringSession, col(MentoringSession.id) == col(AgendaItem.session_id))
        .where(_in(posted, bounds), col(AgendaItem.outcome).is_not(None))
        .group_by(week, col(AgendaItem.outcome))
    )
    found: dict[str, list[int]] = {}
    for index, outcome, count in _rows(session, statement):
        if index >= 0:
            found.setdefault(str(outcome), [0] * (len(bounds) - 1))[index] = int(count)
    return found


def rating_weeks(bounds: Bounds, *, session: Session) -> tuple[list[int], list[int]]:
    """(answers, sum of usefulness) per week."""
    answered = col(Rating.answered_at)
    week = _bucket(answered, bounds)
    statement = (
        sa_select(week, func.count(), func.sum(col(Rating.usefulness)))
        .where(_in(answered, bounds))
        .group_by(week)
    )
    counts, sums = [0] * (len(bounds) - 1), [0] * (len(bounds) - 1)
    for index, count, total in _rows(session, statement):
        if index >= 0:
            counts[index], sums[index] = int(count), int(total or 0)
    return counts, sums


# --- connections -----------------------------------------------------------------------------


def _first_of_pair(c: Any) -> Any:
    """SQL: connection row ``c`` is the first between its two people (no earlier row, of
    any source; the lower ID first between two made at the same moment), as stored."""
    return col(c.first_of_pair).is_(True)


def new_pairs_by_area(bounds: Bounds, *, session: Session) -> list[tuple[int, str, str, int]]:
    """(week, area of one, area of the other, pairs) for pairs of people who first connected
    (a session or a confirmed meeting, whichever came first) in each week."""
    c = aliased(Connection)
    one, other = aliased(Person), aliased(Person)
    week = _bucket(col(c.made_at), bounds)
    statement = (
        sa_select(week, col(one.area), col(other.area), func.count())
        .select_from(c)
        .join(one, col(one.id) == col(c.person_id))
        .join(other, col(other.id) == col(c.other_id))
        .where(col(c.person_id) < col(c.other_id), _in(col(c.made_at), bounds), _first_of_pair(c))
        .group_by(week, col(one.area), col(other.area))
    )
    return [(int(w), a or "", b or "", int(n)) for w, a, b, n in _rows(session, statement)]


def area_headcounts(*, session: Session) -> list[tuple[str, int]]:
    """(area as written, active people) for every area."""
    statement = (
        sa_select(col(Person.area), func.count())
        .where(col(Person.is_active).is_(True), col(Person.area).is_not(None))
        .group_by(col(Person.area))
    )
    return [(str(area), int(n)) for area, n in _rows(session, statement)]


@dataclass(frozen=True)
class GoalCount:
    """Someone working toward a goal, and the distinct people first met inside its window."""

    person_id: int
    slack_id: str
    starts: date | datetime  # the window's first day (newcomers) or moment (transitions)
    count: int  # first connected with inside the window, before ``end``
    recent: int  # of those, first connected with since ``since``
    goal: int | None = None  # a transition's own goal (newcomers: the setting)
    window_days: int | None = None
    transition_id: int | None = None


def _goal_counts(c: Any, starts: Any, end: datetime, since: datetime) -> tuple[Any, Any, Any]:
    """The join of someone's connection rows ``c`` that count toward a goal starting at
    ``starts`` (first with that person, from the start to ``end``), and how many there are,
    all and since ``since``."""
    counts = and_(col(c.made_at) >= starts, col(c.made_at) < end, _first_of_pair(c))
    recent = func.coalesce(func.sum(case((col(c.made_at) >= since, 1), else_=0)), 0)
    return counts, func.count(col(c.id)), recent


def newcomer_counts(
    *, started_after: date, end: datetime, since: datetime, session: Session
) -> list[GoalCount]:
    """Active people whose start date is after ``started_after`` (their window is open),
    with how many people they first connected with from their start date to ``end``."""
    p, c = Person, aliased(Connection)
    joined, count, recent = _goal_counts(c, col(p.start_date), end, since)
    statement = (
        sa_select(col(p.id), col(p.slack_id), col(p.start_date), count, recent)
        .select_from(p)
        .outerjoin(c, and_(col(c.person_id) == col(p.id), joined))
        .where(*_newcomers(p, started_after))
        .group_by(col(p.id), col(p.slack_id), col(p.start_date))
    )
    return [
        GoalCount(int(i), str(s), start, int(n), int(r))
        for i, s, start, n, r in _rows(session, statement)
    ]


def _newcomers(p: Any, started_after: date) -> tuple[Any, ...]:
    """Active people whose start date is after ``started_after``: their window is open."""
    return (
        col(p.is_active).is_(True),
        col(p.start_date).is_not(None),
        col(p.start_date) > started_after,
    )


def newcomer_tallies(
    *, started_after: date, end: datetime, session: Session
) -> list[tuple[date, int, int]]:
    """(start date, first connections from it to ``end``, newcomers) for the people of
    ``newcomer_counts``: their standings depend on those two figures only, so the
    database hands back a row per pair of them, not one per newcomer."""
    p, c = Person, aliased(Connection)
    joined, count, _recent = _goal_counts(c, col(p.start_date), end, end)
    per_person = (
        sa_select(col(p.start_date).label("starts"), count.label("n"))
        .select_from(p)
        .outerjoin(c, and_(col(c.person_id) == col(p.id), joined))
        .where(*_newcomers(p, started_after))
        .group_by(col(p.id), col(p.start_date))
        .subquery()
    )
    statement = sa_select(per_person.c.starts, per_person.c.n, func.count()).group_by(
        per_person.c.starts, per_person.c.n
    )
    return [(start, int(n), int(people)) for start, n, people in _rows(session, statement)]


def transition_counts(*, end: datetime, since: datetime, session: Session) -> list[GoalCount]:
    """Transitions started before ``end`` and not ended by then (the caller checks their
    windows), with the people first connected with from their start to ``end``."""
    t, p, c = Transition, Person, aliased(Connection)
    joined, count, recent = _goal_counts(c, col(t.started_at), end, since)
    statement = (
        sa_select(
            col(t.id),
            col(p.id),
            col(p.slack_id),
            col(t.started_at),
            col(t.goal),
            col(t.window_days),
            count,
            recent,
        )
        .select_from(t)
        .join(p, col(p.id) == col(t.person_id))
        .outerjoin(c, and_(col(c.person_id) == col(t.person_id), joined))
        .where(
            col(t.started_at) < end,
            or_(col(t.ended_at).is_(None), col(t.ended_at) >= end),
            col(p.is_active).is_(True),
        )
        .group_by(
            col(t.id),
            col(p.id),
            col(p.slack_id),
            col(t.started_at),
            col(t.goal),
            col(t.window_days),
        )
    )
    return [
        GoalCount(
            int(pid),
            str(sid),
            _as_datetime(started),
            int(n),
            int(r),
            goal=int(goal),
            window_days=int(days),
            transition_id=int(tid),
        )
        for tid, pid, sid, started, goal, days, n, r in _rows(session, statement)
    ]


def names(slack_ids: Sequence[str], *, session: Session) -> dict[str, str]:
    """Slack ID → name as in the directory, for the people a digest names."""
    found: dict[str, str] = {}
    ids = sorted(set(slack_ids))
    for chunk in range(0, len(ids), 5000):
        statement = sa_select(col(Person.slack_id), col(Person.name)).where(
            col(Person.slack_id).in_(ids[chunk : chunk + 5000])
        )
        found.update({str(s): str(n) for s, n in _rows(session, statement)})
    return found


# --- danger signs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignRow:
    """One danger sign as stored: what it is about, the pair, and the moments that date it."""

    object_id: int  # a conversation, or a session
    mentee: str
    mentor: str
    at: datetime  # when it happened (held, posted, expired) or the last sign of life
    since: datetime | None = None  # where "how long" starts, when not ``at``
    mentee_name: str = ""  # as in the directory (the digest names whom a sign is about)
    mentor_name: str = ""


def _active_ids(end: datetime) -> Any:
    """(id, mentor_id) of the conversations accepted before ``end`` and not closed by then:
    active now, or closed since (a union: each part reads its own slice of the status
    index, which holds the mentor too)."""
    c = aliased(Conversation)
    accepted = col(c.accepted_at) < end
    columns: tuple[Any, ...] = (col(c.id).label("id"), col(c.mentor_id).label("mentor_id"))
    active = sa_select(*columns).where(col(c.status) == ConversationStatus.ACTIVE, accepted)
    closed_since = sa_select(*columns).where(
        col(c.status) == ConversationStatus.CLOSED, col(c.closed_at) >= end, accepted
    )
    return union_all(active.correlate(None), closed_since.correlate(None)).subquery()


def _pair_ids() -> tuple[Any, Any]:
    return aliased(Person), aliased(Person)


def silent_conversations(end: datetime, since: datetime, *, session: Session) -> list[SignRow]:
    """Conversations active at ``end`` with no sign of life from ``since`` to ``end`` (no
    accept, session planned, agenda, session held or follow-ups), and their last one.

    One pass over their sessions: each moment's latest before ``end``; a conversation is
    silent when none of those is at or after ``since`` (and then they are its latest
    before ``since``)."""
    c, s, q = Conversation, MentoringSession, aliased(Conversation)
    # Accepted before ``since`` and active at ``end`` (see ``_active_ids``): from the status
    # index alone, which holds when each was accepted and closed.
    columns = (col(q.id),)
    accepted = col(q.accepted_at) < since
    candidates = union_all(
        sa_select(*columns).where(col(q.status) == ConversationStatus.ACTIVE, accepted),
        sa_select(*columns).where(
            col(q.status) == ConversationStatus.CLOSED, col(q.closed_at) >= end, accepted
        ),
    )

    def latest(column: Any) -> Any:
        return func.max(case((column < end, column), else_=None))

    last = (
        sa_select(
            col(s.conversation_id).label("cid"),
            latest(col(s.created_at)).label("created"),
            latest(col(s.agenda_posted_at)).label("agenda"),
            latest(col(s.held_at)).label("held"),
            latest(col(s.followups_posted_at)).label("followups"),
        )
        .where(col(s.conversation_id).in_(candidates))
        .group_by(col(s.conversation_id))
        .subquery()
    )
    moments = (last.c.created, last.c.agenda, last.c.held, last.c.followups)
    mentee, mentor = _pair_ids()
    statement = (
        sa_select(
            col(c.id),
            col(mentee.slack_id),
            col(mentor.slack_id),
            col(mentee.name),
            col(mentor.name),
            col(c.accepted_at),
            *moments,
        )
        .select_from(c)
        .join(mentee, col(mentee.id) == col(c.mentee_id))
        .join(mentor, col(mentor.id) == col(c.mentor_id))
        .outerjoin(last, last.c.cid == col(c.id))
        .where(col(c.id).in_(candidates), *(or_(m.is_(None), m < since) for m in moments))
    )
    rows = []
    for cid, mentee_id, mentor_id, mentee_name, mentor_name, accepted_at, *found in _rows(
        session, statement
    ):
        latest_moment = max(_as_datetime(m) for m in (accepted_at, *found) if m is not None)
        rows.append(
            SignRow(
                int(cid),
                str(mentee_id),
                str(mentor_id),
                latest_moment,
                mentee_name=str(mentee_name),
                mentor_name=str(mentor_name),
            )
        )
    return rows


def _session_signs(session: Session, *where: Any, at: Any) -> list[SignRow]:
    c, s = Conversation, MentoringSession
    mentee, mentor = _pair_ids()
    statement = (
        sa_select(
            col(s.id),
            col(mentee.slack_id),
            col(mentor.slack_id),
            col(mentee.name),
            col(mentor.name),
            at,
        )
        .select_from(s)
        .join(c, col(c.id) == col(s.conversation_id))
        .join(mentee, col(mentee.id) == col(c.mentee_id))
        .join(mentor, col(mentor.id) == col(c.mentor_id))
        .where(*where)
    )
    return [
        SignRow(int(i), str(a), str(b), _as_datetime(moment), mentee_name=an, mentor_name=bn)
        for i, a, b, an, bn, moment in _rows(session, statement)
    ]


def held_without_agenda(start: datetime, end: datetime, *, session: Session) -> list[SignRow]:
    """Sessions held in [start, end) with no agenda posted before they were held."""
    s = MentoringSession
    held = col(s.held_at)
    return _session_signs(
        session,
        held >= start,
        held < end,
        or_(col(s.agenda_posted_at).is_(None), col(s.agenda_posted_at) > held),
        at=held,
    )


def followups_missing(
    held_from: datetime, held_before: datetime, end: datetime, *, session: Session
) -> list[SignRow]:
    """Sessions held in [held_from, held_before) whose follow-ups were not posted by ``end``."""
    s = MentoringSession
    held = col(s.held_at)
    return _session_signs(
        session,
        held >= held_from,
        held < held_before,
        or_(col(s.followups_posted_at).is_(None), col(s.followups_posted_at) >= end),
        at=held,
    )


def followups_by_mentor(start: datetime, end: datetime, *, session: Session) -> list[SignRow]:
    """Sessions whose follow-ups the mentor posted in [start, end)."""
    s, c = MentoringSession, Conversation
    posted = col(s.followups_posted_at)
    return _session_signs(
        session,
        posted >= start,
        posted < end,
        col(s.followups_posted_by_id) == col(c.mentor_id),
        at=posted,
    )


def expired_requests(start: datetime, end: datetime, *, session: Session) -> list[SignRow]:
    """Requests that expired unanswered in [start, end), and since when they waited."""
    c = Conversation
    mentee, mentor = _pair_ids()
    waited_from = func.coalesce(col(c.passed_at), col(c.created_at))
    statement = (
        sa_select(
            col(c.id),
            col(mentee.slack_id),
            col(mentor.slack_id),
            col(mentee.name),
            col(mentor.name),
            col(c.status_changed_at),
            waited_from,
        )
        .select_from(c)
        .join(mentee, col(mentee.id) == col(c.mentee_id))
        .join(mentor, col(mentor.id) == col(c.mentor_id))
        .where(
            col(c.status) == ConversationStatus.EXPIRED,
            col(c.status_changed_at) >= start,
            col(c.status_changed_at) < end,
        )
    )
    return [
        SignRow(
            int(i),
            str(a),
            str(b),
            _as_datetime(at),
            _as_datetime(since),
            mentee_name=an,
            mentor_name=bn,
        )
        for i, a, b, an, bn, at, since in _rows(session, statement)
    ]


# --- supply and demand -----------------------------------------------------------------------


def _offer_states(end: datetime, today: date) -> Any:
    """Every active person's offer: whether it is open to requests (not paused) and has a
    free slot at ``end`` (its mentor's active conversations under its capacity)."""
    o, active = MentorOffer, _active_ids(end)
    loads = (
        sa_select(active.c.mentor_id, func.count().label("n"))
        .group_by(active.c.mentor_id)
        .subquery()
    )
    open_ = and_(
        col(o.paused).is_(False), or_(col(o.paused_until).is_(None), col(o.paused_until) <= today)
    )
    return (
        sa_select(
            col(o.id).label("offer_id"),
            col(o.person_id).label("person_id"),
            case((open_, 1), else_=0).label("open"),
            case((and_(open_, func.coalesce(loads.c.n, 0) < col(o.capacity)), 1), else_=0).label(
                "room"
            ),
        )
        .join(Person, col(Person.id) == col(o.person_id))
        .outerjoin(loads, loads.c.mentor_id == col(o.person_id))
        .where(col(Person.is_active).is_(True))
        .subquery()
    )


@dataclass(frozen=True)
class MentorCounts:
    open: int  # offers not paused
    with_room: int
    never_asked: int  # open, and not asked since the given moment


def mentor_counts(
    end: datetime, today: date, *, asked_since: datetime, session: Session
) -> MentorCounts:
    """Mentors open to requests at ``end``, with a free slot, and never asked since
    ``asked_since`` (sent a request, or passed one on)."""
    c = aliased(Conversation)
    states = _offer_states(end, today)
    # Three parts, each read from its own covering index (an OR of the first two had
    # SQLite read every request's row for its mentor).
    sent = sa_select(col(c.mentor_id)).where(
        col(c.created_at) >= asked_since, col(c.created_at) < end
    )
    passed_to = sa_select(col(c.mentor_id)).where(
        col(c.passed_at) >= asked_since, col(c.passed_at) < end
    )
    passed = sa_select(col(c.passed_from_id)).where(
        col(c.passed_from_id).is_not(None), col(c.passed_at) >= asked_since, col(c.passed_at) < end
    )
    asked = union(sent, passed_to, passed).subquery()
    never = and_(states.c.open == 1, states.c.person_id.not_in(sa_select(asked.c[0])))
    statement = sa_select(
        func.coalesce(func.sum(states.c.open), 0),
        func.coalesce(func.sum(states.c.room), 0),
        func.coalesce(func.sum(case((never, 1), else_=0)), 0),
    )
    opened, room, not_asked = _rows(session, statement).one()
    return MentorCounts(int(opened), int(room), int(not_asked))


def topic_supply(
    end: datetime, today: date, *, session: Session
) -> list[tuple[str, str, int, int]]:
    """(topic key, label, offers of it, offers of it with a free slot at ``end``)."""
    states = _offer_states(end, today)
    statement = (
        sa_select(col(Topic.key), col(Topic.label), func.count(), func.sum(states.c.room))
        .select_from(OfferTopic)
        .join(Topic, col(Topic.id) == col(OfferTopic.topic_id))
        .join(states, states.c.offer_id == col(OfferTopic.offer_id))
        .group_by(col(Topic.key), col(Topic.label))
    )
    return [
        (str(k), str(label), int(n), int(r or 0)) for k, label, n, r in _rows(session, statement)
    ]


def searches(
    first_day: date, end_day: date, *, session: Session
) -> list[tuple[str, str, int, int]]:
    """(key, label, searches, unmatched) per searched topic from ``first_day`` to before
    ``end_day``."""
    d = TopicDemand
    statement = (
        sa_select(
            col(d.key),
            func.min(col(d.label)),
            func.sum(col(d.searches)),
            func.sum(col(d.unmatched)),
        )
        .where(col(d.day) >= first_day, col(d.day) < end_day)
        .group_by(col(d.key))
    )
    return [(str(k), str(label), int(n), int(u)) for k, label, n, u in _rows(session, statement)]


def requested_topics(start: datetime, end: datetime, *, session: Session) -> list[tuple[str, int]]:
    """(topic as the mentee typed it, requests) for requests made in [start, end)."""
    c = Conversation
    statement = (
        sa_select(col(c.topic), func.count())
        .where(col(c.created_at) >= start, col(c.created_at) < end)
        .group_by(col(c.topic))
    )
    return [(str(t or ""), int(n)) for t, n in _rows(session, statement)]


def rerouted(start: datetime, end: datetime, *, window: timedelta, session: Session) -> int:
    """Requests made in [start, end) by a mentee whose earlier request had expired or been
    withdrawn unanswered within ``window`` before."""
    new, old = aliased(Conversation), aliased(Conversation)
    statement = (
        sa_select(col(new.id), col(new.created_at), col(old.status_changed_at))
        .join(old, and_(col(old.mentee_id) == col(new.mentee_id), col(old.id) != col(new.id)))
        .where(
            col(new.created_at) >= start,
            col(new.created_at) < end,
            col(old.status).in_([ConversationStatus.EXPIRED, ConversationStatus.WITHDRAWN]),
            col(old.status_changed_at) >= start - window,
            col(old.status_changed_at) < end,
        )
    )
    found = {
        int(i) for i, made, ended in _rows(session, statement) if ended <= made <= ended + window
    }
    return len(found)


# --- advice and celebrations -----------------------------------------------------------------


def advice_counts(start: datetime, end: datetime, *, session: Session) -> tuple[int, int]:
    """(open at ``end``, asked in [start, end))."""
    a = AdviceRequest
    open_at_end = and_(
        col(a.created_at) < end, or_(col(a.closed_at).is_(None), col(a.closed_at) >= end)
    )
    asked = and_(col(a.created_at) >= start, col(a.created_at) < end)
    statement = sa_select(
        func.coalesce(func.sum(case((open_at_end, 1), else_=0)), 0),
        func.coalesce(func.sum(case((asked, 1), else_=0)), 0),
    )
    opened, new = _rows(session, statement).one()
    return int(opened), int(new)


def celebrated(start: datetime, end: datetime, *, session: Session) -> list[str]:
    """Slack IDs of people to celebrate for [start, end): they reached a goal in it and had
    said yes by its end, or said yes in it to a goal reached before. Each yes is
    celebrated in exactly one week."""
    e = Celebration
    statement = (
        sa_select(col(Person.slack_id), func.min(col(e.reached_at)))
        .join(Person, col(Person.id) == col(e.person_id))
        .where(
            col(Person.is_active).is_(True),
            or_(
                and_(
                    col(e.reached_at) >= start, col(e.reached_at) < end, col(e.consented_at) < end
                ),
                and_(
                    col(e.consented_at) >= start,
                    col(e.consented_at) < end,
                    col(e.reached_at) < start,
                ),
            ),
        )
        .group_by(col(Person.slack_id))
        .order_by(func.min(col(e.reached_at)), col(Person.slack_id))
    )
    return [str(s) for s, _ in _rows(session, statement)]


def add_celebration(
    person_id: int, goal: str, *, reached_at: datetime, session: Session, now: datetime
) -> bool:
    """Record someone's yes to being celebrated for ``goal``; False if they had said it."""
    row = {"person_id": person_id, "goal": goal, "reached_at": reached_at, "consented_at": now}
    return insert_once(session, Celebration, [row], key=None) == 1


def celebration_goals(person_ids: Sequence[int], *, session: Session) -> set[tuple[int, str]]:
    """(person, goal) of the yeses among ``person_ids``."""
    if not person_ids:
        return set()
    statement = sa_select(col(Celebration.person_id), col(Celebration.goal)).where(
        col(Celebration.person_id).in_(list(person_ids))
    )
    return {(int(p), str(g)) for p, g in _rows(session, statement)}


def get_transition(transition_id: int, *, session: Session) -> Transition | None:
    return session.get(Transition, transition_id)


def add_advice_request(person_id: int, *, session: Session, now: datetime) -> int:
    """A new open advice request (no text: that goes to the coordinators by DM only)."""
    request = AdviceRequest(person_id=person_id, created_at=now)
    session.add(request)
    session.flush()
    assert request.id is not None
    return request.id


def close_advice_request(
    advice_id: int, closed_by_id: int | None, *, session: Session, now: datetime
) -> bool | None:
    """Mark an advice request handled: True if this closed it, False if it already was,
    None if there is no such request."""
    request = session.get(AdviceRequest, advice_id)
    if request is None:
        return None
    statement = (
        update(AdviceRequest)
        .where(col(AdviceRequest.id) == advice_id, col(AdviceRequest.closed_at).is_(None))
        .values(closed_at=now, closed_by_id=closed_by_id)
        .execution_options(synchronize_session=False)
    )
    return bool(session.connection().execute(statement).rowcount)


@dataclass(frozen=True)
class SignSubject:
    """What a danger sign is about, read again when a coordinator clicks its nudge."""

    conversation_status: str
    mentee: Person
    mentor: Person
    held: bool = False
    agenda_before: bool = False
    followups_posted: bool = False
    followups_by_mentor: bool = False


def sign_subject(
    conversation_id: int | None, session_id: int | None, *, session: Session
) -> SignSubject | None:
    """The conversation (or the session, and its conversation) a danger sign names."""
    row = None
    if session_id is not None:
        row = session.get(MentoringSession, session_id)
        if row is None:
            return None
        conversation_id = row.conversation_id
    conversation = session.get(Conversation, conversation_id) if conversation_id else None
    if conversation is None:
        return None
    mentee = session.get(Person, conversation.mentee_id)
    mentor = session.get(Person, conversation.mentor_id)
    if mentee is None or mentor is None:
        return None
    if row is None:
        return SignSubject(conversation.status, mentee, mentor)
    return SignSubject(
        conversation.status,
        mentee,
        mentor,
        held=row.held_at is not None,
        agenda_before=row.agenda_posted_at is not None
        and row.held_at is not None
        and row.agenda_posted_at <= row.held_at,
        followups_posted=row.followups_posted_at is not None,
        followups_by_mentor=row.followups_posted_by_id == conversation.mentor_id,
    )
