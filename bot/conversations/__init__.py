"""Requests and conversations: the state machine, sessions, follow-ups and the sunset.

Every use case takes the session, the acting person's Slack ID and the IDs a button
carried, re-reads the state from the database and either changes it or raises a
``MentorbotError`` explaining why nothing changed (stale button, someone else's
button, bad input). Questions, agendas, follow-ups and comments are private to the
pair: nothing here logs them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import matching
from bot.errors import MentorbotError, NotInDirectory
from storage import conversations as store
from storage import people
from storage.connections import record_connection
from storage.directory import manager_chain, people_by_ids
from storage.models import (
    OPEN_REQUEST_STATUSES,
    ActionItem,
    ActionOwner,
    CloseReason,
    ConnectionSource,
    Conversation,
    ConversationStatus,
    MentoringSession,
    Person,
    Rating,
    SessionOutcome,
    may_move,
)

REQUEST_TTL = timedelta(days=7)
OPEN_OR_ACTIVE = (*OPEN_REQUEST_STATUSES, ConversationStatus.ACTIVE)  # one per pair at a time
MIN_QUESTIONS, MAX_QUESTIONS = 2, 3
QUESTION_MIN_CHARS, QUESTION_MAX_CHARS = 10, 500
MAX_AGENDA_QUESTIONS = 3
MAX_ACTIONS = 10
FORMATS = ("call", "coffee", "async")

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


class StaleAction(MentorbotError):
    """The button or command refers to something that has moved on; nothing changed."""


class NotYours(MentorbotError):
    """Someone pressed a button meant for somebody else; nothing changed."""


class FieldErrors(MentorbotError):
    """Bad input in a modal: ``errors`` maps a field name to what is wrong."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


# --- input ------------------------------------------------------------------------------


def split_questions(text: str) -> list[str]:
    """One question per line; blank lines and list bullets ("1.", "-") are dropped."""
    lines = (_BULLET.sub("", line).strip() for line in (text or "").splitlines())
    return [line for line in lines if line]


def question_problem(questions: Sequence[str], *, least: int, most: int) -> str | None:
    """Why these questions are not acceptable, or None."""
    if len(questions) < least:
        need = "two or three" if least == 2 else f"{least} to {most}"
        return f"Please write {need} questions, one per line (you wrote {len(questions)})."
    if len(questions) > most:
        return f"Please keep to at most {most} questions (you wrote {len(questions)})."
    for number, question in enumerate(questions, 1):
        if len(question) < QUESTION_MIN_CHARS:
            return (
                f"Question {number} is too short: make it specific "
                f"(at least {QUESTION_MIN_CHARS} characters)."
            )
        if len(question) > QUESTION_MAX_CHARS:
            return f"Question {number} is too long (at most {QUESTION_MAX_CHARS} characters)."
    return None


@dataclass(frozen=True)
class RequestForm:
    topic: str
    questions: tuple[str, ...]
    context: str = ""
    format: str = "call"

    def problems(self) -> dict[str, str]:
        """Field name ("topic", "questions", "format") → what is wrong."""
        errors: dict[str, str] = {}
        if len(self.topic.strip()) < 3:
            errors["topic"] = "Say in a few words what you'd like help with."
        problem = question_problem(self.questions, least=MIN_QUESTIONS, most=MAX_QUESTIONS)
        if problem:
            errors["questions"] = problem
        if self.format not in FORMATS:
            errors["format"] = "Choose a format."
        return errors


@dataclass(frozen=True)
class ActionDraft:
    text: str
    owner: str = ActionOwner.MENTEE
    due_date: date | None = None


# --- what handlers render ------------------------------------------------------------------


@dataclass(frozen=True)
class RequestSnapshot:
    """A request as both sides see it (for cards and notices)."""

    conversation_id: int
    status: str
    mentee_slack_id: str
    mentor_slack_id: str
    topic: str
    questions: tuple[str, ...]
    context: str
    format: str
    passed_from_slack_id: str | None
    info_question: str | None
    info_answer: str | None
    mentor_dm_channel: str | None
    mentor_dm_ts: str | None
    group_channel_id: str | None


@dataclass(frozen=True)
class Suggested:
    slack_id: str
    why: str


@dataclass(frozen=True)
class Answered:
    """A request that was declined or expired, with the next best mentors for the mentee."""

    request: RequestSnapshot
    suggestions: tuple[Suggested, ...]


