"""The project's own exceptions. Handlers turn them into a kind ephemeral message."""

from __future__ import annotations

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
