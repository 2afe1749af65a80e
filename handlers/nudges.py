"""Check-ins: `/mentor mute` and `/mentor unmute`, the Home's mute toggle, and the
welcome's "Open the Home" button. The planner's job is in ``handlers.jobs``."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.blocks.help import build_notice
from bot.blocks.nudges import build_mute_changed, build_open_home_answer
from bot.blocks.payload import STALE_BUTTON, choice, parse_click
from bot.errors import MentorbotError, told
from bot.flows import nudges as flow
from bot.flows.notices import cause_of
from bot.ids import ActionId
from handlers.command_context import CommandContext, deps_of, once
from handlers.deliver import deliver
from handlers.dm import tell_by_dm, tell_clicker

logger = logging.getLogger(__name__)


def mute(ctx: CommandContext) -> None:
    """`/mentor mute [until YYYY-MM-DD]`: no check-ins until then, or until unmuted."""
    until = flow.parse_mute_args(ctx.args, today=flow.today_of(ctx.deps, ctx.user_id))
    done = flow.set_mute(ctx.deps, ctx.user_id, muted=True, until=until)
    ctx.reply(build_mute_changed(True, until))
    deliver(ctx.context, done)


def unmute(ctx: CommandContext) -> None:
    """`/mentor unmute`: check-ins again."""
    done = flow.set_mute(ctx.deps, ctx.user_id, muted=False)
    ctx.reply(build_mute_changed(False, None))
    deliver(ctx.context, done)


def handle_mute_toggle(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The Home's Mute / Unmute check-ins: reach the state it asks for; the Home shows it."""
    ack()
    click = parse_click(body)
    wanted = choice(click.value, ("mute", "unmute"))
    if wanted is None:
        tell_by_dm(context, click.user_id, build_notice(STALE_BUTTON), refresh_home=True)
        return
    try:
        done = flow.set_mute(
            deps_of(context),
            click.user_id,
            muted=wanted == "mute",
            event=cause_of(context.get("delivery_key")),
        )
    except MentorbotError as exc:  # the Home has no thread to answer in: by DM
        tell_by_dm(context, click.user_id, build_notice(str(exc)))
        return
    deliver(context, done)


def handle_open_home(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """The welcome's "Open the Home": publish it, and say where it is."""
    ack()
    click = parse_click(body)
    if not click.user_id:
        return
    try:
        done = flow.open_home(
            deps_of(context), click.user_id, event=cause_of(context.get("delivery_key"))
        )
    except MentorbotError as exc:
        coordinators = deps_of(context).settings.coordinators
        tell_clicker(context, body, respond, build_notice(told(exc, coordinators)))
        return
    tell_clicker(context, body, respond, build_open_home_answer())
    deliver(context, done)


def register(app: App) -> None:
    """The check-ins' own buttons (their other buttons belong to the surfaces they lead to)."""
    app.action(ActionId.HOME_MUTE_TOGGLE)(once(handle_mute_toggle))
    app.action(ActionId.NUDGE_OPEN_HOME)(once(handle_open_home))
