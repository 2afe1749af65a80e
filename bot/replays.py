"""Slack may deliver the same request twice: each delivery counts once.

Events carry an ``event_id``; a slash command its ``trigger_id``; a click its ``trigger_id``
and ``action_ts``; a modal submission its view's ``id`` and ``hash`` (a view updated in
between is a new submission). Each becomes a key claimed once in the database (the
bookkeeping the housekeeping job purges after a week; Slack retries within minutes).

Events and clicks are claimed before any listener runs; a slash command by the ``/mentor``
router after its ack, so that acknowledging it never waits for the database. A submission is claimed
in the same transaction as what it saves: a submission refused with field errors leaves no
claim behind, so the corrected one goes through, and a replay of one that was saved finds
the claim and is answered as the first was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage.db import Busy, SessionFactory, write_unit
from storage.events import claim_event, delivery_key


class AlreadyHandled(Exception):
    """This delivery was handled before (a retry or a replay): do nothing again."""


def _text(value: Any) -> str | None:
    """A non-empty string field of a payload; None for anything else (forged shapes)."""
    return value if isinstance(value, str) and value else None


def listener_key(body: Any) -> str | None:
    """The key of an event, slash command or click; None for anything else.

    Modal submissions are not among them: they are claimed with what they save
    (``submission_key``).
    """
    if not isinstance(body, Mapping):
        return None
    if body.get("type") == "event_callback":
        return _text(body.get("event_id"))  # as Slack sends it (claim_event bounds its length)
    if "command" in body:
        trigger = _text(body.get("trigger_id"))
        return delivery_key("command", trigger) if trigger else None
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        action = actions[0] if isinstance(actions, list) and actions else None
        trigger = _text(body.get("trigger_id"))
        if not isinstance(action, Mapping) or trigger is None:
            return None
        parts = (trigger, _text(action.get("action_id")) or "", _text(action.get("action_ts")))
        return delivery_key("action", *(p or "" for p in parts))
    return None


def submission_key(body: Any) -> str | None:
    """The key of a modal submission: its view's ID and hash; None when it has no ID."""
    view = body.get("view") if isinstance(body, Mapping) else None
    if not isinstance(view, Mapping) or _text(view.get("id")) is None:
        return None
    return delivery_key("view", str(view["id"]), _text(view.get("hash")) or "")


CLAIM_WAIT = 2.0  # seconds; a claim never holds a person's click for longer


def claim_delivery(open_session: SessionFactory, key: str, *, now: datetime) -> bool:
    """Claim ``key`` in a transaction of its own; False when it was claimed before.

    When another process keeps the database locked past ``CLAIM_WAIT``, the delivery is
    handled unclaimed (True): its own use case then waits as briefly and says "busy"
    rather than leave the person with silence.
    """
    try:
        with write_unit(open_session, wait=CLAIM_WAIT) as session:
            return claim_event(key, session=session, now=now)
    except Busy:
        return True


def claim(session: Session, key: str | None, *, now: datetime) -> None:
    """Claim ``key`` in the caller's transaction; raise AlreadyHandled when it was claimed.

    Rolled back with the caller's work: a use case that refuses leaves no claim behind.
    """
    if key is not None and not claim_event(key, session=session, now=now):
        raise AlreadyHandled(key)
