"""Requests, conversations, sessions, follow-ups and the sunset.

Every button carries IDs only; each listener re-checks in the database who may do
what (``bot.conversations`` raises when a click is stale or someone else's) and
answers the clicker privately when nothing changed. Content (questions, agendas,
follow-ups, comments) is never logged.

Split by stage: ``requests``, ``sessions`` and ``sunset`` hold module-level listeners
(their ``Deps`` come from Bolt's context) and a ``register`` routing table each;
``common`` holds what they share. Each listener parses, calls one use case of
``bot.flows`` and hands what it wrote to the outbox to ``handlers.deliver``.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.conversations import requests, sessions, sunset
from handlers.conversations.requests import open_request_modal
from handlers.conversations.sessions import agenda, followup

__all__ = ["agenda", "followup", "open_request_modal", "register"]


def register(app: App) -> None:
    """Actions and views of the conversation surface (``Deps`` reach them via the context)."""
    requests.register(app)
    sessions.register(app)
    sunset.register(app)
