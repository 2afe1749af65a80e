"""Ask Slack for the time zone of someone the directory has none for (CSV-only people).

Called after the ack, before anything shows a time or reads one: ``users.info`` (Tier 4)
once per person, the answer kept on them by a use case. When Slack cannot say, nothing
changes and times count as UTC, as before.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Deps
from bot.errors import MentorbotError
from bot.flows import zones

logger = logging.getLogger(__name__)


def ensure_zone(deps: Deps, client: WebClient, slack_id: str) -> None:
    """Give ``slack_id`` their Slack time zone if the directory has none for them."""
    if not slack_id or not zones.needs_zone(deps, slack_id):
        return
    try:
        user = client.users_info(user=slack_id).get("user") or {}
    except SlackApiError as exc:
        logger.warning("users.info gave no time zone: %s", exc.response.get("error"))
        return
    zone = zones.valid_zone(user.get("tz") if isinstance(user, dict) else None)
    if zone is None:
        return
    try:
        zones.store_zone(deps, slack_id, zone)
    except MentorbotError:  # busy: the next time asks again
        logger.warning("Could not keep a time zone (busy)")
