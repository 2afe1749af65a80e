"""What a use case asks to be said in Slack: pure values, written to the outbox.

A use case returns effects; it never sends them. Each carries a stable idempotency
``key`` naming the business event and its audience (``request:42:to-mentor``), so
the same effect written twice (a retried job, two schedulers) is delivered once.
``handlers/deliver.py`` turns the stored rows into Slack calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_KEY_LENGTH = 200
NUDGE_KIND_PREFIX = "nudge-"  # the outbox kind of every check-in starts so


@dataclass(frozen=True, kw_only=True)
class _Effect:
    """Common to every effect: its key, its priority and its sending window.

    Args:
        key: stable idempotency key; the outbox keeps one row per key.
        priority: higher goes first among due rows (a reply before a digest).
        not_before: do not send earlier (working hours, a reminder); None: now.
        not_after: not worth sending any later (skipped then); None: no limit.
        then: effects owed once this one is in Slack (written in the transaction that
            records it sent): "your request reached them" only after it did.
        otherwise: effects owed if Slack refuses this one for good or it is skipped (the
            pair's agenda by DM when their group DM cannot be opened).
    """

    key: str
    priority: int = 0
    not_before: datetime | None = None
    not_after: datetime | None = None
    then: tuple[Effect, ...] = ()
    otherwise: tuple[Effect, ...] = ()

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
    """A message in the group DM of several people and the bot (a mentee and mentor).

    Its outbox row is kept when old rows are purged: it opens the pair's group DM (later
    messages go where it went) and it is their card, updated in place (``target``)."""

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
    """Replace a message the bot posted earlier (a request card once answered).

    Either ``target``, the key of the outbox row that posted it (its channel and ts are
    looked up when this is sent; skipped if that message never reached Slack, or if a
    newer update of the same message was written since: the newest wins, whatever order
    they are sent in), or the ``channel`` and ``ts`` themselves.
    """

    text: str
    blocks: tuple[dict[str, Any], ...] = field(default=())
    target: str = ""
    channel: str = ""
    ts: str = ""

    KIND = "update"
    METHOD = "chat.update"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.target and not (self.channel and self.ts):
            raise ValueError("an update names its target row or its channel and ts")

    @property
    def recipient(self) -> str:
        """The channel, or the target row's key (the updates of one message share it)."""
        return self.channel or self.target

    def payload(self) -> dict[str, Any]:
        where = {"target": self.target} if self.target else {"ts": self.ts}
        return {**where, **_message(self.text, self.blocks)}


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


@dataclass(frozen=True, kw_only=True)
class RefreshHome(_Effect):
    """Re-publish a person's App Home tab, rendered from the database when it is sent (so
    several changes in a row publish what is true then, not what was true at each)."""

    user_id: str

    KIND = "home"
    METHOD = "views.publish"

    @property
    def recipient(self) -> str:
        return self.user_id

    def payload(self) -> dict[str, Any]:
        return {}


def refresh_homes(cause: str, *slack_ids: str | None) -> tuple[RefreshHome, ...]:
    """One Home refresh per person named (once each, none for a missing ID), keyed by the
    ``cause`` (a business event key): the same event refreshes a Home once."""
    return tuple(
        RefreshHome(key=f"home:{slack_id}:{cause}"[:MAX_KEY_LENGTH], user_id=slack_id)
        for slack_id in dict.fromkeys(s for s in slack_ids if s)
    )


@dataclass(frozen=True, kw_only=True)
class Nudge(_Effect):
    """A check-in DMed to one person. Its reason is checked again and its message rendered
    from the database when it is sent (skipped if the reason went away): ``bot.nudges``."""

    user_id: str
    nudge_kind: str  # NUDGE_KIND_PREFIX + the check-in ("nudge-agenda")

    METHOD = "chat.postMessage"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not is_nudge(self.nudge_kind):
            raise ValueError(f"a nudge's kind starts with {NUDGE_KIND_PREFIX}")

    @property
    def kind(self) -> str:
        return self.nudge_kind

    @property
    def recipient(self) -> str:
        return self.user_id

    def payload(self) -> dict[str, Any]:
        return {}


def is_nudge(kind: str) -> bool:
    """Whether an outbox kind is a check-in's."""
    return kind.startswith(NUDGE_KIND_PREFIX)


Effect = (
    DirectMessage | GroupMessage | PostToChannel | UpdateMessage | PublishHome | RefreshHome | Nudge
)


def _parts(message: Mapping[str, Any]) -> dict[str, Any]:
    """A builder's ``{"text", "blocks"}`` as an effect's fields."""
    return {"text": str(message["text"]), "blocks": tuple(message.get("blocks") or ())}


def dm(key: str, user_id: str, message: Mapping[str, Any], **options: Any) -> DirectMessage:
    """A builder's message, DMed to ``user_id``."""
    return DirectMessage(key=key, user_id=user_id, **_parts(message), **options)


def update(
    key: str, message: Mapping[str, Any], *, target: str = "", channel: str = "", ts: str = ""
) -> UpdateMessage:
    """A builder's message replacing an earlier one (by its outbox ``target``, or where)."""
    return UpdateMessage(key=key, target=target, channel=channel, ts=ts, **_parts(message))


def to_pair(
    key: str, pair: tuple[str, str], message: Mapping[str, Any], *, channel: str | None
) -> tuple[Effect, ...]:
    """A message for both of a pair: in their group DM when it is known (``channel``),
    else, or if Slack refuses it there, in each one's DM."""
    each = tuple(dm(f"{key}:dm:{user}", user, message) for user in dict.fromkeys(pair))
    if not channel:
        return each
    return (PostToChannel(key=key, channel=channel, otherwise=each, **_parts(message)),)


def welcome_pair(key: str, pair: tuple[str, str], message: Mapping[str, Any]) -> GroupMessage:
    """The first message of a pair: it opens their group DM with the bot (each gets it by
    DM if Slack refuses that); later messages go where it went (``to_pair``)."""
    each = tuple(dm(f"{key}:dm:{user}", user, message) for user in dict.fromkeys(pair))
    return GroupMessage(key=key, user_ids=pair, otherwise=each, **_parts(message))
