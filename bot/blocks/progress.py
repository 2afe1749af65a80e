"""Progress toward a connection goal: the `/mentor progress` answer and the Home's progress part.

Pure builders: data in, Block Kit out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.blocks.common import (
    Block,
    button,
    context,
    divider,
    escape,
    header,
    mention,
    message,
    plural,
    section,
)
from bot.blocks.conversations import build_request_status_lines
from bot.connections import MetRequest
from bot.home import ProgressState
from bot.ids import ActionId, request_button_value
from bot.progress import NEWCOMER, GoalProgress, NextPerson, Progress, progress_bar

MESSAGE_BLOCK_BUDGET = 50
MAX_WAITING_LINES = 5

NO_GOAL = (
    "The ten-connection goal is for your first six months. Starting something new, like "
    "supervising for the first time, a new discipline or working overseas? Mark it under "
    "*Starting something new?* on the Home tab for a fresh, smaller goal."
)
NO_SUGGESTIONS = (
    "No new suggestions right now: everyone who fits is busy, paused or already a "
    "connection. Try `/mentor find &lt;topic&gt;` with what you'd like to learn."
)


def goal_title(goal: GoalProgress) -> str:
    if goal.kind == NEWCOMER:
        first = "six months" if 181 <= goal.window.days <= 184 else plural(goal.window.days, "day")
        return f"{plural(goal.goal, 'connection')} in your first {first}"
    return (
        f"{goal.label.capitalize()}: {plural(goal.goal, 'connection')} "
        f"in {plural(goal.window.days, 'day')}"
    )


def pace_text(goal: GoalProgress) -> str:
    if goal.reached:
        return ":tada: goal reached"
    return ":white_check_mark: on pace" if goal.pace.on_pace else f":seedling: {goal.pace.label}"


def goal_blocks(goal: GoalProgress) -> list[Block]:
    """A goal's visual bar, count, days left, pace and how many are outside your area."""
    bar = f"`{progress_bar(goal.count, goal.goal)}`  *{goal.count} of {goal.goal}*"
    days = f"{plural(goal.days_left, 'day')} left"
    facts = [pace_text(goal), days]
    if goal.count:
        facts.append(f"{goal.outside_area} of {goal.count} outside your area")
    blocks = [
        section(f"*{goal_title(goal)}*\n{bar}"),
        context(" · ".join(facts)),
    ]
    if goal.reached:
        blocks.append(
            context("Every extra connection still broadens your network: keep going if you like.")
        )
    return blocks


def totals_text(progress: Progress) -> str:
    return (
        f"You have *{plural(progress.total, 'connection')}* in all, "
        f"{progress.outside_area_total} outside your area."
    )


def progress_blocks(progress: Progress) -> list[Block]:
    """Each running goal, or the totals and how to start a goal when none is running."""
    if not progress.goals:
        return [section(totals_text(progress)), context(NO_GOAL)]
    blocks: list[Block] = []
    for goal in progress.goals:
        blocks += goal_blocks(goal)
    return blocks


def suggestion_blocks(suggestions: Sequence[NextPerson], *, title: str) -> list[Block]:
    """Who to ask next, each with a "Request a conversation" button."""
    if not suggestions:
        return [section(f"*{title}*"), context(NO_SUGGESTIONS)]
    blocks = [section(f"*{title}*")]
    for person in suggestions:
        blocks.append(
            section(
                f"{mention(person.slack_id)} — {escape(person.why)}",
                accessory=button(
                    "Request a conversation",
                    ActionId.REQUEST_CONVERSATION,
                    request_button_value(person.slack_id, person.topic),
                ),
            )
        )
    return blocks


def waiting_lines(slack_id: str, waiting: Sequence[MetRequest]) -> list[str]:
    """Logged meetings still waiting, from ``slack_id``'s point of view."""
    lines = []
    for request in waiting[:MAX_WAITING_LINES]:
        if request.logger_slack_id == slack_id:
            lines.append(
                f":hourglass_flowing_sand: Waiting for {mention(request.other_slack_id)} to "
                f"confirm you met (until {slack_day(request.lapses_at)})."
            )
        else:
            lines.append(
                f":wave: {mention(request.logger_slack_id)} logged meeting you: press *Confirm* in "
                "my message to count it for both of you."
            )
    if len(waiting) > MAX_WAITING_LINES:
        lines.append(f"…and {len(waiting) - MAX_WAITING_LINES} more waiting.")
    return lines


def build_progress(view: ProgressState, *, request_status: Sequence[Block] = ()) -> dict[str, Any]:
    """The ephemeral `/mentor progress` answer; ``request_status`` shows open requests."""
    progress = view.progress
    blocks: list[Block] = [header("Your connections"), *progress_blocks(progress)]
    if progress.goals:
        blocks.append(context(totals_text(progress)))
    lines = waiting_lines(view.slack_id, view.waiting)
    if lines:
        blocks.append(context("\n".join(lines)))
    tail = [divider(), *suggestion_blocks(view.suggestions, title="Who to ask next")]
    request_status = (
        build_request_status_lines(view.conversations) if view.conversations is not None else []
    )
    room = MESSAGE_BLOCK_BUDGET - len(blocks) - len(tail) - 1
    if request_status and room > 0:
        blocks.append(divider())
        blocks += list(request_status[:room])
    blocks += tail
    return message(_fallback(progress), blocks[:MESSAGE_BLOCK_BUDGET])


def _fallback(progress: Progress) -> str:
    goal = progress.primary
    if goal is None:
        return f"You have {plural(progress.total, 'connection')}."
    return f"{goal.count} of {plural(goal.goal, 'connection')}, {goal.pace.label}."


def slack_day(moment: datetime) -> str:
    """A date Slack shows in the reader's own locale and time zone, with a UTC fallback."""
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{moment:%Y-%m-%d}>"
