"""The HTTP front door: verify Slack's signature on the raw bytes, then parse, then dispatch.

Nothing in a request is read, parsed or logged before its signature is checked: a
request that fails is answered 401 and logged as one short line, whatever its size or
shape. Only a verified body is parsed, by one parser that accepts exactly what Slack
sends (a form with a JSON-object ``payload``, a form of slash-command fields, or a JSON
object) and answers anything else kindly instead of failing inside Bolt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

logger = logging.getLogger(__name__)

# Slack's own requests are far smaller; a Home tab's block_actions with 100 blocks is the
# largest, well under 1 MiB even url-encoded. Anything larger is refused unread.
MAX_BODY_BYTES = 3 * 1024 * 1024
DRAIN_BYTES = 16 * 1024 * 1024
# Slack refuses requests older than five minutes; so do we, in both directions.
MAX_CLOCK_SKEW_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}", re.ASCII)

UNREADABLE = (
    "Sorry, mentorbot could not read that request from Slack, so nothing was done. "
    "Please try again; if it keeps happening, tell a programme coordinator."
)

UNHANDLED = "mentorbot does not handle this kind of request, so nothing was done."


@dataclass(frozen=True)
class Refusal:
    """Why a request was not verified: a short reason, safe to log (never the body)."""

    reason: str


def verify(
    *, secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> Refusal | None:
    """Check Slack's v0 signature over the raw bytes; None when the request is genuine."""
    if not timestamp or not _TIMESTAMP.fullmatch(timestamp):
        return Refusal("missing or malformed timestamp")
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return Refusal("timestamp outside five minutes")
    if not signature or not _SIGNATURE.fullmatch(signature):
        return Refusal("missing or malformed signature")
    expected = hmac.new(
        secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest("v0=" + expected, signature):
        return Refusal("signature does not match")
    return None


def parse_body(body: bytes, content_type: str) -> dict[str, Any] | None:
    """A verified body as Slack sends it, or None when it is not of Slack's shapes.

    Events come as a JSON object; slash commands as a form of fields; interactivity as
    a form whose ``payload`` is a JSON object. (Bolt's own parser guesses from the text,
    so a slash command whose text says "payload" was read as empty: we go by the form.)
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        return _json_object(text)
    if media_type == "application/x-www-form-urlencoded":
        try:
            fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=False))
        except ValueError:
            return None
        if "payload" in fields:
            return _json_object(fields["payload"])
        return fields if _well_formed(dict(fields)) else None
    return None


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) and _well_formed(value) else None


# What each top-level part of a payload is when Slack sends it; Bolt's routing and
# middleware read these before any listener runs, and fail on anything else.
_PART_TYPES: dict[str, tuple[type, ...]] = {
    "type": (str,),
    "user": (dict, str),
    "user_id": (str,),
    "team": (dict, str, type(None)),
    "team_id": (str,),
    "enterprise": (dict, str, type(None)),
    "enterprise_id": (str, type(None)),
    "api_app_id": (str,),
    "channel": (dict, str),
    "container": (dict,),
    "message": (dict,),
    "view": (dict,),
    "state": (dict,),
    "actions": (list,),
    "event": (dict,),
    "event_id": (str,),
    "authorizations": (list,),
    "callback_id": (str,),
    "trigger_id": (str,),
    "response_url": (str,),
}


def _well_formed(body: dict[str, Any]) -> bool:
    """Every part Bolt reads before a listener runs has the type Slack gives it."""
    for part, types in _PART_TYPES.items():
        if part in body and not isinstance(body[part], types):
            return False
    if isinstance(body.get("user"), dict) and not isinstance(body["user"].get("id"), str):
        return False
    if not all(isinstance(a, dict) for a in body.get("authorizations", [])):
        return False
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        return bool(actions) and all(
            isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions or []
        )
    if kind in ("view_submission", "view_closed"):
        view = body.get("view") or {}
        return isinstance(view.get("callback_id"), str) and isinstance(view.get("type"), str)
    if kind == "event_callback":
        event = body.get("event")
        return isinstance(event, dict) and isinstance(event.get("type"), str)
    return True


def read_body(read: Callable[[int], bytes], content_length: str | None) -> bytes | None:
    """Read at most MAX_BODY_BYTES from the WSGI input; None when the body is larger.

    A larger body is read on and thrown away (up to DRAIN_BYTES, never kept in memory) so
    that the sender gets its 401 instead of a connection reset.
    """
    declared = int(content_length) if content_length and content_length.isdecimal() else None
    limit = min(declared, DRAIN_BYTES) if declared is not None else DRAIN_BYTES
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = read(min(limit - size, 64 * 1024))
        if not chunk:
            break
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        else:
            chunks.clear()
    if size > MAX_BODY_BYTES or (declared is not None and declared > MAX_BODY_BYTES):
        return None
    return b"".join(chunks)


def log_refusal(refusal: Refusal, content_type: str, body: bytes | None) -> None:
    """One short line per refused request: the reason and the size, never the body."""
    logger.warning(
        "Refused a request to /slack/events: %s (content type %r, %s)",
        refusal.reason,
        content_type[:60],
        f"over {MAX_BODY_BYTES} bytes" if body is None else f"{len(body)} bytes",
    )
