"""The `/mentor help` message: what the bot does and every subcommand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    message,
    section,
)
from bot.ids import ActionId

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


@dataclass(frozen=True)
class HelpGroup:
    """The subcommands for one task ("Find help", "Mentor others", …)."""

    title: str
    lines: tuple[HelpLine, ...]
    built: bool = True  # False: not built yet, and the help says so


HELP_BUTTONS = (
    ("Find a mentor", ActionId.HOME_FIND_MENTOR, "primary"),
    ("Offer to mentor", ActionId.OFFER_EDIT, None),
    ("My progress", ActionId.SHOW_PROGRESS, None),
)
COMING_LATER = "_Coming in a later release; these say so when you try them._"


def unknown_words(typed: str, suggestion: str | None) -> str:
    """What to say before the help when ``typed`` is not a subcommand."""
    word = escape(typed.split()[0][:40])
    if suggestion:
        return f":thinking_face: `{word}` isn't a command. Did you mean `/mentor {suggestion}`?"
    return (
        f":thinking_face: `{word}` isn't a command. Looking for someone to help with "
        f"it? Try `/mentor find {escape(typed[:80])}`."
    )


def build_help(
    groups: Sequence[HelpGroup], support_url: str | None, *, note: str | None = None
) -> dict[str, Any]:
    """The help message: subcommands grouped by task, buttons for the first steps, what is
    not built yet, and where to go for what mentoring is not. ``note`` comes first (a
    "did you mean" for an unknown word)."""
    not_mentoring = (
        f"{NOT_MENTORING}: <{support_url}|support resources>."
        if support_url
        else f"{NOT_MENTORING}."
    )
    blocks: list[Block] = []
    if note:
        blocks.append(section(note))
    blocks += [header("Mentors on Call"), section(INTRO)]
    blocks.append(
        actions(
            *(button(text, action, "help", style=style) for text, action, style in HELP_BUTTONS)
        )
    )
    for group in groups:
        lines = "\n".join(
            f"`/mentor {escape(line.usage)}` — {escape(line.summary)}" for line in group.lines
        )
        blocks.append(divider())
        if group.built:
            blocks.append(section(f"*{escape(group.title)}*\n{lines}"))
        else:
            blocks.append(section(f"*{escape(group.title)}*\n{COMING_LATER}\n{lines}"))
    blocks += [divider(), context(":information_source: " + not_mentoring)]
    text = "Mentors on Call: what you can do with /mentor"
    return message(f"{note} {text}" if note else text, blocks)


def build_coming_soon(name: str, summary: str) -> dict[str, Any]:
    """An honest answer for a subcommand that is not built yet."""
    text = COMING_SOON.format(name=escape(name), summary=escape(summary))
    return message(text, [section(":construction: " + text)])


def build_notice(text: str) -> dict[str, Any]:
    """A short ephemeral answer: a problem to fix, a confirmation, an explanation."""
    return message(text, [section(text)])
