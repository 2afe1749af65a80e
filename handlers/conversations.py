"""Requests, conversations, sessions, follow-ups and the sunset."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.help import build_coming_soon
from bot.blocks.requests import build_request_modal
from bot.context import Deps
from bot.ids import ActionId, parse_request_button_value
from handlers.command_context import CommandContext

logger = logging.getLogger(__name__)


def open_request_modal(
    client: WebClient,
    deps: Deps,
    *,
    trigger_id: str,
    mentee_slack_id: str,
    mentor_slack_id: str,
    topic: str | None = None,
) -> None:
    """Open the request modal for ``mentee_slack_id`` asking ``mentor_slack_id``."""
    client.views_open(trigger_id=trigger_id, view=build_request_modal(mentor_slack_id, topic))


def agenda(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("agenda", "post your agenda"))


def followup(ctx: CommandContext) -> None:
    ctx.reply(build_coming_soon("followup", "post your follow-ups"))


def register(app: App, deps: Deps) -> None:
    """Actions and views of the conversation surface."""

    @app.action(ActionId.REQUEST_CONVERSATION)
    def handle_request_conversation(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """ "Request a conversation" on a find result: open the request modal."""
        ack()
        mentor, topic = parse_request_button_value(str(body["actions"][0].get("value", "")))
        open_request_modal(
            client,
            deps,
            trigger_id=body["trigger_id"],
            mentee_slack_id=body["user"]["id"],
            mentor_slack_id=mentor,
            topic=topic,
        )