@dataclass(frozen=True)
class Passed:
    request: RequestSnapshot  # now addressed to the new mentor
    old_mentor_slack_id: str


@dataclass(frozen=True)
class AgendaView:
    conversation_id: int
    mentee_slack_id: str
    mentor_slack_id: str
    topic: str
    session_number: int
    max_sessions: int
    questions: tuple[str, ...]
    scheduled_at: datetime | None
    group_channel_id: str | None
    tz: str | None = None


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
class Closed:
    conversation_id: int
    mentee_slack_id: str
    mentor_slack_id: str
    closed_by_slack_id: str | None
    reason: str
    note: str
    group_channel_id: str | None
    topic: str


@dataclass(frozen=True)
class RatingSaved:
    conversation_id: int
    mentee_slack_id: str
    mentor_slack_id: str
    both_answered: bool
    on_call: bool


@dataclass(frozen=True)
class Choice:
    conversation_id: int
    label_slack_id: str  # the other person
    topic: str


# --- helpers --------------------------------------------------------------------------------


def _person(session: Session, slack_id: str) -> Person:
    person = people.get_by_slack_id(slack_id, session=session)
    if person is None:
        raise NotInDirectory(slack_id)
    return person


def _by_id(session: Session, person_id: int | None) -> Person | None:
    return session.get(Person, person_id) if person_id is not None else None


def _slack(session: Session, person_id: int | None) -> str:
    person = _by_id(session, person_id)
    return person.slack_id if person else "USLACKBOT"


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = store.get(conversation_id, session=session)
    if conversation is None:
        raise StaleAction("That conversation no longer exists; nothing was changed.")
    return conversation


def _cid(conversation: Conversation) -> int:
    assert conversation.id is not None
    return conversation.id


def _pid(person: Person) -> int:
    assert person.id is not None
    return person.id


def _sid(row: MentoringSession) -> int:
    assert row.id is not None
    return row.id


def snapshot(session: Session, conversation: Conversation) -> RequestSnapshot:
    return RequestSnapshot(
        conversation_id=_cid(conversation),
        status=conversation.status,
        mentee_slack_id=_slack(session, conversation.mentee_id),
        mentor_slack_id=_slack(session, conversation.mentor_id),
        topic=conversation.topic,
        questions=tuple(conversation.questions or ()),
        context=conversation.context,
        format=conversation.format,
        passed_from_slack_id=(
            _slack(session, conversation.passed_from_id) if conversation.passed_from_id else None
        ),
        info_question=conversation.info_question,
        info_answer=conversation.info_answer,
        mentor_dm_channel=conversation.mentor_dm_channel,
        mentor_dm_ts=conversation.mentor_dm_ts,
        group_channel_id=conversation.group_channel_id,
    )


STATUS_WORDS = {
    ConversationStatus.REQUESTED: "is waiting for an answer",
    ConversationStatus.INFO_REQUESTED: "is waiting for the mentee's answer",
    ConversationStatus.ACTIVE: "was already accepted",
    ConversationStatus.DECLINED: "was already declined",
    ConversationStatus.EXPIRED: "has expired",
    ConversationStatus.CLOSED: "is closed",
}


def _stale(conversation: Conversation, what: str = "This request") -> StaleAction:
    words = STATUS_WORDS.get(ConversationStatus(conversation.status), "has moved on")
    return StaleAction(f"{what} {words}, so nothing was changed.")


def _open_request_for_mentor(
    session: Session, conversation_id: int, actor_slack_id: str, *, statuses: Sequence[str]
) -> tuple[Conversation, Person]:
    """The open request ``actor`` may answer as its mentor, or why not."""
    conversation = _conversation(session, conversation_id)
    actor = _person(session, actor_slack_id)
    if conversation.mentor_id != actor.id:
        if conversation.passed_from_id == actor.id:
            raise StaleAction(
                "You passed this request on to "
                f"<@{_slack(session, conversation.mentor_id)}>, so nothing was changed."
            )
        raise NotYours("This request was sent to someone else, so only they can answer it.")
    if conversation.status not in statuses:
        raise _stale(conversation)
    return conversation, actor


