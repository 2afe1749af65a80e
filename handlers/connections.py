"""Connections, `/mentor met` and `/mentor progress`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.connections import build_met_answered_for_other, build_met_logged
from bot.blocks.help import build_notice
from bot.blocks.payload import STALE_BUTTON, ident, parse_click
from bot.blocks.progress import build_progress
from bot.context import Deps
from bot.errors import MentorbotError, told
from bot.flows import met as met_flow
from bot.home import load_progress_state
from bot.ids import ActionId
from bot.matching import directory_person
from bot.usecase import read
from handlers.command_context import CommandContext, deps_of, once, split_mention
from handlers.deliver import deliver
from handlers.dm import tell_clicker
from handlers.zones import ensure_zone

logger = logging.getLogger(__name__)

MET_USAGE = (
    "Mention the person you met, then what you talked about, e.g. "
    "`/mentor met @Alex coffee about onboarding`. Type `@` and pick them from the list "
    "so Slack links the name."
)


@dataclass(frozen=True)
class MetCommand:
    other_slack_id: str
    note: str


def parse_met(args: str) -> MetCommand:
    """`<@U123|name> what we talked about` -> the person and the note."""
    found = split_mention(args)
    if found is None:
        raise MentorbotError(MET_USAGE)
    return MetCommand(other_slack_id=found[0], note=found[1])


@dataclass(frozen=True)
class MetClick:
    """A Confirm / Not me click: who clicked, on which logged meeting."""

    user_id: str
    met_id: int


def parse_met_click(body: dict[str, Any]) -> MetClick | None:
    click = parse_click(body)
    met_id = ident(click.value)
    return MetClick(click.user_id, met_id) if met_id is not None and click.user_id else None


def met(ctx: CommandContext) -> None:
    """`/mentor met @person [note]`: ask the other person to confirm (by DM, through the
    outbox); the logger is answered here at once, and by DM if Slack refuses the request."""
    command = parse_met(ctx.args)
    is_bot = command.other_slack_id != ctx.user_id and _is_bot(ctx.client, command.other_slack_id)
    done = met_flow.log(
        ctx.deps, ctx.user_id, command.other_slack_id, command.note, other_is_bot=is_bot
    )
    ctx.reply(build_met_logged(done.value))
    deliver(ctx.context, done)


def _is_bot(client: WebClient, slack_id: str) -> bool:
    """Slack knows bots; someone Slack does not know is left to the directory check."""
    try:
        user = client.users_info(user=slack_id).get("user") or {}
    except SlackApiError:
        return False
    return bool(user.get("is_bot")) or slack_id == "USLACKBOT"


def _progress_of(deps: Deps, slack_id: str) -> dict[str, Any]:
    state = read(
        deps.open_session,
        lambda session: load_progress_state(
            session,
            directory_person(session, slack_id),
            settings=deps.settings,
            now=deps.clock(),
        ),
    )
    return build_progress(state)


def progress(ctx: CommandContext) -> None:
    """`/mentor progress`: connections toward the goal, pace and who to ask next."""
    ctx.reply(_progress_of(ctx.deps, ctx.user_id))


def handle_show_progress(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """ "My progress" (help, the Messages tab): what `/mentor progress` answers."""
    ack()
    click = parse_click(body)
    deps = deps_of(context)
    try:
        ensure_zone(deps, client, click.user_id)
        payload = _progress_of(deps, click.user_id)
    except MentorbotError as exc:
        payload = build_notice(told(exc, deps.settings.coordinators))
    tell_clicker(context, body, respond, payload)


def _answer(
    context: BoltContext, confirm: bool, body: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    click = parse_met_click(body)
    if click is None:
        tell_clicker(context, body, respond, build_notice(STALE_BUTTON))
        return
    try:
        done = met_flow.answer(deps_of(context), click.met_id, click.user_id, confirm=confirm)
    except MentorbotError as exc:
        tell_clicker(context, body, respond, build_notice(str(exc)))
        return
    if body.get("response_url"):
        respond(**build_met_answered_for_other(done.value), replace_original=True)
    deliver(context, done)


def handle_met_confirm(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """ "Confirm" on a logged meeting: both people gain the connection."""
    ack()
    _answer(context, True, body, respond, client)


def handle_met_decline(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """ "Not me" on a logged meeting: nothing counts; the logger is told kindly."""
    ack()
    _answer(context, False, body, respond, client)


def register(app: App) -> None:
    """Actions of the connections surface."""
    app.action(ActionId.MET_CONFIRM)(once(handle_met_confirm))
    app.action(ActionId.MET_DECLINE)(once(handle_met_decline))
    app.action(ActionId.SHOW_PROGRESS)(once(handle_show_progress))
