"""Progress toward a connection goal, and pace: pure date maths, no database, no Slack.

Decisions (tested at the edges):

- A window is a run of whole calendar days in the person's own time zone, starting on
  its first day and *excluding* ``starts_on + days``: with the default 183 days, a
  connection made on day 0 (the start date) and on day 182 counts; on day 183 it does not.
- A person counts once, on the day the connection with them was *first* made (a session
  or a confirmed ``met``, whichever came first). Meeting them again never counts twice.
- Someone is a newcomer while today is before the end of their window (a start date in
  the future counts as day 0: they can begin early).
- Pace is linear over the window: by day ``d`` you are expected to have
  ``goal * d / days`` connections. You are "on pace" when your count reaches the whole
  part of that expectation; otherwise you are ``floor(expected) - count`` behind.
- What a person reads is never "behind": it is the rhythm that reaches the goal from
  here ("about one every 2–3 weeks keeps you on track"), the days left shared by the
  connections still to make.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

NEWCOMER = "newcomer"


@dataclass(frozen=True)
class Window:
    """``days`` whole days from ``starts_on`` (inclusive) to ``ends_on`` (exclusive)."""

    starts_on: date
    days: int

    @property
    def ends_on(self) -> date:
        return self.starts_on + timedelta(days=self.days)

    def contains(self, day: date) -> bool:
        return self.starts_on <= day < self.ends_on

    def is_open(self, today: date) -> bool:
        """Still running today (or not begun yet)."""
        return today < self.ends_on

    def elapsed_days(self, today: date) -> int:
        """Whole days since the start, clamped to the window (day 0 is the first day)."""
        return min(max((today - self.starts_on).days, 0), self.days)

    def days_left(self, today: date) -> int:
        """Days left including today; 0 once the window is over."""
        return self.days - self.elapsed_days(today) if self.is_open(today) else 0


@dataclass(frozen=True)
class Pace:
    expected: float  # connections expected by today on a straight line to the goal
    behind: int  # 0 when on pace
    to_go: int = 0  # connections still to make
    days_left: int = 0  # days left in the window

    @property
    def on_pace(self) -> bool:
        return self.behind == 0

    @property
    def rhythm(self) -> str:
        """The kind way to say where this stands: the rhythm that reaches the goal."""
        return rhythm(self.to_go, self.days_left)

    @property
    def label(self) -> str:
        return "on pace" if self.on_pace else self.rhythm


def pace(count: int, goal: int, elapsed_days: int, window_days: int) -> Pace:
    """Where ``count`` stands against a straight line from 0 to ``goal`` over the window."""
    elapsed = min(max(elapsed_days, 0), window_days)
    expected = goal * elapsed / window_days
    return Pace(
        expected=expected,
        behind=max(0, math.floor(expected) - count),
        to_go=max(0, goal - count),
        days_left=window_days - elapsed,
    )


def rhythm(to_go: int, days_left: int) -> str:
    """``to_go`` connections in ``days_left`` days, said as a rhythm: "about one every 2–3
    weeks keeps you on track" (weeks as a range when it falls between two)."""
    if to_go <= 0:
        return "goal reached"
    if days_left <= 0:
        return "this goal's time is up; every connection still counts in your total"
    every = days_left / to_go  # days per connection
    if every >= 7:
        weeks = every / 7
        low, high = max(1, math.floor(weeks)), max(1, math.ceil(weeks))
        if high - weeks < 0.15 or weeks - low < 0.15:  # close to a whole number of weeks
            low = high = max(1, round(weeks))
        if low == high:
            often = "one a week" if low == 1 else f"one every {low} weeks"
        else:
            often = f"one every {low}–{high} weeks"
    elif every >= 1.5:
        often = f"one every {round(every)} days"
    elif every >= 1:
        often = "one a day"
    else:
        often = f"{math.ceil(to_go / days_left)} a day"
    return f"about {often} keeps you on track"


@dataclass(frozen=True)
class GoalProgress:
    """One goal (the newcomer goal or a transition's) and where someone stands."""

    kind: str  # NEWCOMER or a TransitionKind value
    label: str  # "your first six months", "first-time supervisor"
    goal: int
    window: Window
    count: int  # distinct people first connected with inside the window
    outside_area: int  # of those, how many are outside your area
    elapsed_days: int
    days_left: int
    pace: Pace

    @property
    def reached(self) -> bool:
        return self.count >= self.goal


def goal_progress(
    *,
    kind: str,
    label: str,
    goal: int,
    window: Window,
    today: date,
    first_connected: Mapping[int, date],
    outside_area_ids: Collection[int],
) -> GoalProgress:
    """Count distinct people first connected with inside ``window``, and the pace by ``today``.

    Args:
        first_connected: other person's ID -> the day the connection was first made.
        outside_area_ids: the IDs among them who are outside the person's area.
    """
    inside = {other for other, day in first_connected.items() if window.contains(day)}
    elapsed = window.elapsed_days(today)
    return GoalProgress(
        kind=kind,
        label=label,
        goal=goal,
        window=window,
        count=len(inside),
        outside_area=len(inside & set(outside_area_ids)),
        elapsed_days=elapsed,
        days_left=window.days_left(today),
        pace=pace(len(inside), goal, elapsed, window.days),
    )


@dataclass(frozen=True)
class Progress:
    """Everything someone's progress shows: all-time totals and each running goal."""

    total: int  # distinct people ever connected with
    outside_area_total: int
    goals: tuple[GoalProgress, ...]  # running goals only: newcomer first, then a transition
    last_connected_on: date | None  # for gentle nudges: when the last new connection was made

    @property
    def primary(self) -> GoalProgress | None:
        return self.goals[0] if self.goals else None


def summarise(
    *,
    first_connected: Mapping[int, date],
    outside_area_ids: Collection[int],
    goals: tuple[GoalProgress, ...],
) -> Progress:
    outside = set(outside_area_ids)
    return Progress(
        total=len(first_connected),
        outside_area_total=len(set(first_connected) & outside),
        goals=goals,
        last_connected_on=max(first_connected.values(), default=None),
    )


def progress_bar(count: int, goal: int, width: int = 10) -> str:
    """``▰▰▰▱▱▱▱▱▱▱`` for 3 of 10; full when the goal is reached or passed."""
    if goal <= 0:
        return "▰" * width
    filled = min(width, math.floor(width * count / goal))
    if count > 0 and filled == 0:
        filled = 1  # the first step is visible
    return "▰" * filled + "▱" * (width - filled)


@dataclass(frozen=True)
class NextPerson:
    """Someone to ask next: new for you, outside your area, with a free slot."""

    slack_id: str
    why: str  # "offers First-time supervisor · 0 of 2 slots taken"
    topic: str | None  # carried by the "Request a conversation" button


def normalise_area(area: str | None) -> str:
    return " ".join((area or "").split()).casefold()


def outside_area(
    my_area: str | None, their_area: str | None, *, in_my_reporting_line: bool
) -> bool:
    """Their area differs from mine (both known) and they are not in my reporting line."""
    mine, theirs = normalise_area(my_area), normalise_area(their_area)
    return bool(mine and theirs and mine != theirs and not in_my_reporting_line)