def _set_status(
    session: Session, conversation: Conversation, status: ConversationStatus, now: datetime
) -> None:
    """Move to ``status`` only if nobody else moved the conversation since it was read.

    Two clicks handled at the same time (a double click, both mentors of a passed
    request) both pass the checks; the database lets exactly one of them through. A move
    the state machine (``TRANSITIONS``) does not allow is refused before it is tried.
    """
    if not may_move(conversation.status, status):
        raise _stale(conversation)
    if not store.compare_and_set_status(
        _cid(conversation),
        expected_status=conversation.status,
        expected_mentor_id=conversation.mentor_id,
        status=status,
        session=session,
        now=now,
    ):
        raise StaleAction("Someone else just answered this, so nothing was changed.")
    conversation.status = status
    conversation.status_changed_at = now


# --- eligibility and suggestions (the matching module owns the rules) --------------------


def next_best_mentors(
    session: Session,
    mentee: Person,
    topic: str,
    *,
    now: datetime,
    max_level_gap: int,
    exclude_ids: Sequence[int] = (),
    limit: int = 3,
) -> tuple[Suggested, ...]:
    """Other mentors the mentee could ask about ``topic``, best first."""
    found = matching.suggest_mentors(
        session,
        mentee,
        topic or None,
        now=now,
        max_level_gap=max_level_gap,
        limit=limit,
        exclude_ids=set(exclude_ids),
    )
    return tuple(
        Suggested(s.mentor.slack_id, "; ".join(s.reasons) or "available to mentor") for s in found
    )


# --- requests -----------------------------------------------------------------------------


def check_can_request(
    session: Session,
    mentee_slack_id: str,
    mentor_slack_id: str,
    *,
    now: datetime,
    max_level_gap: int,
) -> None:
    """Raise when ``mentee`` can't request ``mentor`` now (open request, active, ineligible).

    Eligibility is matching's ``check_mentor``, the same decision `/mentor ask` makes.
    """
    mentee = _person(session, mentee_slack_id)
    mentor = people.get_by_slack_id(mentor_slack_id, session=session)
    if mentor is None:
        raise MentorbotError(
            "The person you asked is not in the mentoring directory, so they can't be asked."
        )
    existing = store.between(_pid(mentee), _pid(mentor), OPEN_OR_ACTIVE, session=session)
    if existing:
        if existing[0].status == ConversationStatus.ACTIVE:
            raise MentorbotError(
                f"You already have an active conversation with <@{mentor_slack_id}>."
            )
        raise MentorbotError(
            f"You already asked <@{mentor_slack_id}>; the request is waiting for an answer."
        )
    eligibility = matching.check_mentor(
        session, mentee, mentor, now=now, max_level_gap=max_level_gap
    )
    if not eligibility.allowed:
        raise MentorbotError(" ".join(b[0].upper() + b[1:] + "." for b in eligibility.blockers))


def create_request(
    session: Session,
    mentee_slack_id: str,
    mentor_slack_id: str,
    form: RequestForm,
    *,
    now: datetime,
    max_level_gap: int,
) -> RequestSnapshot:
    """Validate the form, re-check the mentor, and store the request (status: requested)."""
    errors = form.problems()
    if errors:
        raise FieldErrors(errors)
    check_can_request(
        session, mentee_slack_id, mentor_slack_id, now=now, max_level_gap=max_level_gap
    )
    mentee = _person(session, mentee_slack_id)
    mentor = _person(session, mentor_slack_id)
    try:
        conversation = store.add(
            Conversation(
                mentee_id=_pid(mentee),
                mentor_id=_pid(mentor),
                status=ConversationStatus.REQUESTED,
                topic=form.topic.strip()[:200],
                questions=list(form.questions),
                context=form.context.strip(),
                format=form.format,
                created_at=now,
                status_changed_at=now,
            ),
            session=session,
        )
    except IntegrityError:
        # The same request sent twice at once (a double click): the database kept one.
        session.rollback()
        raise MentorbotError(
            f"You already asked <@{mentor_slack_id}>; the request is waiting for an answer."
        ) from None
    return snapshot(session, conversation)


def request_snapshot(session: Session, conversation_id: int) -> RequestSnapshot:
    return snapshot(session, _conversation(session, conversation_id))


def is_active(session: Session, conversation_id: int) -> bool:
    conversation = store.get(conversation_id, session=session)
    return conversation is not None and conversation.status == ConversationStatus.ACTIVE


