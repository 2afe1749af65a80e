"""What the stages share: where a pair is talked to, and the mentor's request card."""

from __future__ import annotations

from sqlmodel import Session

from bot.blocks.requests import build_request_card, build_request_card_answered
from bot.conversations import RequestSnapshot
from bot.effects import DirectMessage, Effect, UpdateMessage, dm, update
from storage import conversations as store
from storage.outbox import message_ref


def welcome_key(conversation_id: int) -> str:
    """The outbox key of the message that opened a pair's group DM."""
    return f"conversation:{conversation_id}:welcome"


def welcome_copies_like(conversation_id: int | None = None) -> str:
    """A SQL LIKE pattern for the keys of that message's copies each of the pair got by DM
    when Slack refused their group DM (``welcome_pair``): one conversation's, or all."""
    return f"conversation:{'%' if conversation_id is None else conversation_id}:welcome:dm:%"


def pair_channel(session: Session, conversation_id: int, known: str | None) -> str | None:
    """The pair's group DM: the one stored, else where their welcome went (None: Slack
    refused the group DM, or the welcome is still on its way; each then gets a DM)."""
    if known:
        return known
    ref = message_ref(welcome_key(conversation_id), session=session)
    return ref[0] if ref else None


def new_card(
    session: Session,
    request: RequestSnapshot,
    *,
    then: tuple[Effect, ...] = (),
    otherwise: tuple[Effect, ...] = (),
) -> DirectMessage:
    """The request card DMed to its mentor, remembered as the request's current card."""
    conversation = store.get(request.conversation_id, session=session)
    assert conversation is not None
    version = _version(conversation.card_key) + 1
    key = f"request:{request.conversation_id}:card:{version}"
    conversation.card_key = key
    session.add(conversation)
    return dm(
        key, request.mentor_slack_id, build_request_card(request), then=then, otherwise=otherwise
    )


def answer_card(
    session: Session, request: RequestSnapshot, outcome: str, *, event: str
) -> tuple[UpdateMessage, ...]:
    """The mentor's current card, its buttons replaced by ``outcome`` (none if no card)."""
    conversation = store.get(request.conversation_id, session=session)
    message = build_request_card_answered(request, outcome)
    key = f"request:{request.conversation_id}:{event}:card"
    if conversation is not None and conversation.card_key:
        return (update(key, message, target=conversation.card_key),)
    if request.mentor_dm_channel and request.mentor_dm_ts:  # sent before the outbox
        return (update(key, message, channel=request.mentor_dm_channel, ts=request.mentor_dm_ts),)
    return ()


def _version(card_key: str | None) -> int:
    if not card_key:
        return 0
    tail = card_key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0
