"""Requests, conversations, sessions, follow-ups and the sunset."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.help import build_coming_soon
from bot.context import Deps
from handlers.command_context import CommandContext


def agenda(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("agenda", "post your agenda"))


def followup(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("followup", "post your follow-ups"))


def register(app: App, deps: Deps) -> None:
    """Actions and views of the conversation surface."""