def remember_mentor_dm(session: Session, conversation_id: int, *, channel: str, ts: str) -> None:
    """Where the mentor's card is, so it can be updated when the request is answered."""
    conversation = _conversation(session, conversation_id)
    conversation.mentor_dm_channel = channel
    conversation.mentor_dm_ts = ts


def remember_group_channel(session: Session, conversation_id: int, channel: str) -> None:
    _conversation(session, conversation_id).group_channel_id = channel


def check_mentor_can_answer(
    session: Session, conversation_id: int, actor_slack_id: str, *, info: bool = False
) -> RequestSnapshot:
    """Before opening a modal for the mentor: raise when the click is stale or foreign."""
    conversation, _ = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=OPEN_REQUEST_STATUSES
    )
    if info and conversation.status == ConversationStatus.INFO_REQUESTED:
        raise StaleAction("You already asked for more information; the mentee is answering.")
    return snapshot(session, conversation)


def accept_request(
    session: Session, conversation_id: int, actor_slack_id: str, *, now: datetime, max_sessions: int
) -> AgendaView:
    """The mentor accepts: the conversation becomes active with session 1 on its agenda."""
    conversation, _ = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=OPEN_REQUEST_STATUSES
    )
    _set_status(session, conversation, ConversationStatus.ACTIVE, now)
    conversation.responded_at = conversation.accepted_at = now
    first = store.add_session(_cid(conversation), 1, session=session, now=now)
    store.replace_agenda(_sid(first), list(conversation.questions), session=session)
    first.agenda_posted_at = now
    return _agenda_view(session, conversation, first, max_sessions)


def ask_for_info(
    session: Session, conversation_id: int, actor_slack_id: str, question: str, *, now: datetime
) -> RequestSnapshot:
    question = question.strip()
    if len(question) < 5:
        raise FieldErrors({"info_question": "Write the question you'd like answered."})
    conversation, _ = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=(ConversationStatus.REQUESTED,)
    )
    _set_status(session, conversation, ConversationStatus.INFO_REQUESTED, now)
    conversation.info_question = question[:1000]
    conversation.info_answer = None
    return snapshot(session, conversation)


def check_mentee_can_answer_info(
    session: Session, conversation_id: int, actor_slack_id: str
) -> RequestSnapshot:
    conversation = _conversation(session, conversation_id)
    actor = _person(session, actor_slack_id)
    if conversation.mentee_id != actor.id:
        raise NotYours("Only the person who sent this request can answer the mentor's question.")
    if conversation.status != ConversationStatus.INFO_REQUESTED:
        if conversation.status == ConversationStatus.REQUESTED and conversation.info_answer:
            raise StaleAction("You already answered; the mentor has your answer.")
        raise _stale(conversation, "Your request")
    return snapshot(session, conversation)


def answer_info(
    session: Session, conversation_id: int, actor_slack_id: str, answer: str, *, now: datetime
) -> RequestSnapshot:
    """The mentee's answer is added to the request, which goes back to the mentor."""
    answer = answer.strip()
    if not answer:
        raise FieldErrors({"info_answer": "Write your answer."})
    check_mentee_can_answer_info(session, conversation_id, actor_slack_id)
    conversation = _conversation(session, conversation_id)
    _set_status(session, conversation, ConversationStatus.REQUESTED, now)
    conversation.info_answer = answer[:2000]
    return snapshot(session, conversation)


def pass_request(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    to_slack_id: str,
    *,
    now: datetime,
) -> Passed:
    """Hand the request, questions included, to a colleague the mentor names."""
    conversation, actor = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=OPEN_REQUEST_STATUSES
    )
    target = people.get_by_slack_id(to_slack_id, session=session)
    if target is None or not target.is_active:
        raise FieldErrors(
            {"pass_to": "That colleague isn't in the mentoring directory yet; pick someone else."}
        )
    if target.id == actor.id:
        raise FieldErrors({"pass_to": "Pick a colleague other than yourself."})
    if target.id == conversation.mentee_id:
        raise FieldErrors({"pass_to": "That's the person asking; pick a colleague."})
    # The questions are private to the mentee, who looked for help outside their own
    # reporting line: never forward them to their managers or their reports.
    mentee_slack_id = _slack(session, conversation.mentee_id)
    if target.slack_id in manager_chain(mentee_slack_id, session=session):
        raise FieldErrors(
            {"pass_to": "That colleague is in their management chain; pick someone else."}
        )
    if mentee_slack_id in manager_chain(target.slack_id, session=session):
        raise FieldErrors({"pass_to": "That colleague reports to them; pick someone else."})
    if store.between(conversation.mentee_id, _pid(target), OPEN_OR_ACTIVE, session=session):
        raise FieldErrors({"pass_to": "That colleague already has a request from them."})
    _set_status(session, conversation, ConversationStatus.REQUESTED, now)
    conversation.passed_from_id = actor.id
    conversation.mentor_id = _pid(target)
    conversation.passed_at = now
    conversation.mentor_dm_channel = conversation.mentor_dm_ts = None
    return Passed(snapshot(session, conversation), actor.slack_id)


