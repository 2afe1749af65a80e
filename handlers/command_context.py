"""The parsed `/mentor` invocation each subcommand function receives, and listeners' Deps."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.help import build_notice
from bot.context import Deps


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


def deps_of(context: BoltContext) -> Deps:
    """The app's Deps, which ``bot.app``'s middleware puts in every request's context."""
    deps: Deps = context["deps"]
    return deps
