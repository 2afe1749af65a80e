"""`/mentor find | ask`, the find topic buttons, and the directory they search."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.find import (
    build_ask_refused,
    build_ask_usage,
    build_ask_warnings,
    mentor_cards,
)
from bot.blocks.help import build_notice
from bot.blocks.payload import (
    STALE_BUTTON,
    Refused,
    parse_click,
    short_text,
)
from bot.blocks.requests import TOPIC_MAX
from bot.errors import MentorbotError
from bot.flows import find as flow
from bot.ids import ActionId
from bot.matching import check_ask
from bot.usecase import read
from handlers.command_context import CommandContext, deps_of, once, split_mention
from handlers.conversations import open_request_modal
from handlers.dm import tell_clicker

logger = logging.getLogger(__name__)

FIND_TOPIC_ACTION = re.compile(rf"^{re.escape(ActionId.FIND_TOPIC)}(?::\d+)?$")
ALTERNATIVES = 3


def find(ctx: CommandContext) -> None:
    """`/mentor find <words>`: up to five mentors outside your area, with reasons."""
    ctx.reply(flow.search(ctx.deps, ctx.user_id, ctx.args).value)


@dataclass(frozen=True)
class AskRequest:
    mentor_slack_id: str
    topic: str | None


def parse_ask(args: str) -> AskRequest | None:
    """`<@U123|name> optional topic` -> AskRequest; anything else -> None."""
    found = split_mention(args)
    if found is None:
        return None
    mentor, rest = found
    return AskRequest(mentor, " ".join(rest.split())[:200] or None)


def ask(ctx: CommandContext) -> None:
    """`/mentor ask @person [topic]`: check, explain, then open the request modal."""
    request = parse_ask(ctx.args)
    if request is None:
        ctx.reply(build_ask_usage(ctx.args))
        return
    deps = ctx.deps
    check = read(
        deps.open_session,
        lambda session: check_ask(
            session,
            ctx.user_id,
            request.mentor_slack_id,
            request.topic,
            now=deps.clock(),
            max_level_gap=deps.settings.max_level_gap,
            alternatives=ALTERNATIVES,
        ),
    )
    eligibility, mentor_slack_id = check.eligibility, check.mentor_slack_id
    if not eligibility.allowed:
        ctx.reply(
            build_ask_refused(
                mentor_slack_id, eligibility.blockers, mentor_cards(check.alternatives)
            )
        )
        return
    open_request_modal(
        ctx.client,
        ctx.deps,
        trigger_id=ctx.trigger_id,
        mentee_slack_id=ctx.user_id,
        mentor_slack_id=mentor_slack_id,
        topic=request.topic,
    )
    if eligibility.warnings:
        ctx.reply(build_ask_warnings(mentor_slack_id, eligibility.warnings))


def handle_find_topic(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """A topic button under a find answer: search that topic."""
    ack()
    click = parse_click(body)
    try:
        topic = short_text(click.value, TOPIC_MAX)
        if topic is None:
            raise Refused(STALE_BUTTON)
        payload = flow.search(deps_of(context), click.user_id, topic).value
    except MentorbotError as exc:
        payload = build_notice(str(exc))
    tell_clicker(context, body, respond, payload)


def handle_user_change(event: dict[str, Any], context: BoltContext) -> None:
    """A profile changed or someone was deactivated in Slack: keep the directory current."""
    user = event.get("user")
    if isinstance(user, dict):
        try:
            flow.apply_profile(deps_of(context), user)
        except MentorbotError:  # busy: the next profile change or HR import catches up
            logger.warning("Could not apply a Slack profile change (busy)")


def register(app: App) -> None:
    """The find topic buttons, and Slack profile changes into the directory."""
    app.action(FIND_TOPIC_ACTION)(once(handle_find_topic))
    app.event("user_change")(once(handle_user_change))