def decline_request(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    reason: str | None,
    *,
    now: datetime,
    max_level_gap: int,
) -> Answered:
    conversation, _ = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=OPEN_REQUEST_STATUSES
    )
    _set_status(session, conversation, ConversationStatus.DECLINED, now)
    conversation.responded_at = now
    conversation.decline_reason = (reason or "").strip()[:500] or None
    return _answered(session, conversation, now=now, max_level_gap=max_level_gap)


def _answered(
    session: Session, conversation: Conversation, *, now: datetime, max_level_gap: int
) -> Answered:
    """A request its mentor didn't take, with other mentors the mentee could ask instead."""
    mentee = _by_id(session, conversation.mentee_id)
    assert mentee is not None
    suggestions = next_best_mentors(
        session,
        mentee,
        conversation.topic,
        now=now,
        max_level_gap=max_level_gap,
        exclude_ids=[conversation.mentor_id],
    )
    return Answered(snapshot(session, conversation), suggestions)


def expire_stale_requests(
    session: Session, *, now: datetime, max_level_gap: int = 2, limit: int = 200
) -> list[Answered]:
    """Up to ``limit`` requests unanswered for 7 days expire in the caller's transaction,
    in one compare-and-set statement; each comes with other mentors to ask.

    The seven days run from the request (or from its passing on to a colleague). The
    scheduled job (``bot.batch_jobs``) applies the same rule in short batches.
    """
    cutoff = now - REQUEST_TTL
    due = store.due_request_ids(cutoff, after_id=0, limit=limit, session=session)
    expired = []
    for cid in store.expire_requests(due, cutoff, session=session, now=now):
        conversation = _conversation(session, cid)
        session.refresh(conversation)  # the update went around the session
        expired.append(_answered(session, conversation, now=now, max_level_gap=max_level_gap))
    return expired


# --- sessions -----------------------------------------------------------------------------


def _member(session: Session, conversation: Conversation, actor_slack_id: str) -> Person:
    actor = _person(session, actor_slack_id)
    if actor.id not in (conversation.mentee_id, conversation.mentor_id):
        raise NotYours("This conversation belongs to two other people, so nothing was changed.")
    return actor


def _require_active(conversation: Conversation) -> None:
    if conversation.status != ConversationStatus.ACTIVE:
        raise _stale(conversation, "This conversation")


def _held(sessions: Sequence[MentoringSession]) -> list[MentoringSession]:
    return [s for s in sessions if s.held_at is not None]


def _next_unheld(sessions: Sequence[MentoringSession]) -> MentoringSession | None:
    return next((s for s in sessions if s.held_at is None), None)


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
            f"Session {len(sessions) + 1} was just updated by another click, "
            "so nothing was changed."
        ) from None
    store.replace_agenda(_sid(upcoming), defaults, session=session)
    return upcoming


def _agenda_view(
    session: Session, conversation: Conversation, row: MentoringSession, max_sessions: int
) -> AgendaView:
    questions = [i.question for i in store.agenda_of(_sid(row), session=session)]
    return _agenda(session, conversation, row.number, questions, row.scheduled_at, max_sessions)


