"""What Slack would render live in what the app sent: mentions, broadcasts, links.

Slack parses ``<…>`` in mrkdwn text objects and in a message's top-level ``text``:
``<!here>`` notifies a channel, ``<@U…>`` a person, ``<https://…|label>`` is a
disguised link. The app may only send the ones it builds itself: mentions of known
people and ``<!date^…>`` timestamps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from tests.fakeslack import MESSAGE_METHODS, Call

# What the bot builds: a mention from a validated ID, or a date Slack localises.
BOT_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
BOT_DATE = re.compile(r"<!date\^\d+\^\{[a-z_]+\}(?: at \{time\})?\|[^<>|]*>")


def mrkdwn_texts(params: dict[str, Any], *, message: bool) -> Iterator[str]:
    """Every string Slack would parse as mrkdwn in one call's parameters."""
    if message and isinstance(params.get("text"), str):
        yield params["text"]  # the fallback: notifications and screen readers

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
                yield value["text"]
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for key in ("blocks", "view"):
        yield from walk(params.get(key))


def live_markup(text: str, allowed_ids: Iterable[str]) -> list[str]:
    """The ``<…>`` tokens in ``text`` that the bot did not build (empty when all is well)."""
    allowed = set(allowed_ids)
    rest = BOT_DATE.sub("", text)
    rest = BOT_MENTION.sub(lambda m: "" if m.group(1) in allowed else m.group(0), rest)
    return re.findall(r"<[^<]{0,40}", rest)


def foreign_markup(calls: Iterable[Call], allowed_ids: Iterable[str]) -> list[str]:
    """Live markup in any call that the bot did not build itself, as ``method: token``."""
    allowed = set(allowed_ids)
    found = []
    for call in calls:
        for text in mrkdwn_texts(call.params, message=call.method in MESSAGE_METHODS):
            found += [f"{call.method}: {token}" for token in live_markup(text, allowed)]
    return found
