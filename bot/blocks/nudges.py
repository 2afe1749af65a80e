"""Check-in messages: short, kind, each with a button that leads straight to the action.

Every button is one the rest of the bot already answers (the agenda and follow-up forms,
Accept / More info / Pass / Decline, Confirm / Not me, Done, Request a conversation), so a
click from a check-in goes through the same checks as anywhere else. Pure builders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    context,
    escape,
    header,
    mention,
    message,
    quote,
    section,
)
from bot.blocks.conversations import when
from bot.blocks.progress import slack_day, suggestion_blocks
from bot.blocks.requests import request_answer_blocks
from bot.conversations import RequestSnapshot
from bot.ids import ActionId, BlockId
from bot.progress import NextPerson

FOOTER = (
    "A gentle check-in from Mentors on Call: at most one a day, in your working hours. "
    "`/mentor mute` pauses them."
)
ACTION_SHOWN = 300  # characters of an action item's text in a reminder


def _checkin(text: str, blocks: list[Block]) -> dict[str, Any]:
    return message(text, [*blocks, context(FOOTER)])


@dataclass(frozen=True)
class WelcomeView:
    slack_id: str
    goal: int | None  # connections to aim for (newcomers); None: no goal running
    goal_ends: date | None = None


def build_welcome(view: WelcomeView) -> dict[str, Any]:
    """What the programme is, Find a mentor, the Home, "I'd like to learn about…", and a
    newcomer's connection goal."""
    blocks: list[Block] = [
        header("Welcome to Mentors on Call"),
        section(
            "Mentors on Call connects you with someone *outside your own area* for short "
            "conversations: bring two or three specific questions, talk one to three times, "
            "and post what you'll do next. You own it, and it's always your choice."
        ),
    ]
    if view.goal:
        by = f" (by {slack_day(_noon(view.goal_ends))})" if view.goal_ends else ""
        blocks.append(
            section(
                f":seedling: You're new here: aim for *{view.goal} different connections* in "
                f"your first months{by}. Every conversation, and every coffee you log with "
                "`/mentor met`, counts."
            )
        )
    blocks += [
        actions(
            button("Find a mentor", ActionId.HOME_FIND_MENTOR, "find", style="primary"),
            button("Open the Home", ActionId.NUDGE_OPEN_HOME, "home"),
        ),
        section(
            "*What would you like to learn about?* Tell me, and I'll suggest people who offer it.",
            accessory=button("I'd like to learn about…", ActionId.HOME_LEARNING, "learning"),
            block_id=BlockId.HOME_LEARNING,
        ),
    ]
    return _checkin("Welcome to Mentors on Call", blocks)


@dataclass(frozen=True)
class SessionView:
    conversation_id: int
    other_slack_id: str  # the mentor
    scheduled_at: datetime | None
    tz: str | None


def build_agenda_reminder(view: SessionView) -> dict[str, Any]:
    """A session soon, with no agenda yet → the mentee."""
    moment = f" {when(view.scheduled_at, view.tz)}" if view.scheduled_at else " soon"
    text = (
        f"Your conversation with {mention(view.other_slack_id)} is{moment} and has no agenda "
        "yet. Two or three specific questions help you both make the most of it."
    )
    button_ = button(
        "Post the agenda", ActionId.OPEN_AGENDA, str(view.conversation_id), style="primary"
    )
    return _checkin("Your next conversation has no agenda yet", [section(text), actions(button_)])


def build_followup_reminder(view: SessionView) -> dict[str, Any]:
    """A day after a session, no follow-ups yet → the mentee."""
    text = (
        f"How did your conversation with {mention(view.other_slack_id)} go? Posting the "
        "follow-up actions, what each of you will do next, keeps it moving."
    )
    button_ = button(
        "Post follow-ups", ActionId.OPEN_FOLLOWUP, str(view.conversation_id), style="primary"
    )
    return _checkin("Time to post the follow-ups", [section(text), actions(button_)])


@dataclass(frozen=True)
class ActionView:
    action_id: int
    text: str
    due: date
    other_slack_id: str
    overdue: bool


def build_action_reminder(view: ActionView) -> dict[str, Any]:
    """An action due tomorrow, or past its date → its owner."""
    shown = quote(escape(view.text[:ACTION_SHOWN]))
    if view.overdue:
        lead = (
            f"This action from your conversation with {mention(view.other_slack_id)} was due "
            f"on {view.due.isoformat()}. If it's done, tick it off; if plans changed, that's "
            "fine too."
        )
        title = "A follow-up action is past its date"
    else:
        lead = (
            f"This action from your conversation with {mention(view.other_slack_id)} is due "
            "tomorrow."
        )
        title = "A follow-up action is due tomorrow"
    done = button("Done", ActionId.ACTION_DONE, str(view.action_id), style="primary")
    return _checkin(title, [section(f"{lead}\n{shown}"), actions(done)])


