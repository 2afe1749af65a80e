"""The end of a conversation: wrapping up, the closed summary, ratings and on call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.conversations.common import (
    FieldErrors,
    StaleAction,
    _cid,
    _close,
    _conversation,
    _held,
    _member,
    _person,
    _pid,
    _require_active,
    _slack,
    _stale,
)
from storage import conversations as store
from storage.models import (
    CloseReason,
    Conversation,
    ConversationStatus,
    Person,
    Rating,
)

# --- what handlers render ------------------------------------------------------------------


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
    held: int = 0  # conversations held before it ended

    @property
    def by_design(self) -> bool:
        """It ended after the last conversation allowed (the sunset), not wrapped up."""
        return self.reason == CloseReason.SUNSET


@dataclass(frozen=True)
class RatingSaved:
    conversation_id: int
    mentee_slack_id: str
    mentor_slack_id: str
    both_answered: bool
    on_call: bool


def wrap_up(
    session: Session, conversation_id: int, actor_slack_id: str, note: str, *, now: datetime
) -> Closed:
    """Either of the pair ends it before the last conversation: one or two are often enough."""
    conversation = _conversation(session, conversation_id)
    actor = _member(session, conversation, actor_slack_id)
    _require_active(conversation)
    _close(session, conversation, CloseReason.WRAPPED_UP, now)
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
        held=len(_held(store.sessions_of(_cid(conversation), session=session))),
    )


def closed_summary(session: Session, conversation_id: int) -> Closed:
    return _closed(session, _conversation(session, conversation_id), "")


def _other(session: Session, conversation: Conversation, actor: Person) -> str:
    other = conversation.mentor_id if actor.id == conversation.mentee_id else conversation.mentee_id
    return _slack(session, other)


def check_can_wrap_up(session: Session, conversation_id: int, actor_slack_id: str) -> str:
    """Before the wrap-up modal; returns the other person's Slack ID."""
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
