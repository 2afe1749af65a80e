"""Sessions of an active conversation: agendas, "we met", follow-ups and their actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.blocks.common import mention
from bot.conversations.common import (
    AgendaView,
    FieldErrors,
    NotYours,
    StaleAction,
    _agenda,
    _agenda_view,
    _cid,
    _close,
    _conversation,
    _held,
    _member,
    _next_unheld,
    _person,
    _pid,
    _require_active,
    _sid,
    _slack,
    question_problem,
)
from storage import conversations as store
from storage.connections import record_connection
from storage.models import (
    ActionItem,
    ActionOwner,
    CloseReason,
    ConnectionSource,
    Conversation,
    ConversationStatus,
    MentoringSession,
    Person,
    SessionOutcome,
)

MAX_AGENDA_QUESTIONS = 3
MAX_ACTIONS = 10


# --- input ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionDraft:
    text: str
    owner: str = ActionOwner.MENTEE
    due_date: date | None = None


# --- what handlers render ------------------------------------------------------------------


@dataclass(frozen=True)
class ActionView:
    action_id: int
    text: str
    owner: str
    due_date: date | None
    done: bool


@dataclass(frozen=True)
class QuestionOutcome:
    position: int
    question: str
    outcome: str | None


@dataclass(frozen=True)
class FollowupView:
    conversation_id: int
    session_id: int
    session_number: int
    mentee_slack_id: str
    mentor_slack_id: str
    topic: str
    questions: tuple[QuestionOutcome, ...]
    actions: tuple[ActionView, ...]
    group_channel_id: str | None
    followup_channel: str | None
    followup_ts: str | None
    posted_by_slack_id: str | None


@dataclass(frozen=True)
class SessionLogged:
    conversation_id: int
    session_number: int
    held: int
    max_sessions: int
    mentee_slack_id: str
    mentor_slack_id: str
    group_channel_id: str | None
    sunset: bool  # this was the last allowed session: the conversation is closed
    already_followed_up: bool = False


@dataclass(frozen=True)
class Choice:
    conversation_id: int
    label_slack_id: str  # the other person
    topic: str


# --- sessions -----------------------------------------------------------------------------


def _carry_over(
    session: Session, sessions: Sequence[MentoringSession], conv: Conversation
) -> list[str]:
    """The default agenda: questions of the last held session not marked answered."""
    held = _held(sessions)
    if not held:
        return list(conv.questions or ())[:MAX_AGENDA_QUESTIONS]
    items = store.agenda_of(_sid(held[-1]), session=session)
    return [i.question for i in items if i.outcome != SessionOutcome.ANSWERED][
        :MAX_AGENDA_QUESTIONS
    ]


def _ensure_next_session(
    session: Session, conversation: Conversation, *, now: datetime
) -> MentoringSession:
    sessions = store.sessions_of(_cid(conversation), session=session)
    upcoming = _next_unheld(sessions)
    if upcoming is not None:
        return upcoming
    defaults = _carry_over(session, sessions, conversation)
    try:
        upcoming = store.add_session(
            _cid(conversation), len(sessions) + 1, session=session, now=now
        )
    except IntegrityError:  # a double click: the other click just created this session
        session.rollback()
        raise StaleAction(
            f"Conversation {len(sessions) + 1} was just updated by another click, "
            "so nothing was changed.",
            conversation_id=_cid(conversation),
        ) from None
    store.replace_agenda(_sid(upcoming), defaults, session=session)
    return upcoming


def agenda_draft(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    *,
    max_sessions: int,
    number: int | None = None,
) -> AgendaView:
    """What the agenda modal starts from: the next session's agenda or the carried-over one.

    ``number`` (from the card's button) is the conversation it was meant to plan: once
    that one has been held, the click is stale."""
    conversation = _conversation(session, conversation_id)
    _require_mentee(session, conversation, actor_slack_id, "post the agenda")
    _require_active(conversation)
    sessions = store.sessions_of(conversation_id, session=session)
    upcoming = _next_unheld(sessions)
    next_number = upcoming.number if upcoming is not None else len(sessions) + 1
    if number is not None and number != next_number:
        when = "has already happened" if number < next_number else "is not the next one"
        raise StaleAction(
            f"Conversation {number} {when}, so nothing was changed.",
            conversation_id=conversation_id,
        )
    if upcoming is not None:
        return _agenda_view(session, conversation, upcoming, max_sessions)
    carried = _carry_over(session, sessions, conversation)
    return _agenda(session, conversation, len(sessions) + 1, carried, None, max_sessions)


def _require_mentee(
    session: Session, conversation: Conversation, actor_slack_id: str, what: str
) -> Person:
    actor = _member(session, conversation, actor_slack_id)
    if actor.id != conversation.mentee_id:
        raise NotYours(
            f"The mentee owns the relationship: only <@{_slack(session, conversation.mentee_id)}> "
            f"can {what}."
        )
    return actor


def local_to_utc(day: date, at: time, tz_name: str | None) -> datetime:
    """A date and time in the person's own time zone, as UTC (unknown zones count as UTC)."""
    try:
        zone = ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(day, at, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def post_agenda(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    questions: Sequence[str],
    *,
    on: date | None,
    at: time | None,
    now: datetime,
    max_sessions: int,
    zone: str | None = None,
) -> AgendaView:
    """Set (or edit) the next session's agenda, and its date when given.

    ``at`` is read in ``zone`` (the zone the time picker showed), else in the mentee's
    own; a mentee the directory had no zone for keeps ``zone`` as theirs."""
    conversation = _conversation(session, conversation_id)
    actor = _require_mentee(session, conversation, actor_slack_id, "post the agenda")
    _require_active(conversation)
    errors: dict[str, str] = {}
    problem = question_problem(questions, least=1, most=MAX_AGENDA_QUESTIONS)
    if problem:
        errors["questions"] = problem
    scheduled: datetime | None = None
    if at is not None and on is None:
        errors["date"] = "Pick the day too, or leave the time empty."
    if on is not None:
        scheduled = local_to_utc(on, at or time(9, 0), zone or actor.tz)
        if scheduled < now - timedelta(days=1):
            errors["date"] = "That day has passed; pick the next session's date."
    if errors:
        raise FieldErrors(errors)
    if zone and not actor.tz:
        actor.tz = zone
    upcoming = _ensure_next_session(session, conversation, now=now)
    store.replace_agenda(_sid(upcoming), list(questions), session=session)
    upcoming.agenda_posted_at = now
    if scheduled is not None:
        upcoming.scheduled_at = scheduled
    return _agenda_view(session, conversation, upcoming, max_sessions)


def _mark_held(
    session: Session,
    conversation: Conversation,
    row: MentoringSession,
    actor: Person,
    *,
    now: datetime,
    max_sessions: int,
) -> bool:
    """Mark ``row`` held, record the connection; True when this closes the conversation."""
    if not store.claim_timestamp(MentoringSession, _sid(row), "held_at", session=session, now=now):
        raise StaleAction(
            f"Conversation {row.number} is already logged, so nothing was changed.",
            conversation_id=_cid(conversation),
        )
    row.held_at = now
    row.logged_by_id = actor.id
    if not store.agenda_of(_sid(row), session=session):
        sessions = [
            s for s in store.sessions_of(_cid(conversation), session=session) if s.id != row.id
        ]
        store.replace_agenda(
            _sid(row), _carry_over(session, sessions, conversation), session=session
        )
    record_connection(
        conversation.mentee_id,
        conversation.mentor_id,
        ConnectionSource.SESSION,
        session=session,
        now=now,
    )
    held = len(_held(store.sessions_of(_cid(conversation), session=session)))
    if held >= max_sessions:
        _close(session, conversation, CloseReason.SUNSET, now)
        return True
    return False


def log_session(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    *,
    number: int | None,
    now: datetime,
    max_sessions: int,
) -> SessionLogged:
    """ "We met": the next session is held. ``number`` (from a button) guards double clicks."""
    conversation = _conversation(session, conversation_id)
    actor = _member(session, conversation, actor_slack_id)
    sessions = store.sessions_of(conversation_id, session=session)
    held = _held(sessions)
    if number is not None and any(s.number == number for s in held):
        raise StaleAction(
            f"Conversation {number} is already logged, so nothing was changed.",
            conversation_id=conversation_id,
        )
    _require_active(conversation)
    _, logged = _hold_next_session(session, conversation, actor, now=now, max_sessions=max_sessions)
    return logged


def _hold_next_session(
    session: Session,
    conversation: Conversation,
    actor: Person,
    *,
    now: datetime,
    max_sessions: int,
    followed_up: bool = False,
) -> tuple[MentoringSession, SessionLogged]:
    """Log the next session as held (it is created when nobody has planned it yet)."""
    row = _ensure_next_session(session, conversation, now=now)
    sunset = _mark_held(session, conversation, row, actor, now=now, max_sessions=max_sessions)
    logged = SessionLogged(
        conversation_id=_cid(conversation),
        session_number=row.number,
        held=row.number,
        max_sessions=max_sessions,
        mentee_slack_id=_slack(session, conversation.mentee_id),
        mentor_slack_id=_slack(session, conversation.mentor_id),
        group_channel_id=conversation.group_channel_id,
        sunset=sunset,
        already_followed_up=followed_up,
    )
    return row, logged


def _followup_target(session: Session, conversation: Conversation) -> MentoringSession | None:
    """The session whose follow-ups are due: the last held one without them, else none."""
    sessions = store.sessions_of(_cid(conversation), session=session)
    held = _held(sessions)
    if held and held[-1].followups_posted_at is None:
        return held[-1]
    return None


def _followup_view(
    session: Session, conversation: Conversation, row: MentoringSession
) -> FollowupView:
    return FollowupView(
        conversation_id=_cid(conversation),
        session_id=_sid(row),
        session_number=row.number,
        mentee_slack_id=_slack(session, conversation.mentee_id),
        mentor_slack_id=_slack(session, conversation.mentor_id),
        topic=conversation.topic,
        questions=tuple(
            QuestionOutcome(i.position, i.question, i.outcome)
            for i in store.agenda_of(_sid(row), session=session)
        ),
        actions=tuple(
            ActionView(a.id or 0, a.text, a.owner, a.due_date, a.done_at is not None)
            for a in store.actions_of(_sid(row), session=session)
        ),
        group_channel_id=conversation.group_channel_id,
        followup_channel=row.followup_channel,
        followup_ts=row.followup_ts,
        posted_by_slack_id=(
            _slack(session, row.followups_posted_by_id) if row.followups_posted_by_id else None
        ),
    )


def followup_draft(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    *,
    now: datetime,
    number: int | None = None,
) -> FollowupView:
    """What the follow-up modal shows: the session's questions (an unlogged one is next).

    ``number`` (from the card's button) is the conversation whose follow-ups it was meant
    for: once they are posted, the click is stale."""
    conversation = _conversation(session, conversation_id)
    _member(session, conversation, actor_slack_id)
    row = _followup_target(session, conversation)
    if number is not None and (row is None or row.number != number):
        raise StaleAction(
            f"The follow-ups of conversation {number} are already posted, so nothing was changed.",
            conversation_id=conversation_id,
        )
    if row is None:
        _require_active(conversation)
        sessions = store.sessions_of(conversation_id, session=session)
        upcoming = _next_unheld(sessions)
        if upcoming is None:
            defaults = _carry_over(session, sessions, conversation)
            return FollowupView(
                conversation_id=conversation_id,
                session_id=0,
                session_number=len(sessions) + 1,
                mentee_slack_id=_slack(session, conversation.mentee_id),
                mentor_slack_id=_slack(session, conversation.mentor_id),
                topic=conversation.topic,
                questions=tuple(QuestionOutcome(i, q, None) for i, q in enumerate(defaults, 1)),
                actions=(),
                group_channel_id=conversation.group_channel_id,
                followup_channel=None,
                followup_ts=None,
                posted_by_slack_id=None,
            )
        row = upcoming
    return _followup_view(session, conversation, row)


@dataclass(frozen=True)
class FollowupsPosted:
    view: FollowupView
    logged: SessionLogged | None  # the session was logged as held by posting its follow-ups


def post_followups(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    session_number: int,
    outcomes: Mapping[int, str],
    drafts: Sequence[ActionDraft],
    *,
    now: datetime,
    max_sessions: int,
) -> FollowupsPosted:
    """Store a session's follow-up actions and how well each question was answered.

    Posting the follow-ups of a session nobody logged yet logs it as held.
    """
    conversation = _conversation(session, conversation_id)
    actor = _member(session, conversation, actor_slack_id)
    errors: dict[str, str] = {}
    drafts = [d for d in drafts if d.text.strip()]
    if not drafts:
        errors["actions"] = "Write at least one follow-up action."
    elif len(drafts) > MAX_ACTIONS:
        errors["actions"] = f"At most {MAX_ACTIONS} actions, please."
    if any(o not in tuple(SessionOutcome) for o in outcomes.values()):
        errors["outcomes"] = "Choose answered, partly or not yet."
    if errors:
        raise FieldErrors(errors)
    sessions = store.sessions_of(conversation_id, session=session)
    row = next((s for s in sessions if s.number == session_number), None)
    logged: SessionLogged | None = None
    if row is not None and row.followups_posted_at is not None:
        raise StaleAction(
            f"The follow-ups of session {session_number} are already posted; nothing was changed."
        )
    if row is None or row.held_at is None:
        _require_active(conversation)
        if row is None and session_number != len(sessions) + 1:
            raise StaleAction("That session has moved on; nothing was changed.")
        row, logged = _hold_next_session(
            session, conversation, actor, now=now, max_sessions=max_sessions, followed_up=True
        )
    if not store.claim_timestamp(
        MentoringSession, _sid(row), "followups_posted_at", session=session, now=now
    ):
        raise StaleAction(
            f"The follow-ups of session {row.number} are already posted; nothing was changed."
        )
    row.followups_posted_at = now
    row.followups_posted_by_id = actor.id
    for item in store.agenda_of(_sid(row), session=session):
        if item.position in outcomes:
            item.outcome = outcomes[item.position]
    store.replace_actions(
        _sid(row),
        [
            ActionItem(
                session_id=_sid(row),
                position=position,
                text=draft.text.strip()[:500],
                owner=draft.owner if draft.owner in tuple(ActionOwner) else ActionOwner.MENTEE,
                due_date=draft.due_date,
            )
            for position, draft in enumerate(drafts, 1)
        ],
        session=session,
    )
    return FollowupsPosted(_followup_view(session, conversation, row), logged)


def mark_action_done(
    session: Session, action_id: int, actor_slack_id: str, *, now: datetime
) -> FollowupView:
    """Tick an action item off: its owner does (a mentor ticking the mentee's actions off
    for them would be a danger sign; the other is told whose it is)."""
    item = store.get_action(action_id, session=session)
    if item is None:
        raise StaleAction("That action no longer exists; nothing was changed.")
    row = store.get_session(item.session_id, session=session)
    assert row is not None
    conversation = _conversation(session, row.conversation_id)
    actor = _member(session, conversation, actor_slack_id)
    owner_id = (
        conversation.mentor_id if item.owner == ActionOwner.MENTOR else conversation.mentee_id
    )
    if actor.id != owner_id and item.done_at is None:
        raise NotYours(
            f"That action is {mention(_slack(session, owner_id))}'s to tick off when it's "
            "done; nothing was changed."
        )
    if item.done_at is not None or not store.claim_timestamp(
        ActionItem, action_id, "done_at", session=session, now=now
    ):
        raise StaleAction("That action is already ticked off.")
    item.done_at = now
    item.done_by_id = actor.id
    return _followup_view(session, conversation, row)


# --- choosing a conversation for /mentor agenda and /mentor followup -----------------------


def agenda_choices(session: Session, actor_slack_id: str) -> list[Choice]:
    """The mentee's active conversations."""
    actor = _person(session, actor_slack_id)
    return [
        Choice(_cid(c), _slack(session, c.mentor_id), c.topic)
        for c in store.active_for(_pid(actor), session=session)
        if c.mentee_id == actor.id
    ]


def followup_choices(session: Session, actor_slack_id: str) -> list[Choice]:
    """The mentee's conversations with follow-ups to post (active, or just closed by sunset)."""
    actor = _person(session, actor_slack_id)
    choices = []
    for c in store.involving(
        _pid(actor), [ConversationStatus.ACTIVE, ConversationStatus.CLOSED], session=session
    ):
        if c.mentee_id != actor.id:
            continue
        if c.status == ConversationStatus.ACTIVE or _followup_target(session, c) is not None:
            choices.append(Choice(_cid(c), _slack(session, c.mentor_id), c.topic))
    return choices
