"""Queries for requests, conversations, their sessions, agendas, actions and ratings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, union_all, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, or_, select

from storage.models import (
    OPEN_REQUEST_STATUSES,
    ActionItem,
    AgendaItem,
    Conversation,
    ConversationStatus,
    MentoringSession,
    Rating,
    may_move,
)


def active_load(mentor_ids: Iterable[int], *, session: Session) -> dict[int, int]:
    """Active conversations per mentor (what counts against capacity); absent means 0."""
    ids = list(set(mentor_ids))
    if not ids:
        return {}
    statement = (
        select(Conversation.mentor_id, func.count())
        .where(
            col(Conversation.mentor_id).in_(ids),
            Conversation.status == ConversationStatus.ACTIVE,
        )
        .group_by(col(Conversation.mentor_id))
    )
    return {mentor_id: int(count) for mentor_id, count in session.exec(statement).all()}


# --- conversations ----------------------------------------------------------------------


def get(conversation_id: int, *, session: Session) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def get_for_update(conversation_id: int, *, session: Session) -> Conversation | None:
    """The conversation, its row locked until commit where the database can (PostgreSQL):
    two people answering about the same conversation at once then take turns."""
    statement = (
        select(Conversation)
        .where(col(Conversation.id) == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def add(conversation: Conversation, *, session: Session) -> Conversation:
    session.add(conversation)
    session.flush()
    return conversation


def between(
    mentee_id: int, mentor_id: int, statuses: Sequence[str], *, session: Session
) -> list[Conversation]:
    """The pair's conversations (mentee → mentor) in any of ``statuses``, newest first."""
    statement = select(Conversation).where(
        Conversation.mentee_id == mentee_id,
        Conversation.mentor_id == mentor_id,
        col(Conversation.status).in_(list(statuses)),
    )
    return list(session.exec(statement.order_by(col(Conversation.id).desc())).all())


def is_on_call(mentee_id: int, mentor_id: int, *, session: Session) -> bool:
    """Both kept the door open at the end of an earlier conversation."""
    statement = select(Conversation.id).where(
        Conversation.mentee_id == mentee_id,
        Conversation.mentor_id == mentor_id,
        col(Conversation.on_call).is_(True),
    )
    return session.exec(statement).first() is not None


def stale_open_requests(cutoff: datetime, *, session: Session) -> list[Conversation]:
    """Open requests created before ``cutoff``."""
    statement = select(Conversation).where(
        col(Conversation.status).in_(list(OPEN_REQUEST_STATUSES)),
        col(Conversation.created_at) < cutoff,
    )
    return list(session.exec(statement.order_by(col(Conversation.id))).all())


def _due_to_expire(cutoff: datetime) -> Any:
    """Open, asked before ``cutoff``, and not passed on to a colleague since then."""
    return and_(
        col(Conversation.status).in_(list(OPEN_REQUEST_STATUSES)),
        col(Conversation.created_at) < cutoff,
        or_(col(Conversation.passed_at).is_(None), col(Conversation.passed_at) <= cutoff),
    )


def due_request_ids(cutoff: datetime, *, after_id: int, limit: int, session: Session) -> list[int]:
    """Up to ``limit`` IDs above ``after_id`` of requests due to expire, in ID order."""
    statement = (
        select(Conversation.id)
        .where(_due_to_expire(cutoff), col(Conversation.id) > after_id)
        .order_by(col(Conversation.id))
        .limit(limit)
    )
    return [int(i) for i in session.exec(statement).all() if i is not None]


def expire_requests(
    ids: Sequence[int], cutoff: datetime, *, session: Session, now: datetime
) -> list[int]:
    """Expire those of ``ids`` still due, in one statement (compare-and-set); the IDs changed.

    A request answered, passed on or expired by someone else since ``ids`` were read is
    left as it is, so two runs at once expire each request once.
    """
    if not ids:
        return []
    statement = (
        update(Conversation)
        .where(col(Conversation.id).in_(list(ids)), _due_to_expire(cutoff))
        .values(status=ConversationStatus.EXPIRED.value, status_changed_at=now)
        .returning(col(Conversation.id))
        .execution_options(synchronize_session=False)
    )
    return sorted(int(i) for i in session.execute(statement).scalars().all())


