"""The App Home tab: opening it, its find search and its transition goals.

The Home is published as a ``RefreshHome`` effect, rendered from the database when it is
sent; opening the tab refreshes it once per Slack event.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from bot import replays
from bot.blocks.home import build_find_results_view
from bot.context import Deps
from bot.effects import Effect, refresh_homes
from bot.errors import MentorbotError
from bot.flows import find as find_flow
from bot.home import current_learning, end_transition_goal, mark_transition
from bot.home import set_learning as set_learning_of
from bot.ids import ActionId
from bot.usecase import Done, read, run

logger = logging.getLogger(__name__)


def open_home(deps: Deps, user: str, *, event: str) -> Done[None]:
    """``user`` opened their Home tab (Slack's ``event``): publish it as it is now."""
    now = deps.clock()

    def work(_: Session) -> tuple[None, tuple[Effect, ...]]:
        return None, refresh_homes(f"opened:{event}", user)

    return run(deps.open_session, work, now=now)


def find(deps: Deps, user: str, topic: str, *, claim: str | None) -> Done[dict[str, Any]]:
    """The Home's find modal: who can help, shown in the modal itself (the search counts as
    demand once: ``claim``, the submission, makes a replay answer again, counting nothing)."""
    action = ActionId.FIND_MODAL_REQUEST
    try:
        answer = find_flow.search(deps, user, topic, request_action=action, claim=claim)
    except replays.AlreadyHandled:
        logger.info("Answered a repeated find submission again, not counted")
        answer = find_flow.search(deps, user, topic, request_action=action, record=False)
    return Done(build_find_results_view(topic, answer.value), answer.keys)


def start_transition(deps: Deps, user: str, kind: str, *, event: str) -> Done[bool]:
    """A transition picked on the Home starts its fresh goal; the Home shows it."""
    now = deps.clock()

    def work(s: Session) -> tuple[bool, tuple[Effect, ...]]:
        try:
            started = mark_transition(s, user, kind, settings=deps.settings, now=now)
        except MentorbotError:  # refused before anything was written
            logger.info("Transition picked by someone not in the directory")
            started = False
        return started, refresh_homes(f"transition:{event}", user)

    return run(deps.open_session, work, now=now)


def end_transition(deps: Deps, user: str, kind: str, *, event: str) -> Done[bool]:
    """ "End this goal" on the Home; the Home shows it."""
    now = deps.clock()

    def work(s: Session) -> tuple[bool, tuple[Effect, ...]]:
        try:
            ended = end_transition_goal(s, user, kind, now=now)
        except MentorbotError:  # refused before anything was written
            logger.info("Transition ended by someone not in the directory")
            ended = False
        return ended, refresh_homes(f"transition-end:{event}", user)

    return run(deps.open_session, work, now=now)


def set_learning(deps: Deps, user: str, text: str, *, claim: str | None) -> Done[str | None]:
    """ "I'd like to learn about…" saved from the Home; the Home shows it and who offers it."""
    now = deps.clock()

    def work(s: Session) -> tuple[str | None, tuple[Effect, ...]]:
        saved = set_learning_of(s, user, text, now=now)
        return saved, refresh_homes(f"learning:{claim or now.isoformat()}", user)

    return run(deps.open_session, work, now=now, claim=claim)


def learning_of(deps: Deps, user: str) -> str | None:
    """What ``user`` said they would like to learn about (for the form)."""
    return read(deps.open_session, lambda s: current_learning(s, user))