def _agenda(
    session: Session,
    conversation: Conversation,
    number: int,
    questions: Sequence[str],
    scheduled_at: datetime | None,
    max_sessions: int,
) -> AgendaView:
    """The agenda of session ``number``, as both of the pair see it."""
    mentee = _by_id(session, conversation.mentee_id)
    return AgendaView(
        conversation_id=_cid(conversation),
        mentee_slack_id=_slack(session, conversation.mentee_id),
        mentor_slack_id=_slack(session, conversation.mentor_id),
        topic=conversation.topic,
        session_number=number,
        max_sessions=max_sessions,
        questions=tuple(questions),
        scheduled_at=scheduled_at,
        group_channel_id=conversation.group_channel_id,
        tz=mentee.tz if mentee else None,
    )


def agenda_draft(
    session: Session, conversation_id: int, actor_slack_id: str, *, max_sessions: int
) -> AgendaView:
    """What the agenda modal starts from: the next session's agenda or the carried-over one."""
    conversation = _conversation(session, conversation_id)
    _require_mentee(session, conversation, actor_slack_id, "post the agenda")
    _require_active(conversation)
    sessions = store.sessions_of(conversation_id, session=session)
    upcoming = _next_unheld(sessions)
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
) -> AgendaView:
    """Set (or edit) the next session's agenda, and its date when given."""
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
        scheduled = local_to_utc(on, at or time(9, 0), actor.tz)
        if scheduled < now - timedelta(days=1):
            errors["date"] = "That day has passed; pick the next session's date."
    if errors:
        raise FieldErrors(errors)
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
        raise StaleAction(f"Session {row.number} is already logged, so nothing was changed.")
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


def _close(
    session: Session, conversation: Conversation, reason: CloseReason, now: datetime
) -> None:
    _set_status(session, conversation, ConversationStatus.CLOSED, now)
    conversation.closed_at = now
    conversation.close_reason = reason


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
        raise StaleAction(f"Session {number} is already logged, so nothing was changed.")
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
    session: Session, conversation_id: int, actor_slack_id: str, *, now: datetime
) -> FollowupView:
    """What the follow-up modal shows: the session's questions (an unlogged one is next)."""
    conversation = _conversation(session, conversation_id)
    _member(session, conversation, actor_slack_id)
    row = _followup_target(session, conversation)
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


def remember_followup_message(session: Session, session_id: int, *, channel: str, ts: str) -> None:
    row = store.get_session(session_id, session=session)
    if row is not None:
        row.followup_channel, row.followup_ts = channel, ts


def mark_action_done(
    session: Session, action_id: int, actor_slack_id: str, *, now: datetime
) -> FollowupView:
    """Tick an action item off (either of the pair may)."""
    item = store.get_action(action_id, session=session)
    if item is None:
        raise StaleAction("That action no longer exists; nothing was changed.")
    row = store.get_session(item.session_id, session=session)
    assert row is not None
    conversation = _conversation(session, row.conversation_id)
    actor = _member(session, conversation, actor_slack_id)
    if item.done_at is not None or not store.claim_timestamp(
        ActionItem, action_id, "done_at", session=session, now=now
    ):
        raise StaleAction("That action is already ticked off.")
    item.done_at = now
    item.done_by_id = actor.id
    return _followup_view(session, conversation, row)


def close_early(
    session: Session, conversation_id: int, actor_slack_id: str, note: str, *, now: datetime
) -> Closed:
    conversation = _conversation(session, conversation_id)
    actor = _member(session, conversation, actor_slack_id)
    _require_active(conversation)
    _close(session, conversation, CloseReason.EARLY, now)
    conversation.closed_by_id = actor.id
    return _closed(session, conversation, note.strip()[:500])


def _closed(session: Session, conversation: Conversation, note: str) -> Closed:
    return Closed(
        conversation_id=_cid(conversation),
        mentee_slack_id=_slack(session, conversation.mentee_id),
        mentor_slack_id=_slack(session, conversation.mentor_id),
        closed_by_slack_id=(
            _slack(session, conversation.closed_by_id) if conversation.closed_by_id else None
        ),
        reason=conversation.close_reason or CloseReason.SUNSET,
        note=note,
        group_channel_id=conversation.group_channel_id,
        topic=conversation.topic,
    )


def closed_summary(session: Session, conversation_id: int) -> Closed:
    return _closed(session, _conversation(session, conversation_id), "")


def _other(session: Session, conversation: Conversation, actor: Person) -> str:
    other = conversation.mentor_id if actor.id == conversation.mentee_id else conversation.mentee_id
    return _slack(session, other)


