"""Events API listeners that belong to no single surface."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Deps


def register(app: App, deps: Deps) -> None:
    """Events such as `user_change` (directory) are registered by their own surface."""
