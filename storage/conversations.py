"""Queries for requests and conversations."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, func, select

from storage.models import Conversation, ConversationStatus


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
