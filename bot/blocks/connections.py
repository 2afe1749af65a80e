"""Messages of `/mentor met`: the confirmation request, its answers and its lapse.

Pure builders: data in, Block Kit out. The note belongs to both people, so the other
person sees it too; nobody else does.
"""

from __future__ import annotations

from typing import Any

from bot.blocks.common import actions, button, clip, context, mention, message, quote, section
from bot.blocks.progress import slack_day
from bot.connections import MET_LAPSE_DAYS, MetAnswer, MetRequest
from bot.ids import ActionId

NOTE_SHOWN = 500


def _note(note: str) -> str:
    return "\n" + quote(clip(note.strip(), NOTE_SHOWN)) if note.strip() else ""


def build_met_confirmation_request(request: MetRequest) -> dict[str, Any]:
    """The DM asking the other person to confirm a logged meeting."""
    text = (
        f"{mention(request.logger_slack_id)} logged meeting you and would like it to count as a "
        f"connection for both of you.{_note(request.note)}"
    )
    blocks = [
        section(text),
        actions(
            button("Confirm", ActionId.MET_CONFIRM, str(request.met_id), style="primary"),
            button("Not me", ActionId.MET_DECLINE, str(request.met_id)),
        ),
        context(
            "Only the two of you see this. Unanswered, it lapses on "
            f"{slack_day(request.lapses_at)} ({MET_LAPSE_DAYS} days)."
        ),
    ]
    return message(f"{mention(request.logger_slack_id)} logged meeting you: confirm?", blocks)


def build_met_logged(request: MetRequest) -> dict[str, Any]:
    """The logger's ephemeral answer: sent for confirmation."""
    text = (
        f":outbox_tray: I've asked {mention(request.other_slack_id)} to confirm you met. It counts "
        "for both of you as soon as they do; unanswered, it lapses on "
        f"{slack_day(request.lapses_at)}."
    )
    return message(text, [section(text)])


def build_met_answered_for_other(answer: MetAnswer) -> dict[str, Any]:
    """Replaces the confirmation request once the other person answered (or it lapsed)."""
    if answer.lapsed:
        text = _lapsed_text(answer.logger_slack_id)
    elif answer.confirmed:
        text = (
            f":white_check_mark: Confirmed: {mention(answer.logger_slack_id)} is a connection for "
            f"both of you.{_note(answer.note)}"
        )
    else:
        text = (
            f"Thanks, noted: you didn't meet {mention(answer.logger_slack_id)}, so nothing was "
            "counted. I'll let them know kindly."
        )
    return message(text, [section(text)])


def build_met_answered_for_logger(answer: MetAnswer) -> dict[str, Any]:
    """The DM telling the logger how the other person answered."""
    if answer.confirmed:
        extra = " That's a new connection for both of you." if answer.new_for_logger else ""
        text = f":tada: {mention(answer.other_slack_id)} confirmed you met.{extra}"
        hint = "See where you stand with `/mentor progress` or on my Home tab."
    else:
        text = (
            f"{mention(answer.other_slack_id)} didn't recognise the meeting you logged, so it "
            "wasn't counted. No harm done: maybe it was someone else?"
        )
        hint = "You can log it again with `/mentor met @person`, mentioning the right person."
    return message(text, [section(text), context(hint)])


def build_met_lapsed(request: MetRequest) -> dict[str, Any]:
    """Replaces the confirmation request when it lapsed unanswered."""
    text = _lapsed_text(request.logger_slack_id)
    return message(text, [section(text)])


def _lapsed_text(logger_slack_id: str) -> str:
    return (
        f"This request from {mention(logger_slack_id)} lapsed after {MET_LAPSE_DAYS} days "
        "without an answer, so it wasn't counted. If you did meet, either of you can log it "
        "again with `/mentor met @person`."
    )
