"""`/mentor find | ask | offer | pause | resume`, mentor offers and the directory."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.help import build_coming_soon
from bot.context import Deps
from handlers.command_context import CommandContext


def find(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("find", "mentors outside your area"))


def ask(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("ask", "request a conversation"))


def offer(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("offer", "offer yourself as a mentor"))


def pause(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("pause", "pause requests"))


def resume(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("resume", "receive requests again"))


def register(app: App, deps: Deps) -> None:
    """Actions, views and events of the directory surface."""