def as_mentee(person_id: int, *, session: Session) -> list[Conversation]:
    """Every request and conversation ``person_id`` started, most recently changed first."""
    statement = select(Conversation).where(Conversation.mentee_id == person_id)
    return list(
        session.exec(
            statement.order_by(
                col(Conversation.status_changed_at).desc(), col(Conversation.id).desc()
            )
        ).all()
    )


def as_mentor(person_id: int, statuses: Sequence[str], *, session: Session) -> list[Conversation]:
    statement = select(Conversation).where(
        Conversation.mentor_id == person_id, col(Conversation.status).in_(list(statuses))
    )
    return list(session.exec(statement.order_by(col(Conversation.created_at))).all())


def active_for(person_id: int, *, session: Session) -> list[Conversation]:
    """Active conversations where ``person_id`` is mentee or mentor, oldest first."""
    return involving(person_id, [ConversationStatus.ACTIVE], session=session)


def involving(person_id: int, statuses: Sequence[str], *, session: Session) -> list[Conversation]:
    """Conversations in ``statuses`` where ``person_id`` is mentee or mentor, oldest first."""
    statement = select(Conversation).where(
        col(Conversation.status).in_(list(statuses)), _either_side(person_id)
    )
    return list(session.exec(statement.order_by(col(Conversation.id))).all())


def _either_side(person_id: int) -> Any:
    """``person_id`` is the mentee or the mentor, looked up through each side's index:
    written as ``mentee_id = ? OR mentor_id = ?`` next to a status, SQLite reads every
    conversation in that status in the company instead (a Home got slower as it grew)."""
    mine = union_all(
        sa_select(col(Conversation.id)).where(col(Conversation.mentee_id) == person_id),
        sa_select(col(Conversation.id)).where(col(Conversation.mentor_id) == person_id),
    )
    return col(Conversation.id).in_(mine)


def current_counterparts(person_id: int, *, session: Session) -> set[int]:
    """People ``person_id`` has an open request or an active conversation with (either role)."""
    statuses = [*OPEN_REQUEST_STATUSES, ConversationStatus.ACTIVE]
    return {
        c.mentor_id if c.mentee_id == person_id else c.mentee_id
        for c in involving(person_id, statuses, session=session)
    }


# --- sessions, agendas, actions ---------------------------------------------------------


def sessions_of(conversation_id: int, *, session: Session) -> list[MentoringSession]:
    statement = select(MentoringSession).where(MentoringSession.conversation_id == conversation_id)
    return list(session.exec(statement.order_by(col(MentoringSession.number))).all())


def get_session(session_id: int, *, session: Session) -> MentoringSession | None:
    return session.get(MentoringSession, session_id)


def add_session(
    conversation_id: int, number: int, *, session: Session, now: datetime
) -> MentoringSession:
    row = MentoringSession(conversation_id=conversation_id, number=number, created_at=now)
    session.add(row)
    session.flush()
    return row


def agenda_of(session_id: int, *, session: Session) -> list[AgendaItem]:
    statement = select(AgendaItem).where(AgendaItem.session_id == session_id)
    return list(session.exec(statement.order_by(col(AgendaItem.position))).all())


def replace_agenda(session_id: int, questions: Sequence[str], *, session: Session) -> None:
    """Set a session's agenda to ``questions`` (outcomes of removed questions go too)."""
    for item in agenda_of(session_id, session=session):
        session.delete(item)
    session.flush()
    for position, question in enumerate(questions, 1):
        session.add(AgendaItem(session_id=session_id, position=position, question=question))
    session.flush()


