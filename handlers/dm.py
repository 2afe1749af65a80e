"""Direct messages from the bot, the way every surface sends them."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.payload import parse_click

logger = logging.getLogger(__name__)


def send_dm(client: WebClient, slack_id: str, payload: dict[str, Any]) -> tuple[str, str]:
    """Post ``payload`` to ``slack_id``'s DM with the bot; returns (channel, ts).

    ("", "") when Slack refuses (logged): a DM usually follows a change that is already
    saved, and the rest of its aftermath (the other person, the Home tabs) must still happen.
    """
    if not slack_id:  # a forged payload named nobody: there is no one to tell
        return "", ""
    try:
        channel = str(client.conversations_open(users=slack_id)["channel"]["id"])
        response = client.chat_postMessage(channel=channel, **payload)
    except SlackApiError:
        logger.exception("Failed to send a DM")
        return "", ""
    return channel, str(response["ts"])


def tell_clicker(
    client: WebClient, body: dict[str, Any], respond: Respond | None, payload: dict[str, Any]
) -> None:
    """Answer the person who clicked, privately: in place under a message, by DM from a view."""
    if respond is not None and body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, **payload)
    else:
        send_dm(client, parse_click(body).user_id, payload)
