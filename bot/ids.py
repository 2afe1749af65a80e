"""Every action_id, callback_id and block_id, defined once.

Builders and ``register()`` functions import these; a string literal ID anywhere
else is a bug waiting to happen. Each issue keeps to its own section.
"""

from __future__ import annotations

from enum import StrEnum

SLASH_COMMAND = "/mentor"


class ActionId(StrEnum):
    """Buttons, selects and other interactive elements."""

    # --- foundation / shared ---
    OPEN_HELP = "open_help"

    # --- directory, offers, matching (find / ask / offer / pause) ---
    REQUEST_CONVERSATION = "request_conversation"  # value: mentor's Slack user ID
    FIND_TOPIC = "find_topic"  # value: topic label

    # --- conversations (requests, sessions, follow-ups, sunset) ---

    # --- connections, progress, App Home ---


class CallbackId(StrEnum):
    """Modal ``callback_id``s."""

    # --- directory, offers, matching ---
    OFFER_MODAL = "offer_modal"

    # --- conversations ---
    REQUEST_MODAL = "request_modal"

    # --- connections, progress, App Home ---


class BlockId(StrEnum):
    """Input ``block_id``s (field errors are keyed by these)."""

    # --- directory, offers, matching ---

    # --- conversations ---

    # --- connections, progress, App Home ---


def request_button_value(mentor_slack_id: str, topic: str | None = None) -> str:
    """The value of a "Request a conversation" button: the mentor, and the topic searched."""
    return f"{mentor_slack_id}|{topic[:200]}" if topic else mentor_slack_id


def parse_request_button_value(value: str) -> tuple[str, str | None]:
    mentor, _, topic = value.partition("|")
    return mentor, (topic or None)
