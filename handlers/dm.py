"""Answering the person who acted: in place when Slack gave a thread, else by DM (outbox)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import Respond

from bot.blocks.payload import parse_click
from bot.errors import MentorbotError
from bot.flows.notices import cause_of, tell
from handlers.command_context import deps_of
from handlers.deliver import deliver

logger = logging.getLogger(__name__)


def tell_by_dm(
    context: Mapping[str, Any],
    slack_id: str,
    payload: Mapping[str, Any] | None,
    *,
    refresh_home: bool = False,
    cause: str | None = None,
) -> None:
    """DM ``payload`` to ``slack_id`` through the outbox (and refresh their Home when
    asked), keyed by the delivery being answered; delivered at once.

    A DM usually answers something already saved or refused: when even the outbox is busy,
    the answer is lost and logged, never raised into the rest of the listener.
    """
    if not slack_id:  # a forged payload named nobody: there is no one to tell
        return
    try:
        done = tell(
            deps_of(context),
            slack_id,
            payload,
            cause=cause or cause_of(context.get("delivery_key")),
            refresh_home=refresh_home,
        )
    except MentorbotError:
        logger.warning("Could not write a DM to the outbox (busy)")
        return
    deliver(context, done)


def tell_clicker(
    context: Mapping[str, Any],
    body: dict[str, Any],
    respond: Respond | None,
    payload: dict[str, Any],
) -> None:
    """Answer the person who clicked, privately: in place under a message (response_url),
    else by DM from a view (the Home tab, a modal) through the outbox."""
    if respond is not None and body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, **payload)
    else:
        tell_by_dm(context, parse_click(body).user_id, payload)
