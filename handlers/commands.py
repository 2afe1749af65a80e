"""`/mentor`: one command, a routing table of subcommands, help as the fallback."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replays
from bot.blocks.help import (
    MODAL_EXPIRED,
    HelpGroup,
    HelpLine,
    build_coming_soon,
    build_help,
    unknown_words,
)
from bot.context import Deps
from bot.errors import MentorbotError, told
from bot.ids import SLASH_COMMAND
from handlers import connections, conversations, find, nudges, offers, privacy, team
from handlers import digest as digest_surface
from handlers.command_context import CommandContext, SubcommandFn, deps_of, expired_trigger
from handlers.zones import ensure_zone

logger = logging.getLogger(__name__)


FIND_HELP, MENTOR_OTHERS, YOUR_PROGRESS, LATER = (
    "Find help",
    "Mentor others",
    "Your progress",
    "Coming later",
)
YOUR_TEAM = "Your team"
COORDINATE = "Run the programme"


@dataclass(frozen=True)
class Subcommand:
    usage: str
    summary: str
    run: SubcommandFn | None  # None: not built yet, answered honestly as coming soon
    group: str = LATER


def help_groups() -> list[HelpGroup]:
    """Every subcommand, grouped by the task it is for; what is not built yet last."""
    groups = []
    for title in (FIND_HELP, MENTOR_OTHERS, YOUR_PROGRESS, YOUR_TEAM, COORDINATE, LATER):
        lines = tuple(
            HelpLine(entry.usage, entry.summary)
            for name, entry in SUBCOMMANDS.items()
            if name != "help" and entry.group == title and (entry.run is None) == (title == LATER)
        )
        if lines:
            groups.append(HelpGroup(title, lines, built=title != LATER))
    return groups


def did_you_mean(typed: str) -> str | None:
    """The note before the help for text that is not a subcommand (None when it is one)."""
    words = typed.split()
    if not words or words[0].lower() in SUBCOMMANDS:
        return None
    close = difflib.get_close_matches(words[0].lower(), SUBCOMMANDS, n=1, cutoff=0.6)
    suggestion = " ".join([close[0], *words[1:]])[:80] if close else None
    return unknown_words(typed, suggestion)


def _help(ctx: CommandContext) -> None:
    note = did_you_mean(ctx.args)
    ctx.reply(build_help(help_groups(), ctx.deps.settings.support_url, note=note))


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": Subcommand("help", "what the bot does and every command", _help),
    "find": Subcommand(
        "find <topic>", "up to 5 mentors outside your area who can help", find.find, FIND_HELP
    ),
    "ask": Subcommand(
        "ask @person [topic]", "request a conversation with someone", find.ask, FIND_HELP
    ),
    "offer": Subcommand(
        "offer [topics]",
        "offer yourself as a mentor: topics, capacity, boundaries",
        offers.offer,
        MENTOR_OTHERS,
    ),
    "pause": Subcommand(
        "pause [YYYY-MM-DD]", "stop receiving requests for a while", offers.pause, MENTOR_OTHERS
    ),
    "resume": Subcommand("resume", "receive requests again", offers.resume, MENTOR_OTHERS),
    "agenda": Subcommand(
        "agenda", "post the questions for your next conversation", conversations.agenda, FIND_HELP
    ),
    "followup": Subcommand(
        "followup",
        "post the actions from your last conversation",
        conversations.followup,
        FIND_HELP,
    ),
    "met": Subcommand(
        "met @person [what you talked about]",
        "log a connection made outside the bot",
        connections.met,
        YOUR_PROGRESS,
    ),
    "progress": Subcommand(
        "progress",
        "your connections toward the goal, and your pace",
        connections.progress,
        YOUR_PROGRESS,
    ),
    "team": Subcommand(
        "team",
        "the 20-minute mentoring check-in with your team: script, snapshot, anonymous pulse",
        team.team,
        YOUR_TEAM,
    ),
    "mute": Subcommand(
        "mute [until YYYY-MM-DD]",
        "no check-ins from me until then, or until you unmute",
        nudges.mute,
        YOUR_PROGRESS,
    ),
    "unmute": Subcommand("unmute", "check-ins again", nudges.unmute, YOUR_PROGRESS),
    "digest": Subcommand(
        "digest", "coordinators: preview the weekly digest", digest_surface.digest, COORDINATE
    ),
    "advice": Subcommand(
        "advice",
        "ask the coordinators privately for advice on a difficult situation",
        digest_surface.advice,
        MENTOR_OTHERS,
    ),
    "export": Subcommand(
        "export", "everything stored about you, as a file", privacy.export, YOUR_PROGRESS
    ),
    "forget-me": Subcommand(
        "forget-me", "delete your data (it says what goes first)", privacy.forget_me, YOUR_PROGRESS
    ),
}


def parse(text: str) -> tuple[str, str]:
    """Split `/mentor` text into (subcommand, rest); unknown or empty text means help."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return "help", ""
    name = words[0].lower()
    rest = words[1].strip() if len(words) > 1 else ""
    if name not in SUBCOMMANDS:
        return "help", text.strip()
    return name, rest


def handle_mentor(
    ack: Ack,
    command: dict[str, str],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Route `/mentor <subcommand>` through the table, once per delivery."""
    ack()
    deps = deps_of(context)
    key = replays.listener_key(command)
    if key and not replays.claim_delivery(deps.open_session, key, now=deps.clock()):
        logger.info("Skipped a repeated delivery of /mentor")
        return
    run_mentor(deps, command, respond, client, context)


def register(app: App) -> None:
    """The one slash command, routed through ``SUBCOMMANDS``."""
    app.command(SLASH_COMMAND)(handle_mentor)


def run_mentor(
    deps: Deps,
    command: dict[str, str],
    respond: Respond,
    client: WebClient,
    context: Mapping[str, Any] | None = None,
) -> None:
    """The work of one `/mentor` command, after its ack: route its text through the table;
    ``context`` (Bolt's) lets a subcommand deliver what it wrote to the outbox at once."""
    name, args = parse(command.get("text", ""))
    ctx = CommandContext(
        user_id=command["user_id"],
        subcommand=name,
        args=args,
        trigger_id=command.get("trigger_id", ""),
        channel_id=command.get("channel_id", ""),
        respond=respond,
        client=client,
        deps=deps,
        context=context if context is not None else {},
    )
    entry = SUBCOMMANDS[name]
    if name != "help":  # times are shown and read in the person's zone: know it first
        ensure_zone(deps, client, ctx.user_id)
    if entry.run is None:
        ctx.reply(build_coming_soon(name, entry.summary))
        return
    try:
        entry.run(ctx)
    except MentorbotError as exc:
        ctx.notice(told(exc, deps.settings.coordinators))
    except SlackApiError as exc:
        if not expired_trigger(exc):
            raise
        logger.warning("The modal for /mentor %s did not open in time", name)
        ctx.notice(MODAL_EXPIRED)
