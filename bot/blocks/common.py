"""Small building blocks shared by every surface."""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]

SECTION_TEXT_LIMIT = 3000
# A user ID as Slack issues them (U…, or W… on Enterprise Grid).
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and the word that goes with it: "1 conversation", "2 conversations"."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def mention(slack_id: str) -> str:
    """People are always shown as mentions so Slack renders their current name.

    Only a well-formed user ID becomes a mention; anything else is shown inert.
    """
    if SLACK_USER_ID.fullmatch(slack_id):
        return f"<@{slack_id}>"
    return escape(slack_id)


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters.

    Everything a person typed (a search, a topic, a note, a name from the HR export) goes
    through this before it is put into mrkdwn, so ``<!here>``, ``<@U…>`` and
    ``<https://…|label>`` show as typed instead of notifying or linking. ``plain_text``
    objects take the text as it is.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    """Someone's own words as a block quote: escaped, every line quoted (not just the first)."""
    return "\n".join(f">{line}" for line in escape(text).splitlines())


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_LIMIT)}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    style: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, 75), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if style is not None:
        element["style"] = style
    if url is not None:
        element["url"] = url
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message payload: ``text`` is the notification and accessibility fallback."""
    return {"text": clip(text, 3000), "blocks": blocks[:50]}
