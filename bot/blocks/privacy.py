"""What `/mentor export` and `/mentor forget-me` show: the confirmation of forgetting says
exactly what goes and what stays."""

from __future__ import annotations

from typing import Any

from bot.blocks.common import context, header, plain, section
from bot.blocks.payload import as_form
from bot.blocks.requests import modal
from bot.ids import BlockId, CallbackId

EXPORT_SENT = (
    ":package: Your data is on its way to our DM as a file ({rows} records, JSON). It is "
    "everything mentorbot stores about you, including what you wrote."
)
EXPORT_NOTHING = "mentorbot stores nothing about you: there is nothing to export."
EXPORT_COMMENT = "Everything mentorbot stores about you (from `/mentor export`)."
EXPORT_FAILED = (
    "I couldn't send the file just now. Nothing about you changed; please try "
    "`/mentor export` again in a minute."
)
FORGET_NOTHING = "mentorbot stores nothing about you: there is nothing to forget."

GOES = (
    "*What goes, at once and for good*\n"
    "• your directory entry: name, email, area, title, level, manager link, location, "
    "time zone, what you'd like to learn\n"
    "• your mentor offer, your transitions, your list of connections\n"
    "• everything you wrote: the questions and context of your requests, your answers, "
    "agendas, follow-up actions, ratings and comments, notes of meetings you logged\n"
    "• messages waiting to be sent to you or naming you"
)
STAYS = (
    "*What stays*\n"
    "• the other person of each of your conversations keeps their own words and counts "
    "the connection, anonymously (your name is gone)\n"
    "• the programme's counts, with no name (a conversation happened in a week)\n"
    "• messages already in Slack: delete those in Slack itself\n"
    "• if your company's HR export or Slack lists you again, your directory entry may come "
    "back, without any of this history"
)


UNDERSTOOD = "understood"
NOT_UNDERSTOOD = "Tick this to confirm: nothing can be brought back afterwards."


def parse_forget_submission(values: object) -> dict[str, str]:
    """Field errors for the confirmation: empty when the person ticked that they understand."""
    form = as_form(values)
    chosen = form.options(BlockId.FORGET_UNDERSTOOD, most=1)
    if form.errors:
        return form.errors
    return {} if chosen == [UNDERSTOOD] else {BlockId.FORGET_UNDERSTOOD: NOT_UNDERSTOOD}


def build_forget_modal() -> dict[str, Any]:
    return modal(
        CallbackId.FORGET_ME_MODAL,
        "Forget me",
        [
            section(
                ":warning: *This deletes your mentoring data. It cannot be undone.* "
                "Want a copy first? Cancel and run `/mentor export`."
            ),
            section(GOES),
            section(STAYS),
            context(
                "Nobody is told. A conversation in progress stays with the other person, "
                "without your name."
            ),
            {
                "type": "input",
                "block_id": BlockId.FORGET_UNDERSTOOD,
                "label": plain("Confirm"),
                "element": {
                    "type": "checkboxes",
                    "action_id": BlockId.FORGET_UNDERSTOOD,
                    "options": [
                        {
                            "text": plain("I understand my data is deleted for good"),
                            "value": UNDERSTOOD,
                        }
                    ],
                },
            },
        ],
        submit="Forget me",
        close="Cancel",
    )


def build_forgotten_view(forgotten: bool) -> dict[str, Any]:
    text = (
        "Done: mentorbot has deleted your data and everything you wrote. "
        "Thank you for having been part of Mentors on Call."
        if forgotten
        else FORGET_NOTHING
    )
    return modal(
        CallbackId.FORGET_ME_MODAL,
        "Forget me",
        [header("Forgotten" if forgotten else "Nothing stored"), section(text)],
        submit=None,
        close="Close",
    )
