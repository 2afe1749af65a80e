"""The App Home tab."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Deps


def register(app: App, deps: Deps) -> None:
    """`app_home_opened` and the Home tab's own buttons."""
