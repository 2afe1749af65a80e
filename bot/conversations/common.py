"""What every stage of a conversation shares: its errors, snapshots and helpers.

The stages (``requests``, ``sessions``, ``sunset``) and the read model (``overview``)
build on this module; it imports none of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.errors import MentorbotError, NotInDirectory
from storage import conversations as store
from storage import people
from storage.models import (
    CloseReason,
    Conversation,
    ConversationStatus,
    MentoringSession,
    Person,
    may_move,
)

QUESTION_MIN_CHARS, QUESTION_MAX_CHARS = 10, 500
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


class StaleAction(MentorbotError):
    """The button or command refers to something that has moved on; nothing changed.

    ``conversation_id`` names the conversation when it is known, so that the person who
    clicked (if they are one of the pair) can be told what to do now instead.
    """

    def __init__(self, message: str, *, conversation_id: int | None = None) -> None:
        super().__init__(message)
        self.conversation_id = conversation_id


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


def snapshot(
    session: Session,
    conversation: Conversation,
    slack: Callable[[int | None], str] | None = None,
) -> RequestSnapshot:
    """The request as its card shows it; ``slack`` resolves people already loaded."""

    def who(person_id: int | None) -> str:
        return slack(person_id) if slack is not None else _slack(session, person_id)

    return RequestSnapshot(
        conversation_id=_cid(conversation),
        status=conversation.status,
        mentee_slack_id=who(conversation.mentee_id),
        mentor_slack_id=who(conversation.mentor_id),
        topic=conversation.topic,
        questions=tuple(conversation.questions or ()),
        context=conversation.context,
        format=conversation.format,
        passed_from_slack_id=(
            who(conversation.passed_from_id) if conversation.passed_from_id else None
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
    ConversationStatus.WITHDRAWN: "was withdrawn",
}


def _stale(conversation: Conversation, what: str = "This request") -> StaleAction:
    words = STATUS_WORDS.get(ConversationStatus(conversation.status), "has moved on")
    return StaleAction(f"{what} {words}, so nothing was changed.", conversation_id=conversation.id)


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


def _close(
    session: Session, conversation: Conversation, reason: CloseReason, now: datetime
) -> None:
    _set_status(session, conversation, ConversationStatus.CLOSED, now)
    conversation.closed_at = now
    conversation.close_reason = reason


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