def actions_of(session_id: int, *, session: Session) -> list[ActionItem]:
    statement = select(ActionItem).where(ActionItem.session_id == session_id)
    return list(session.exec(statement.order_by(col(ActionItem.position))).all())


def replace_actions(session_id: int, items: Sequence[ActionItem], *, session: Session) -> None:
    for item in actions_of(session_id, session=session):
        session.delete(item)
    session.flush()
    for item in items:
        item.session_id = session_id
        session.add(item)
    session.flush()


def get_action(action_id: int, *, session: Session) -> ActionItem | None:
    return session.get(ActionItem, action_id)


def open_actions_in(
    conversation_ids: Sequence[int], *, session: Session
) -> list[tuple[ActionItem, int]]:
    """Action items not done yet in those conversations, each with its conversation's ID,
    by due date then position."""
    if not conversation_ids:
        return []
    statement = (
        select(ActionItem, MentoringSession.conversation_id)
        .join(MentoringSession, col(MentoringSession.id) == col(ActionItem.session_id))
        .where(
            col(MentoringSession.conversation_id).in_(list(conversation_ids)),
            col(ActionItem.done_at).is_(None),
        )
        .order_by(col(ActionItem.due_date), col(ActionItem.id))
    )
    return [(item, int(conversation_id)) for item, conversation_id in session.exec(statement)]


# --- ratings ----------------------------------------------------------------------------


def ratings_of(conversation_id: int, *, session: Session) -> list[Rating]:
    statement = select(Rating).where(Rating.conversation_id == conversation_id)
    return list(session.exec(statement).all())


def rated_by(person_id: int, conversation_ids: Sequence[int], *, session: Session) -> set[int]:
    """Which of ``conversation_ids`` ``person_id`` has already answered the sunset for."""
    if not conversation_ids:
        return set()
    statement = select(Rating.conversation_id).where(
        Rating.person_id == person_id, col(Rating.conversation_id).in_(list(conversation_ids))
    )
    return set(session.exec(statement).all())


def add_rating(rating: Rating, *, session: Session) -> Rating:
    session.add(rating)
    session.flush()
    return rating


def outcome_counts(start: datetime, end: datetime, *, session: Session) -> dict[str, int]:
    """How many agenda questions were marked answered / partly / not yet in [start, end)."""
    statement = (
        select(AgendaItem.outcome, func.count())
        .join(MentoringSession, col(MentoringSession.id) == col(AgendaItem.session_id))
        .where(
            col(AgendaItem.outcome).is_not(None),
            col(MentoringSession.followups_posted_at) >= start,
            col(MentoringSession.followups_posted_at) < end,
        )
        .group_by(col(AgendaItem.outcome))
    )
    return {str(outcome): int(count) for outcome, count in session.exec(statement).all()}


def compare_and_set_status(
    conversation_id: int,
    *,
    expected_status: str,
    expected_mentor_id: int,
    status: str,
    session: Session,
    now: datetime,
) -> bool:
    """Change the status only if it (and the mentor) are still what the caller read.

    The one way a conversation's status changes: a move ``TRANSITIONS`` does not list is
    refused like a lost race (False, nothing written).
    """
    if not may_move(expected_status, status):
        return False
    statement = (
        update(Conversation)
        .where(
            col(Conversation.id) == conversation_id,
            col(Conversation.status) == expected_status,
            col(Conversation.mentor_id) == expected_mentor_id,
        )
        .values(status=status, status_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def claim_timestamp(
    table: type[MentoringSession] | type[ActionItem],
    row_id: int,
    column: str,
    *,
    session: Session,
    now: datetime,
) -> bool:
    """Set ``column`` to ``now`` only if it is still empty (held, followed up, done)."""
    target = getattr(table, column)
    statement = (
        update(table)
        .where(col(table.id) == row_id, col(target).is_(None))
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
