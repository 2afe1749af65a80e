"""What a use case asks to be said in Slack: pure values, written to the outbox.

A use case returns effects; it never sends them. Each carries a stable idempotency
``key`` naming the business event and its audience (``request:42:to-mentor``), so
the same effect written twice (a retried job, two schedulers) is delivered once.
``handlers/deliver.py`` turns the stored rows into Slack calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_KEY_LENGTH = 200


@dataclass(frozen=True, kw_only=True)
class _Effect:
    """Common to every effect: its key, its priority and its sending window.

    Args:
        key: stable idempotency key; the outbox keeps one row per key.
        priority: higher goes first among due rows (a reply before a digest).
        not_before: do not send earlier (working hours, a reminder); None: now.
        not_after: not worth sending any later (skipped then); None: no limit.
    """

    key: str
    priority: int = 0
    not_before: datetime | None = None
    not_after: datetime | None = None

    KIND = ""
    METHOD = ""

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > MAX_KEY_LENGTH:
            raise ValueError(f"an effect key must be 1-{MAX_KEY_LENGTH} characters")
        for moment in (self.not_before, self.not_after):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("an effect's sending window must be timezone-aware")

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def method(self) -> str:
        """The Slack Web API method that finally delivers it."""
        return self.METHOD

    @property
    def recipient(self) -> str:
        raise NotImplementedError

    def payload(self) -> dict[str, Any]:
        raise NotImplementedError


def _message(text: str, blocks: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text}
    if blocks:
        payload["blocks"] = list(blocks)
    return payload


@dataclass(frozen=True, kw_only=True)
class DirectMessage(_Effect):
    """A message in the DM between the bot and one person."""

    user_id: str
    text: str
    blocks: tuple[dict[str, Any], ...] = field(default=())

    KIND = "dm"
    METHOD = "chat.postMessage"

    @property
    def recipient(self) -> str:
        return self.user_id

    def payload(self) -> dict[str, Any]:
        return _message(self.text, self.blocks)


@dataclass(frozen=True, kw_only=True)
class GroupMessage(_Effect):
    """A message in the group DM of several people and the bot (a mentee and mentor)."""

    user_ids: tuple[str, ...]
    text: str
    blocks: tuple[dict[str, Any], ...] = field(default=())

    KIND = "group"
    METHOD = "chat.postMessage"

    @property
    def recipient(self) -> str:
        return ",".join(sorted(set(self.user_ids)))

    def payload(self) -> dict[str, Any]:
        return _message(self.text, self.blocks)


@dataclass(frozen=True, kw_only=True)
class PostToChannel(_Effect):
    """A message in a channel the bot is a member of (the coordinators' digest)."""

    channel: str
    text: str
    blocks: tuple[dict[str, Any], ...] = field(default=())

    KIND = "channel"
    METHOD = "chat.postMessage"

    @property
    def recipient(self) -> str:
        return self.channel

    def payload(self) -> dict[str, Any]:
        return _message(self.text, self.blocks)


@dataclass(frozen=True, kw_only=True)
class UpdateMessage(_Effect):
    """Replace a message the bot posted earlier (a request card once answered)."""

    channel: str
    ts: str
    text: str
    blocks: tuple[dict[str, Any], ...] = field(default=())

    KIND = "update"
    METHOD = "chat.update"

    @property
    def recipient(self) -> str:
        return self.channel

    def payload(self) -> dict[str, Any]:
        return {"ts": self.ts, **_message(self.text, self.blocks)}


@dataclass(frozen=True, kw_only=True)
class PublishHome(_Effect):
    """Publish a person's App Home tab."""

    user_id: str
    view: dict[str, Any]

    KIND = "home"
    METHOD = "views.publish"

    @property
    def recipient(self) -> str:
        return self.user_id

    def payload(self) -> dict[str, Any]:
        return {"view": self.view}


Effect = DirectMessage | GroupMessage | PostToChannel | UpdateMessage | PublishHome
