"""What the App Home and `/mentor progress` read, and the coordinators' digest counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.conversations.common import (
    RequestSnapshot,
    _cid,
    _held,
    _next_unheld,
    _pid,
    _slack,
    snapshot,
)
from storage import conversations as store
from storage.directory import people_by_ids
from storage.models import (
    OPEN_REQUEST_STATUSES,
    ActionOwner,
    Conversation,
    ConversationStatus,
    Person,
    SessionOutcome,
)

# --- the App Home and /mentor progress ------------------------------------------------------


REQUEST_STATES = {
    "sent": "sent",
    "info_requested": "asked for more info",
    "passed_on": "passed on",
    "accepted": "accepted",
    "declined": "declined",
    "expired": "expired",
    "closed": "closed",
    "withdrawn": "withdrawn",
}
WAITING_STATES = frozenset({"sent", "info_requested", "passed_on"})  # the mentee may withdraw


@dataclass(frozen=True)
class RequestLine:
    """One of my requests as mentee: where it stands and since when."""

    conversation_id: int
    mentor_slack_id: str
    topic: str
    state: str  # a key of REQUEST_STATES
    since: datetime
    passed_from_slack_id: str | None = None
    decline_reason: str | None = None


@dataclass(frozen=True)
class ActiveLine:
    """An active conversation and what should happen next."""

    conversation_id: int
    role: str  # "mentee" or "mentor"
    other_slack_id: str
    topic: str
    sessions_held: int
    max_sessions: int
    next_step: str  # "post_agenda", "log_session" or "post_followups"
    next_session_at: datetime | None
    group_channel_id: str | None


@dataclass(frozen=True)
class OpenAction:
    action_id: int
    conversation_id: int
    text: str
    owner: str  # "mentee" or "mentor"
    mine: bool
    other_slack_id: str
    due_date: date | None


@dataclass(frozen=True)
class WaitingRequest:
    """A request waiting for me as mentor; ``request`` is all of it, as its card shows it."""

    conversation_id: int
    mentee_slack_id: str
    topic: str
    status: str
    since: datetime
    request: RequestSnapshot | None = None


@dataclass(frozen=True)
class FinishedLine:
    """A conversation that has ended, from one side: to rate, to ask again, or past."""

    conversation_id: int
    role: str  # "mentee" or "mentor"
    other_slack_id: str
    topic: str
    closed_at: datetime | None
    on_call: bool  # both kept the door open
    rated: bool  # this person answered the sunset's questions


@dataclass(frozen=True)
class ConversationsHome:
    requests: tuple[RequestLine, ...] = ()
    active: tuple[ActiveLine, ...] = ()
    actions: tuple[OpenAction, ...] = ()
    waiting: tuple[WaitingRequest, ...] = ()
    finished: tuple[FinishedLine, ...] = ()  # newest first


def _request_state(c: Conversation) -> str:
    if c.status == ConversationStatus.REQUESTED:
        return "passed_on" if c.passed_from_id else "sent"
    return {
        ConversationStatus.INFO_REQUESTED: "info_requested",
        ConversationStatus.ACTIVE: "accepted",
        ConversationStatus.DECLINED: "declined",
        ConversationStatus.EXPIRED: "expired",
        ConversationStatus.CLOSED: "closed",
        ConversationStatus.WITHDRAWN: "withdrawn",
    }.get(ConversationStatus(c.status), "sent")


def _next_step(session: Session, c: Conversation) -> tuple[str, int, datetime | None]:
    sessions = store.sessions_of(_cid(c), session=session)
    held = _held(sessions)
    if held and held[-1].followups_posted_at is None:
        return "post_followups", len(held), None
    upcoming = _next_unheld(sessions)
    if upcoming is not None and upcoming.agenda_posted_at is not None:
        return "log_session", len(held), upcoming.scheduled_at
    return "post_agenda", len(held), None


def home_state(
    session: Session, person: Person, *, now: datetime, max_sessions: int = 3
) -> ConversationsHome:
    """Everything the Home tab and `/mentor progress` show about ``person``'s conversations."""
    pid = _pid(person)
    as_mentee = store.as_mentee(pid, session=session)
    active_rows = store.active_for(pid, session=session)
    waiting_rows = store.as_mentor(pid, list(OPEN_REQUEST_STATUSES), session=session)
    involved = store.involving(
        pid, [ConversationStatus.ACTIVE, ConversationStatus.CLOSED], session=session
    )
    # Everyone these lines mention, in one query rather than one per line.
    known = people_by_ids(
        (
            i
            for c in (*as_mentee, *active_rows, *waiting_rows, *involved)
            for i in (c.mentee_id, c.mentor_id, c.passed_from_id)
            if i is not None
        ),
        session=session,
    )

    def slack(person_id: int | None) -> str:
        found = known.get(person_id) if person_id is not None else None
        return found.slack_id if found is not None else _slack(session, person_id)

    requests = tuple(
        RequestLine(
            conversation_id=_cid(c),
            mentor_slack_id=slack(c.mentor_id),
            topic=c.topic,
            state=_request_state(c),
            since=c.status_changed_at,
            passed_from_slack_id=slack(c.passed_from_id) if c.passed_from_id else None,
            decline_reason=c.decline_reason,
        )
        for c in as_mentee
    )
    active = []
    for c in active_rows:
        step, held, at = _next_step(session, c)
        mine = c.mentee_id == pid
        active.append(
            ActiveLine(
                conversation_id=_cid(c),
                role="mentee" if mine else "mentor",
                other_slack_id=slack(c.mentor_id if mine else c.mentee_id),
                topic=c.topic,
                sessions_held=held,
                max_sessions=max_sessions,
                next_step=step,
                next_session_at=at,
                group_channel_id=c.group_channel_id,
            )
        )
    by_id = {_cid(c): c for c in involved}
    actions = []
    for item, conversation_id in store.open_actions_in(list(by_id), session=session):
        c = by_id[conversation_id]
        role = ActionOwner.MENTEE if c.mentee_id == pid else ActionOwner.MENTOR
        actions.append(
            OpenAction(
                action_id=item.id or 0,
                conversation_id=_cid(c),
                text=item.text,
                owner=item.owner,
                mine=item.owner == role,
                other_slack_id=slack(c.mentor_id if c.mentee_id == pid else c.mentee_id),
                due_date=item.due_date,
            )
        )
    waiting = tuple(
        WaitingRequest(
            _cid(c),
            slack(c.mentee_id),
            c.topic,
            c.status,
            c.status_changed_at,
            snapshot(session, c, slack),
        )
        for c in waiting_rows
    )
    closed = [c for c in involved if c.status == ConversationStatus.CLOSED]
    rated = store.rated_by(pid, [_cid(c) for c in closed], session=session)
    finished = tuple(
        FinishedLine(
            conversation_id=_cid(c),
            role="mentee" if c.mentee_id == pid else "mentor",
            other_slack_id=slack(c.mentor_id if c.mentee_id == pid else c.mentee_id),
            topic=c.topic,
            closed_at=c.closed_at,
            on_call=c.on_call,
            rated=_cid(c) in rated,
        )
        for c in sorted(closed, key=lambda c: c.closed_at or c.status_changed_at, reverse=True)
    )
    return ConversationsHome(requests, tuple(active), tuple(actions), waiting, finished)


# --- for the coordinators' digest (counts only, never content) --------------------------------


def question_outcomes(session: Session, *, start: datetime, end: datetime) -> dict[str, int]:
    """Agenda questions marked answered / partly / not yet in follow-ups posted in [start, end)."""
    counts = store.outcome_counts(start, end, session=session)
    return {outcome.value: counts.get(outcome.value, 0) for outcome in SessionOutcome}
