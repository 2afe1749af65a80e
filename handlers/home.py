"""The App Home tab."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.context import Deps


def refresh_home(client: WebClient, deps: Deps, slack_id: str) -> None:
    """Re-publish ``slack_id``'s Home tab after anything it shows has changed."""


def register(app: App, deps: Deps) -> None:
    """`app_home_opened` and the Home tab's own buttons."""
