"""The project's own exceptions. Handlers turn them into a kind ephemeral message."""

from __future__ import annotations

from collections.abc import Collection

from bot.blocks.common import mention


class MentorbotError(Exception):
    """Something the person can fix or should know; ``str(exc)`` is shown to them as is.

    It is mrkdwn: people as ``mention(id)``, and anything a person typed ``escape``d.
    """


class NotInDirectory(MentorbotError):
    """The person using the bot is not in the directory yet."""

    def __init__(self, slack_id: str) -> None:
        super().__init__(
            f"{mention(slack_id)}, you're not in the mentoring directory yet. People are added "
            "from the HR export by the programme coordinators (or at the next directory "
            "sync); ask a coordinator to add you, then try again."
        )
        self.slack_id = slack_id


def told(exc: MentorbotError, coordinators: Collection[str]) -> str:
    """What to tell the person about ``exc``: someone not in the directory also learns who
    the coordinators are (as mentions, so they can message them at once)."""
    text = str(exc)
    if isinstance(exc, NotInDirectory) and coordinators:
        who = ", ".join(mention(c) for c in sorted(coordinators))
        text += f" The programme coordinators: {who}."
    return text
