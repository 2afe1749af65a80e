"""Connections, `/mentor met` and `/mentor progress`."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.help import build_coming_soon
from bot.context import Deps
from handlers.command_context import CommandContext


def met(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("met", "log a connection"))


def progress(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("progress", "your progress"))


def register(app: App, deps: Deps) -> None:
    """Actions of the connections surface."""
