"""The pair's card: posted as their welcome, re-rendered and updated in place whenever their
conversation moves on, and read back to tell someone whose click is stale what to do now."""

from __future__ import annotations

from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.card import build_conversation_card, build_now_line
from bot.context import Deps
from bot.effects import UpdateMessage, update
from bot.errors import MentorbotError
from bot.flows.common import welcome_key
from bot.usecase import read
from storage.models import OutboxStatus
from storage.outbox import state_of


def card_targets(session: Session, state: svc.CardState) -> tuple[str, ...]:
    """The outbox keys of the card's messages: the welcome in the pair's group DM or, when
    Slack refused that, the copy each of them got by DM."""
    key = welcome_key(state.conversation_id)
    found = state_of(key, session=session)
    if found is not None and found[0] in (OutboxStatus.FAILED, OutboxStatus.SKIPPED):
        pair = dict.fromkeys((state.mentee_slack_id, state.mentor_slack_id))
        return tuple(f"{key}:dm:{user}" for user in pair)
    return (key,)


def show_card(
    session: Session, conversation_id: int, *, max_sessions: int, event: str
) -> tuple[UpdateMessage, ...]:
    """The card as it is now, replacing the one the pair sees (``event``: what moved it on,
    unique per change, so that each change updates it once)."""
    state = svc.card_state(session, conversation_id, max_sessions=max_sessions)
    if state is None:
        return ()
    card = build_conversation_card(state)
    key, welcome = f"conversation:{conversation_id}:card:{event}", welcome_key(conversation_id)
    return tuple(
        update(key + target.removeprefix(welcome), card, target=target)
        for target in card_targets(session, state)
    )


def now_line(deps: Deps, conversation_id: int, slack_id: str) -> str | None:
    """What ``slack_id`` should do now in this conversation, when they are one of its pair
    (a stale click is answered with it); None for anyone else, or a request."""

    def work(s: Session) -> str | None:
        state = svc.card_state(s, conversation_id, max_sessions=deps.settings.max_sessions)
        if state is None or slack_id not in (state.mentee_slack_id, state.mentor_slack_id):
            return None
        return build_now_line(state, slack_id)

    try:
        return read(deps.open_session, work)
    except MentorbotError:  # the conversation is gone: the stale answer alone says enough
        return None
