"""The parsed `/mentor` invocation each subcommand function receives, and listeners' Deps."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replays
from bot.blocks.help import build_notice
from bot.context import Deps

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandContext:
    """One `/mentor <subcommand> <args>` call, parsed at the edge."""

    user_id: str
    subcommand: str
    args: str
    trigger_id: str
    channel_id: str
    respond: Respond
    client: WebClient
    deps: Deps
    # Bolt's context of the request: where ``handlers.deliver.deliver`` finds the outbox.
    context: Mapping[str, Any] = field(default_factory=dict)

    def reply(self, payload: dict[str, Any]) -> None:
        """Answer ephemerally (only the caller sees it)."""
        self.respond(response_type="ephemeral", replace_original=False, **payload)

    def notice(self, text: str) -> None:
        self.reply(build_notice(text))


SubcommandFn = Callable[[CommandContext], None]

# Slack escapes a picked @mention as <@U123|name> (should_escape in the manifest).
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s*(.*)$", re.DOTALL)


def split_mention(args: str) -> tuple[str, str] | None:
    """`<@U123|name> the rest` -> ("U123", "the rest"); None when it starts with no mention."""
    found = MENTION.match(args.strip())
    return (found.group(1), found.group(2).strip()) if found else None


def expired_trigger(exc: SlackApiError) -> bool:
    """views.open came more than 3 seconds after the click: the person should try again."""
    return bool(exc.response.get("error") in ("expired_trigger_id", "invalid_trigger_id"))


def deps_of(context: Mapping[str, Any]) -> Deps:
    """The app's Deps, which ``bot.app``'s middleware puts in every request's context."""
    deps: Deps = context["deps"]
    return deps


ListenerFn = TypeVar("ListenerFn", bound=Callable[..., Any])


def once(listener: ListenerFn) -> ListenerFn:
    """Run a click or event listener for the first delivery of its request only.

    The delivery is claimed here, in the listener's thread (``bot.app`` names it in the
    context), so that the acknowledgement never waits for the database; a retry or a
    replay is skipped. The listener must take ``context`` (Bolt passes arguments by the
    names the wrapped function declares).
    """

    @functools.wraps(listener)
    def first(**kwargs: Any) -> Any:
        context: BoltContext = kwargs["context"]
        key = context.get("delivery_key")
        if key:
            deps = deps_of(context)
            if not replays.claim_delivery(deps.open_session, key, now=deps.clock()):
                retry, reason = context.get("delivery_retry") or ("-", "none")
                logger.info("Skipped a repeated delivery (retry %.8s, %.20s)", retry, reason)
                return None
        return listener(**kwargs)

    return cast(ListenerFn, first)
