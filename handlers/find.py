"""`/mentor find | ask`, the find topic buttons, and the directory they search."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.find import (
    build_ask_refused,
    build_ask_usage,
    build_ask_warnings,
    build_triage,
    mentor_cards,
)
from bot.blocks.help import MODAL_EXPIRED, build_notice
from bot.blocks.home import build_find_results_view
from bot.blocks.payload import (
    STALE_BUTTON,
    Refused,
    parse_click,
    short_text,
    slack_user,
)
from bot.blocks.requests import TOPIC_MAX, build_problem_view, build_request_modal
from bot.conversations import check_can_request
from bot.errors import MentorbotError
from bot.flows import find as flow
from bot.ids import ActionId, parse_request_button_value
from bot.matching import check_ask
from bot.usecase import read
from handlers.command_context import CommandContext, deps_of, expired_trigger, once, split_mention
from handlers.conversations import open_request_modal
from handlers.dm import tell_by_dm, tell_clicker

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
    if flow.is_triage(deps.settings, request.topic):  # a need for HR, not for a mentor
        ctx.reply(build_triage(deps.settings.support_url))
        return
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


def _in_modal(body: dict[str, Any]) -> bool:
    view = body.get("view")
    return isinstance(view, dict) and view.get("type") == "modal"


def _answer_search(
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
    *,
    anyway: bool,
) -> None:
    """Search what a button carries; answer under the message, or in the modal clicked."""
    click = parse_click(body)
    modal = _in_modal(body)
    action = ActionId.FIND_MODAL_REQUEST if modal else ActionId.REQUEST_CONVERSATION
    try:
        topic = short_text(click.value, TOPIC_MAX)
        if topic is None:
            raise Refused(STALE_BUTTON)
        payload = flow.search(
            deps_of(context), click.user_id, topic, anyway=anyway, request_action=action
        ).value
    except MentorbotError as exc:
        topic, payload = click.value[:TOPIC_MAX], build_notice(str(exc))
    if not modal:
        tell_clicker(context, body, respond, payload)
        return
    try:
        client.views_update(
            view_id=click.view_id,
            hash=click.view_hash or None,
            view=build_find_results_view(topic, payload),
        )
    except SlackApiError as exc:  # changed meanwhile (hash): that newer view stays
        logger.info("Did not update the find modal: %s", exc.response.get("error"))


def handle_find_topic(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """A topic button under a find answer (a message or the Home's modal): search that topic."""
    ack()
    _answer_search(body, client, respond, context, anyway=False)


def handle_show_anyway(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """ "Show them anyway": the mentors only the level gap kept out, with a caution."""
    ack()
    _answer_search(body, client, respond, context, anyway=True)


def handle_modal_request(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A Request button in the Home's find modal: the request modal, pushed on top of it
    (a modal cannot open another with ``views.open``)."""
    ack()
    deps = deps_of(context)
    click = parse_click(body)
    mentor, topic = parse_request_button_value(click.value)
    try:
        if slack_user(mentor) is None or (topic and short_text(topic, TOPIC_MAX) is None):
            raise Refused(STALE_BUTTON)
        read(
            deps.open_session,
            lambda s: check_can_request(
                s,
                click.user_id,
                mentor,
                now=deps.clock(),
                max_level_gap=deps.settings.max_level_gap,
            ),
        )
        view = build_request_modal(mentor, topic)
    except MentorbotError as exc:
        view = build_problem_view("Can't ask right now", str(exc))
    try:
        client.views_push(trigger_id=click.trigger_id, view=view)
    except SlackApiError as exc:
        if not expired_trigger(exc):
            raise
        logger.warning("The request modal did not open in time")
        tell_by_dm(context, click.user_id, build_notice(MODAL_EXPIRED))


def handle_support_link(ack: Ack) -> None:
    """The triage card's link opens in the browser; Slack still tells the app: acknowledge."""
    ack()


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
    app.action(ActionId.FIND_SHOW_ANYWAY)(once(handle_show_anyway))
    app.action(ActionId.FIND_MODAL_REQUEST)(once(handle_modal_request))
    app.action(ActionId.SUPPORT_LINK)(handle_support_link)
    app.event("user_change")(once(handle_user_change))
