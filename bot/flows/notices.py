"""A word to the person who acted, by DM, when the surface has nowhere else to answer.

A click on the Home tab or a modal submission has no thread to reply in: its answer (an
error, a stale button, an expired trigger) goes to the person's DM with the bot, through
the outbox like every other message. ``cause`` names the delivery it answers (a click's
or a submission's key), so a replay writes it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from bot.context import Deps
from bot.effects import Effect, dm, refresh_homes
from bot.usecase import Done, run


def cause_of(delivery_key: str | None) -> str:
    """A notice's cause: the delivery it answers, or a fresh one when Slack named none."""
    return delivery_key or f"unnamed:{uuid.uuid4().hex}"


def tell(
    deps: Deps,
    user: str,
    message: Mapping[str, Any] | None,
    *,
    cause: str,
    refresh_home: bool = False,
) -> Done[None]:
    """DM ``message`` to ``user`` (none: nothing to say); with ``refresh_home``, re-publish
    their Home too (a stale button shows what is true now)."""
    now = deps.clock()
    effects: list[Effect] = []
    if user and message is not None:
        effects.append(dm(f"notice:{cause}:{user}", user, message))
    if user and refresh_home:
        effects += refresh_homes(f"notice:{cause}", user)

    def work(_: Session) -> tuple[None, tuple[Effect, ...]]:
        return None, tuple(effects)

    if not effects:
        return Done(None)
    return run(deps.open_session, work, now=now)
