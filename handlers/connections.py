"""Connections, `/mentor met` and `/mentor progress`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.connections import (
    build_met_answered_for_logger,
    build_met_answered_for_other,
    build_met_confirmation_request,
    build_met_logged,
)
from bot.blocks.help import build_notice
from bot.blocks.payload import STALE_BUTTON, ident, parse_click
from bot.blocks.progress import build_progress
from bot.connections import (
    answer_met,
    log_met,
    remember_met_dm,
    withdraw_met,
)
from bot.context import Deps
from bot.errors import MentorbotError
from bot.home import load_progress_state
from bot.ids import ActionId
from bot.matching import directory_person
from handlers.command_context import CommandContext, deps_of, split_mention
from handlers.dm import tell_clicker
from handlers.home import refresh_home
from storage.db import unit_of_work
from storage.models import MetStatus

logger = logging.getLogger(__name__)

MET_USAGE = (
    "Mention the person you met, then what you talked about, e.g. "
    "`/mentor met @Alex coffee about onboarding`. Type `@` and pick them from the list "
    "so Slack links the name."
)

MET_NOT_SENT = (
    "I couldn't reach <@{other}> just now, so nothing was logged. Please try again in a minute."
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
    """`/mentor met @person [note]`: ask the other person to confirm."""
    command = parse_met(ctx.args)
    deps = ctx.deps
    is_bot = command.other_slack_id != ctx.user_id and _is_bot(ctx.client, command.other_slack_id)
    with unit_of_work(deps.open_session) as session:
        request = log_met(
            session,
            ctx.user_id,
            command.other_slack_id,
            command.note,
            now=deps.clock(),
            other_is_bot=is_bot,
        )
    try:
        channel = ctx.client.conversations_open(users=request.other_slack_id)["channel"]["id"]
        posted = ctx.client.chat_postMessage(
            channel=channel, **build_met_confirmation_request(request)
        )
    except SlackApiError:
        logger.exception("Failed to ask %s to confirm a meeting", request.other_slack_id)
        with unit_of_work(deps.open_session) as session:
            withdraw_met(session, request.met_id)
        ctx.notice(MET_NOT_SENT.format(other=request.other_slack_id))
        return
    with unit_of_work(deps.open_session) as session:
        remember_met_dm(session, request.met_id, str(posted["channel"]), str(posted["ts"]))
    ctx.reply(build_met_logged(request))
    refresh_home(ctx.client, deps, request.other_slack_id)
    refresh_home(ctx.client, deps, ctx.user_id)


def _is_bot(client: WebClient, slack_id: str) -> bool:
    """Slack knows bots; someone Slack does not know is left to the directory check."""
    try:
        user = client.users_info(user=slack_id).get("user") or {}
    except SlackApiError:
        return False
    return bool(user.get("is_bot")) or slack_id == "USLACKBOT"


def progress(ctx: CommandContext) -> None:
    """`/mentor progress`: connections toward the goal, pace and who to ask next."""
    deps = ctx.deps
    with unit_of_work(deps.open_session) as session:
        person = directory_person(session, ctx.user_id)
        state = load_progress_state(session, person, settings=deps.settings, now=deps.clock())
    ctx.reply(build_progress(state))


def _answer(
    deps: Deps, confirm: bool, body: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    click = parse_met_click(body)
    if click is None:
        tell_clicker(client, body, respond, build_notice(STALE_BUTTON))
        return
    try:
        with unit_of_work(deps.open_session) as session:
            result = answer_met(
                session, click.met_id, click.user_id, confirm=confirm, now=deps.clock()
            )
    except MentorbotError as exc:
        tell_clicker(client, body, respond, build_notice(str(exc)))
        return
    if body.get("response_url"):
        respond(**build_met_answered_for_other(result), replace_original=True)
    if result.status == MetStatus.LAPSED:
        return
    try:
        channel = client.conversations_open(users=result.logger_slack_id)["channel"]["id"]
        client.chat_postMessage(channel=channel, **build_met_answered_for_logger(result))
    except SlackApiError:
        # The answer is saved; the logger still sees it in their progress and Home.
        logger.exception("Failed to tell %s how their meeting was answered", result.logger_slack_id)
    refresh_home(client, deps, result.other_slack_id)
    refresh_home(client, deps, result.logger_slack_id)


def handle_met_confirm(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """ "Confirm" on a logged meeting: both people gain the connection."""
    deps = deps_of(context)
    ack()
    _answer(deps, True, body, respond, client)


def handle_met_decline(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """ "Not me" on a logged meeting: nothing counts; the logger is told kindly."""
    deps = deps_of(context)
    ack()
    _answer(deps, False, body, respond, client)


def register(app: App) -> None:
    """Actions of the connections surface."""
    app.action(ActionId.MET_CONFIRM)(handle_met_confirm)
    app.action(ActionId.MET_DECLINE)(handle_met_decline)