def build_request_reminder(request: RequestSnapshot) -> dict[str, Any]:
    """A request unanswered for three days → its mentor, with the answers in the message."""
    lead = (
        f"{mention(request.mentee_slack_id)}'s request has been waiting a few days. Any "
        "answer helps them, a kind decline too."
    )
    blocks = [section(lead), *request_answer_blocks(request, block_id="nudge_request")]
    return _checkin("A mentoring request is waiting for you", blocks)


@dataclass(frozen=True)
class SilentView:
    conversation_id: int
    other_slack_id: str  # the mentor
    last_seen: datetime


def build_silent_checkin(view: SilentView) -> dict[str, Any]:
    """An active conversation quiet for three weeks → the mentee, kindly."""
    cid = str(view.conversation_id)
    text = (
        f"It's been a while since anything happened with {mention(view.other_slack_id)} "
        f"(since {slack_day(view.last_seen)}). Ready for the next conversation? Or, if you "
        "have what you needed, close it with a thank-you: both are good outcomes."
    )
    buttons = actions(
        button("Plan the next conversation", ActionId.OPEN_AGENDA, cid, style="primary"),
        button("Close it", ActionId.CLOSE_EARLY, cid),
    )
    return _checkin("How is your mentoring conversation going?", [section(text), buttons])


@dataclass(frozen=True)
class PaceView:
    count: int
    goal: int
    rhythm: str  # "about one every 2–3 weeks keeps you on track"
    suggestions: Sequence[NextPerson]


def build_pace_checkin(view: PaceView) -> dict[str, Any]:
    """A newcomer behind pace: where they stand, said as a rhythm, and three people to ask."""
    text = (
        f"You've made {view.count} of your {view.goal} connections so far: {view.rhythm}. "
        "A short conversation with someone outside your area is a good start."
    )
    blocks: list[Block] = [section(text)]
    if view.suggestions:
        blocks += suggestion_blocks(view.suggestions[:3], title="People you could ask")
    else:
        blocks.append(actions(button("Find a mentor", ActionId.HOME_FIND_MENTOR, "find")))
    return _checkin("Three people you could talk to", blocks)


@dataclass(frozen=True)
class MetView:
    met_id: int
    logger_slack_id: str
    logged_on: datetime


def build_met_checkin(view: MetView) -> dict[str, Any]:
    """A logged meeting unconfirmed for three days → the other person, once."""
    text = (
        f"{mention(view.logger_slack_id)} logged meeting you on {slack_day(view.logged_on)} "
        "and would like it to count as a connection for both of you. Did you meet?"
    )
    value = str(view.met_id)
    buttons = actions(
        button("Confirm", ActionId.MET_CONFIRM, value, style="primary"),
        button("Not me", ActionId.MET_DECLINE, value),
    )
    return _checkin(f"{mention(view.logger_slack_id)} logged meeting you", [section(text), buttons])


def _noon(day: date) -> datetime:
    from datetime import UTC, time

    return datetime.combine(day, time(12), tzinfo=UTC)


# --- mute, on the Home and by command ----------------------------------------------------


def mute_blocks(muted: bool, until: date | None) -> list[Block]:
    """The Home's check-in toggle."""
    if muted:
        until_text = f" until {until.isoformat()}" if until else ""
        text = (
            f":no_bell: *Check-ins are muted{until_text}.* Answers to your own actions still come."
        )
        label, value = "Unmute check-ins", "unmute"
    else:
        text = ":bell: *Check-ins:* at most one a day, in your working hours, only when one helps."
        label, value = "Mute check-ins", "mute"
    return [
        section(
            text,
            accessory=button(label, ActionId.HOME_MUTE_TOGGLE, value),
            block_id=BlockId.HOME_MUTE,
        )
    ]


def build_mute_changed(muted: bool, until: date | None) -> dict[str, Any]:
    """The answer to `/mentor mute` / `unmute` (or the Home's toggle)."""
    if muted and until:
        text = (
            f":no_bell: Check-ins are muted until {until.isoformat()}. Answers to your own "
            "actions still come. `/mentor unmute` turns them back on sooner."
        )
    elif muted:
        text = (
            ":no_bell: Check-ins are muted until you `/mentor unmute`. Answers to your own "
            "actions still come."
        )
    else:
        text = ":bell: Check-ins are on again: at most one a day, in your working hours."
    return message(text, [section(text)])


def build_open_home_answer() -> dict[str, Any]:
    """The welcome's "Open the Home": where it is."""
    text = (
        "Your Home is ready: it's the *Home* tab at the top of this conversation with me. "
        "It shows your conversations, your progress and who to ask next."
    )
    return message(text, [section(text)])