def check_can_close(session: Session, conversation_id: int, actor_slack_id: str) -> str:
    """Before the close-early modal; returns the other person's Slack ID."""
    conversation = _conversation(session, conversation_id)
    actor = _member(session, conversation, actor_slack_id)
    _require_active(conversation)
    return _other(session, conversation, actor)


def check_can_rate(session: Session, conversation_id: int, actor_slack_id: str) -> str:
    """Before the end-of-relationship modal; returns the other person's Slack ID."""
    conversation = _conversation(session, conversation_id)
    actor = _member(session, conversation, actor_slack_id)
    if conversation.status != ConversationStatus.CLOSED:
        raise _stale(conversation, "This conversation")
    if any(r.person_id == actor.id for r in store.ratings_of(conversation_id, session=session)):
        raise StaleAction("You already answered; thank you.")
    return _other(session, conversation, actor)


def record_rating(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    *,
    keep_open: bool,
    usefulness: int,
    comment: str,
    now: datetime,
) -> RatingSaved:
    """One side's private answer; when both keep the door open the pair is on call."""
    if not 1 <= usefulness <= 5:
        raise FieldErrors({"usefulness": "Choose 1 to 5."})
    # Both of the pair answering at once take turns, so the second sees the first's answer
    # (else neither would see both and the pair would never be on call).
    if store.get_for_update(conversation_id, session=session) is None:
        raise StaleAction("That conversation no longer exists; nothing was changed.")
    check_can_rate(session, conversation_id, actor_slack_id)
    conversation = _conversation(session, conversation_id)
    actor = _person(session, actor_slack_id)
    try:
        store.add_rating(
            Rating(
                conversation_id=conversation_id,
                person_id=_pid(actor),
                keep_open=keep_open,
                usefulness=usefulness,
                comment=comment.strip()[:1000],
                answered_at=now,
            ),
            session=session,
        )
    except IntegrityError:  # the same answer submitted twice at once: one is kept
        session.rollback()
        raise StaleAction("You already answered; thank you.") from None
    ratings = store.ratings_of(conversation_id, session=session)
    both = {r.person_id for r in ratings} >= {conversation.mentee_id, conversation.mentor_id}
    if both and all(r.keep_open for r in ratings):
        conversation.on_call = True
    return RatingSaved(
        conversation_id=conversation_id,
        mentee_slack_id=_slack(session, conversation.mentee_id),
        mentor_slack_id=_slack(session, conversation.mentor_id),
        both_answered=both,
        on_call=conversation.on_call,
    )


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


# --- the App Home and /mentor progress ------------------------------------------------------


REQUEST_STATES = {
    "sent": "sent",
    "info_requested": "asked for more info",
    "passed_on": "passed on",
    "accepted": "accepted",
    "declined": "declined",
    "expired": "expired",
    "closed": "closed",
}


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
    """A request waiting for me as mentor."""

    conversation_id: int
    mentee_slack_id: str
    topic: str
    status: str
    since: datetime


@dataclass(frozen=True)
class ConversationsHome:
    requests: tuple[RequestLine, ...] = ()
    active: tuple[ActiveLine, ...] = ()
    actions: tuple[OpenAction, ...] = ()
    waiting: tuple[WaitingRequest, ...] = ()


def _request_state(c: Conversation) -> str:
    if c.status == ConversationStatus.REQUESTED:
        return "passed_on" if c.passed_from_id else "sent"
    return {
        ConversationStatus.INFO_REQUESTED: "info_requested",
        ConversationStatus.ACTIVE: "accepted",
        ConversationStatus.DECLINED: "declined",
        ConversationStatus.EXPIRED: "expired",
        ConversationStatus.CLOSED: "closed",
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
        WaitingRequest(_cid(c), slack(c.mentee_id), c.topic, c.status, c.status_changed_at)
        for c in waiting_rows
    )
    return ConversationsHome(requests, tuple(active), tuple(actions), waiting)


# --- for the coordinators' digest (counts only, never content) --------------------------------


def question_outcomes(session: Session, *, start: datetime, end: datetime) -> dict[str, int]:
    """Agenda questions marked answered / partly / not yet in follow-ups posted in [start, end)."""
    counts = store.outcome_counts(start, end, session=session)
    return {outcome.value: counts.get(outcome.value, 0) for outcome in SessionOutcome}
