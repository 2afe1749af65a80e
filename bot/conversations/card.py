"""The pair's status card: where an accepted conversation stands, and its one next step.

The card is the first message of the pair's group DM; every use case that moves the
conversation on re-renders it from ``card_state`` and updates it in place. The stage
(``Stage``) decides its primary button: set a time / post the agenda → "We met" → post
the follow-ups → the next conversation or wrap up; then it has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from bot.conversations.common import (
    _by_id,
    _cid,
    _conversation,
    _held,
    _next_unheld,
    _sid,
    _slack,
)
from bot.conversations.sessions import _carry_over
from storage import conversations as store
from storage.models import CloseReason, ConversationStatus, MentoringSession


class Stage(StrEnum):
    """Where a conversation is, as its card shows it (each has its own primary button)."""

    PLAN = "plan"  # before the first conversation: set a time, check the agenda
    MEET = "meet"  # a time is set: "We met" once it has happened
    FOLLOW_UP = "follow_up"  # a conversation was held: its follow-ups are due
    NEXT = "next"  # follow-ups posted: plan the next conversation, or wrap up
    ENDED = "ended"  # closed: by design after the last one, or wrapped up


@dataclass(frozen=True)
class CardState:
    """What the pair's card shows. ``number`` is the conversation the next step is about
    (the one to plan, to meet for, or whose follow-ups are due)."""

    conversation_id: int
    mentee_slack_id: str
    mentor_slack_id: str
    topic: str
    stage: Stage
    number: int
    held: int
    max_sessions: int
    active: bool
    agenda: tuple[str, ...] = ()
    scheduled_at: datetime | None = None
    tz: str | None = None
    wrapped_up_by_slack_id: str | None = None  # None: still active, or ended by design


def _agenda(session: Session, row: MentoringSession) -> tuple[str, ...]:
    return tuple(item.question for item in store.agenda_of(_sid(row), session=session))


def card_state(session: Session, conversation_id: int, *, max_sessions: int) -> CardState | None:
    """The card of an accepted conversation (active or ended); None for a request that never
    became one (declined, expired, withdrawn, still waiting)."""
    conversation = _conversation(session, conversation_id)
    status = ConversationStatus(conversation.status)
    if status not in (ConversationStatus.ACTIVE, ConversationStatus.CLOSED):
        return None
    active = status == ConversationStatus.ACTIVE
    sessions = store.sessions_of(conversation_id, session=session)
    held = _held(sessions)
    mentee = _by_id(session, conversation.mentee_id)
    wrapped_up_by = None
    if conversation.close_reason in (CloseReason.EARLY, CloseReason.WRAPPED_UP):
        wrapped_up_by = _slack(session, conversation.closed_by_id)

    def card(
        stage: Stage,
        number: int,
        agenda: tuple[str, ...] = (),
        scheduled_at: datetime | None = None,
    ) -> CardState:
        return CardState(
            conversation_id=_cid(conversation),
            mentee_slack_id=_slack(session, conversation.mentee_id),
            mentor_slack_id=_slack(session, conversation.mentor_id),
            topic=conversation.topic,
            stage=stage,
            number=number,
            held=len(held),
            max_sessions=max_sessions,
            active=active,
            agenda=agenda,
            scheduled_at=scheduled_at,
            tz=mentee.tz if mentee else None,
            wrapped_up_by_slack_id=wrapped_up_by,
        )

    last = held[-1] if held else None
    if last is not None and last.followups_posted_at is None:
        return card(Stage.FOLLOW_UP, last.number, _agenda(session, last))
    if not active:
        return card(Stage.ENDED, len(held))
    upcoming = _next_unheld(sessions)
    if upcoming is None:
        carried = tuple(_carry_over(session, sessions, conversation))
        return card(Stage.NEXT if held else Stage.PLAN, len(sessions) + 1, carried)
    agenda = _agenda(session, upcoming)
    if upcoming.agenda_posted_at is not None and upcoming.scheduled_at is not None:
        return card(Stage.MEET, upcoming.number, agenda, upcoming.scheduled_at)
    return card(Stage.NEXT if held else Stage.PLAN, upcoming.number, agenda)


def next_number(session: Session, conversation_id: int) -> int:
    """The number of the next conversation to hold (planned or not)."""
    sessions = store.sessions_of(conversation_id, session=session)
    upcoming = _next_unheld(sessions)
    return upcoming.number if upcoming is not None else len(sessions) + 1
