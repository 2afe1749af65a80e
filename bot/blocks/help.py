"""The `/mentor help` message: what the bot does and every subcommand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.common import context, divider, escape, header, message, section

INTRO = (
    "*Mentors on Call* helps you find someone *outside your own area* to talk to: "
    "bring two or three specific questions, have one to three short conversations, "
    "and post the follow-up actions afterwards. New here? Aim for *ten different "
    "connections in your first six months*. Everything is opt-in."
)

NOT_MENTORING = (
    "Mentoring is not coaching, therapy, or a performance-improvement plan. "
    "If that is what you need, your manager or HR can point you to the right support"
)

MODAL_EXPIRED = (
    "That took a moment too long, so the form didn't open and nothing was changed. "
    "Please try again."
)

COMING_SOON = (
    "`/mentor {name}` is coming soon: {summary}. Until then, `/mentor help` lists "
    "everything that works today."
)


@dataclass(frozen=True)
class HelpLine:
    usage: str
    summary: str


def build_help(lines: Sequence[HelpLine], support_url: str | None) -> dict[str, Any]:
    """The help message listing every subcommand, and where to go for what mentoring is not."""
    commands = "\n".join(
        f"`/mentor {escape(line.usage)}` — {escape(line.summary)}" for line in lines
    )
    not_mentoring = (
        f"{NOT_MENTORING}: <{support_url}|support resources>."
        if support_url
        else f"{NOT_MENTORING}."
    )
    blocks = [
        header("Mentors on Call"),
        section(INTRO),
        divider(),
        section("*What you can do*\n" + commands),
        divider(),
        context(":information_source: " + not_mentoring),
    ]
    return message("Mentors on Call: what you can do with /mentor", blocks)


def build_coming_soon(name: str, summary: str) -> dict[str, Any]:
    """An honest answer for a subcommand that is not built yet."""
    text = COMING_SOON.format(name=escape(name), summary=escape(summary))
    return message(text, [section(":construction: " + text)])


def build_notice(text: str) -> dict[str, Any]:
    """A short ephemeral answer: a problem to fix, a confirmation, an explanation."""
    return message(text, [section(text)])
