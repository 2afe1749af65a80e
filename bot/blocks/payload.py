"""The one parser at the edge: parts of a Slack payload in, typed values out, the rest refused.

Buttons and modals carry what the bot wrote into them, and Slack sends form state in known
shapes. A signed request can still carry anything (a forged click, an old client, a bug), so
every listener reads its payload through here: IDs are ASCII digits within range, Slack user
IDs look like Slack's, texts are no longer than their modal allows, dates are real and inside
a sane window, and every other shape is refused with a kind sentence (``Refused``), never
an exception the person would see as "something went wrong".
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from bot.errors import MentorbotError

# PostgreSQL's INTEGER: the largest ID either database hands out to a row of ours.
MAX_ID = 2**31 - 1
MAX_METADATA = 3000  # Slack's private_metadata limit
MAX_VALUE = 2000  # Slack's button value limit

_DIGITS = re.compile(r"[0-9]{1,10}")
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_TIME = re.compile(r"[0-9]{2}:[0-9]{2}")

STALE_BUTTON = "That button is out of date or not meant for you, so nothing was changed."
STALE_FORM = (
    "This form is out of date or could not be read, so nothing was changed. "
    "Please open it again from Slack."
)
UNREADABLE = "I couldn't read this field; please fill it in again."
NOT_AN_OPTION = "Choose one of the options."
PICK_A_DATE = "Pick a date from the calendar."
PICK_A_TIME = "Pick a time from the list."
PICK_A_PERSON = "Pick a colleague from the list."


class Refused(MentorbotError):
    """Input Slack would never send for this element: nothing was changed.

    ``errors`` maps block IDs to what is wrong (a modal shows them on its fields); without
    them the whole click or form is refused with the message.
    """

    def __init__(self, message: str = STALE_BUTTON, errors: Mapping[str, str] | None = None):
        super().__init__(message if not errors else "; ".join(errors.values()))
        self.errors = dict(errors or {})


# --- single values ---------------------------------------------------------------------------


def ident(raw: object) -> int | None:
    """A row ID: ASCII digits from 1 to MAX_ID; None for anything else ("²", "-1", 10**20)."""
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw):
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_ID else None


def require_id(raw: object, message: str = STALE_BUTTON) -> int:
    """``ident`` or ``Refused(message)``."""
    number = ident(raw)
    if number is None:
        raise Refused(message)
    return number


def idents(raw: object, count: int, message: str = STALE_BUTTON) -> tuple[int, ...]:
    """``count`` IDs joined by ":" (``"12:3"``), each as ``ident`` reads it, or ``Refused``."""
    parts = raw.split(":") if isinstance(raw, str) and len(raw) <= 64 else []
    numbers = tuple(ident(p) for p in parts)
    if len(numbers) != count or None in numbers:
        raise Refused(message)
    return tuple(n for n in numbers if n is not None)


def slack_user(raw: object) -> str | None:
    """A Slack user ID (``U012AB3CD``); None for anything else."""
    return raw if isinstance(raw, str) and _SLACK_USER.fullmatch(raw) else None


def json_object(raw: object) -> dict[str, Any] | None:
    """A JSON object of at most MAX_METADATA characters (private_metadata); None otherwise."""
    if not isinstance(raw, str) or len(raw) > MAX_METADATA:
        return None
    try:
        data = json.loads(raw)
    except ValueError:  # not JSON, or a number too long to convert
        return None
    return data if isinstance(data, dict) else None


def choice(raw: object, choices: Collection[str]) -> str | None:
    """``raw`` when it is one of ``choices``; None otherwise."""
    return raw if isinstance(raw, str) and raw in choices else None


def short_text(raw: object, max_length: int) -> str | None:
    """A string of at most ``max_length`` characters (not stripped); None otherwise."""
    return raw if isinstance(raw, str) and len(raw) <= max_length else None


# --- a click -----------------------------------------------------------------------------------


def _dict(raw: object) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def _str(raw: object, max_length: int = MAX_VALUE) -> str:
    return raw if isinstance(raw, str) and len(raw) <= max_length else ""


@dataclass(frozen=True)
class Click:
    """A ``block_actions`` payload, read: its first action, who clicked, and where.

    Parts Slack would never send read as "" (a value over 2000 characters, a user ID that
    is not one); the listener then refuses the click kindly.
    """

    user_id: str
    value: str
    selected: str  # a select's chosen option value
    trigger_id: str
    in_view: bool
    view_id: str
    view_hash: str
    metadata: str


def parse_click(body: Mapping[str, Any]) -> Click:
    actions = body.get("actions")
    action = _dict(actions[0]) if isinstance(actions, list) and actions else {}
    view = _dict(body.get("view"))
    container = _dict(body.get("container"))
    return Click(
        user_id=slack_user(_dict(body.get("user")).get("id")) or "",
        value=_str(action.get("value")),
        selected=_str(_dict(action.get("selected_option")).get("value")),
        trigger_id=_str(body.get("trigger_id"), 200),
        in_view=bool(view) or container.get("type") == "view",
        view_id=_str(view.get("id"), 64) or _str(container.get("view_id"), 64),
        view_hash=_str(view.get("hash"), 200),
        metadata=_str(view.get("private_metadata"), MAX_METADATA),
    )


# --- a modal submission ------------------------------------------------------------------------


@dataclass(frozen=True)
class DateWindow:
    """The dates a field accepts, and the sentence that says so."""

    earliest: date
    latest: date
    message: str


class Form:
    """A modal's ``state.values``, read field by field; problems are collected by block ID.

    Each input's action_id is its block_id; a block holding one element of another name is
    read too. A field whose shape Slack would never send (a list, a number for a text) is a
    field error, never an exception.
    """

    def __init__(self, values: object) -> None:
        self.readable = isinstance(values, dict)
        self._values: dict[str, Any] = values if isinstance(values, dict) else {}
        self.errors: dict[str, str] = {}

    def block_ids(self) -> list[str]:
        return list(self._values)

    def _element(self, block_id: str, action_id: str | None = None) -> dict[str, Any]:
        block = self._values.get(block_id)
        if block is None:
            return {}
        if isinstance(block, dict):
            element = block.get(action_id or block_id)
            if element is None and len(block) == 1:
                element = next(iter(block.values()))
            if element is None or isinstance(element, dict):
                return element or {}
        self.errors.setdefault(block_id, UNREADABLE)
        return {}

    def _part(self, block_id: str, key: str, action_id: str | None = None) -> object:
        return self._element(block_id, action_id).get(key)

    def text(self, block_id: str, *, max_length: int, action_id: str | None = None) -> str:
        """The typed text, stripped; over ``max_length`` (the modal's own limit) is an error."""
        raw = self._part(block_id, "value", action_id)
        if raw is None:
            return ""
        if not isinstance(raw, str):
            self.errors.setdefault(block_id, UNREADABLE)
            return ""
        if len(raw) > max_length:
            self.errors.setdefault(
                block_id, f"Keep this to {max_length} characters (it has {len(raw)})."
            )
            return ""
        return raw.strip()

    def option(self, block_id: str, choices: Collection[str] | None = None) -> str | None:
        """The chosen option's value (one of ``choices`` when given), or None."""
        raw = self._part(block_id, "selected_option")
        if raw is None:
            return None
        value = _dict(raw).get("value")
        if not isinstance(value, str) or len(value) > 150 or (choices and value not in choices):
            self.errors.setdefault(block_id, NOT_AN_OPTION)
            return None
        return value or None

    def options(self, block_id: str, *, most: int) -> list[str]:
        """The chosen options' values (a multi-select or checkboxes), at most ``most``."""
        raw = self._part(block_id, "selected_options")
        if raw is None:
            return []
        values = [_dict(o).get("value") for o in raw] if isinstance(raw, list) else [None]
        if len(values) > most or not all(isinstance(v, str) and len(v) <= 150 for v in values):
            self.errors.setdefault(block_id, NOT_AN_OPTION)
            return []
        return [str(v) for v in values]

    def user(self, block_id: str) -> str | None:
        """A picked user's Slack ID, or None."""
        raw = self._part(block_id, "selected_user")
        if raw is None or raw == "":
            return None
        picked = slack_user(raw)
        if picked is None:
            self.errors.setdefault(block_id, PICK_A_PERSON)
        return picked

    def day(self, block_id: str, window: DateWindow | None = None) -> date | None:
        """A picked date (YYYY-MM-DD), inside ``window`` when given, or None."""
        raw = self._part(block_id, "selected_date")
        if raw is None or raw == "":
            return None
        picked = None
        if isinstance(raw, str) and _ISO_DATE.fullmatch(raw):
            try:
                picked = date.fromisoformat(raw)
            except ValueError:
                picked = None
        if picked is None:
            self.errors.setdefault(block_id, PICK_A_DATE)
            return None
        if window is not None and not window.earliest <= picked <= window.latest:
            self.errors.setdefault(block_id, window.message)
            return None
        return picked

    def time(self, block_id: str) -> time | None:
        """A picked time (HH:MM), or None."""
        raw = self._part(block_id, "selected_time")
        if raw is None or raw == "":
            return None
        if isinstance(raw, str) and _ISO_TIME.fullmatch(raw):
            try:
                return time.fromisoformat(raw)
            except ValueError:
                pass
        self.errors.setdefault(block_id, PICK_A_TIME)
        return None

    def zone(self, block_id: str) -> str | None:
        """The time zone a time picker showed its time in (its ``timezone``), or None."""
        raw = self._part(block_id, "timezone")
        return raw if isinstance(raw, str) and 0 < len(raw) <= 64 else None

    def check(self) -> None:
        """Raise ``Refused`` when the form was unreadable or any field was."""
        if not self.readable:
            raise Refused(STALE_FORM)
        if self.errors:
            raise Refused(errors=self.errors)


def as_form(values: Form | object) -> Form:
    """``values`` as a Form (a parser may be handed raw ``state.values``)."""
    return values if isinstance(values, Form) else Form(values)


@dataclass(frozen=True)
class Submission:
    """A ``view_submission`` payload, read: who submitted, the metadata, the form."""

    user_id: str
    metadata: str  # "" when not a string or over Slack's 3000 characters
    form: Form


def parse_submission(body: Mapping[str, Any]) -> Submission:
    view = _dict(body.get("view"))
    return Submission(
        user_id=slack_user(_dict(body.get("user")).get("id")) or "",
        metadata=_str(view.get("private_metadata"), MAX_METADATA),
        form=Form(_dict(view.get("state")).get("values")),
    )
