"""Progress and pace maths: windows at their edges, pace, the bar."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

import pytest

from bot.progress import (
    NEWCOMER,
    GoalProgress,
    Window,
    goal_progress,
    outside_area,
    pace,
    progress_bar,
    rhythm,
    summarise,
)

START = date(2026, 3, 2)
WINDOW = Window(starts_on=START, days=183)


def _newcomer(
    today: date, first_connected: dict[int, date], outside: Collection[int] = ()
) -> GoalProgress:
    return goal_progress(
        kind=NEWCOMER,
        label="your first six months",
        goal=10,
        window=WINDOW,
        today=today,
        first_connected=first_connected,
        outside_area_ids=outside,
    )


@pytest.mark.parametrize(("day", "counts"), [(0, True), (182, True), (183, False), (-1, False)])
def test_a_connection_counts_on_day_0_and_day_182_but_not_on_day_183(
    day: int, counts: bool
) -> None:
    made_on = START + timedelta(days=day)
    result = _newcomer(START + timedelta(days=100), {7: made_on})
    assert result.count == (1 if counts else 0)


def test_the_window_is_open_through_day_182_and_closed_on_day_183() -> None:
    assert WINDOW.is_open(START)
    assert WINDOW.is_open(START + timedelta(days=182))
    assert not WINDOW.is_open(START + timedelta(days=183))
    assert WINDOW.days_left(START) == 183
    assert WINDOW.days_left(START + timedelta(days=182)) == 1
    assert WINDOW.days_left(START + timedelta(days=183)) == 0


def test_sixty_days_in_with_two_connections_is_one_behind_pace_said_as_a_rhythm() -> None:
    # Expected by day 60: 10 * 60 / 183 = 3.28, so 3 connections; 2 is one behind.
    result = _newcomer(START + timedelta(days=60), {1: START, 2: START + timedelta(days=30)})
    assert result.elapsed_days == 60
    assert result.days_left == 123
    assert result.pace.expected == pytest.approx(600 / 183)
    assert result.pace.behind == 1
    assert result.pace.label == "about one every 2–3 weeks keeps you on track"


def test_sixty_days_in_with_three_connections_is_on_pace() -> None:
    firsts = {i: START + timedelta(days=i) for i in (1, 2, 3)}
    assert _newcomer(START + timedelta(days=60), firsts).pace.label == "on pace"


@pytest.mark.parametrize(
    ("count", "elapsed", "label", "behind"),
    [
        (0, 0, "on pace", 0),
        (0, 18, "on pace", 0),
        (0, 19, "about one every 2–3 weeks keeps you on track", 1),
        (2, 183, "this goal's time is up; every connection still counts in your total", 8),
    ],
)
def test_pace_is_linear_over_the_window(count: int, elapsed: int, label: str, behind: int) -> None:
    assert pace(count, 10, elapsed, 183).label == label
    assert pace(count, 10, elapsed, 183).behind == behind


def test_thirty_days_in_with_no_connection_is_never_called_behind() -> None:
    label = pace(0, 10, 30, 183).label
    assert "behind" not in label
    assert label == "about one every 2–3 weeks keeps you on track"


@pytest.mark.parametrize(
    ("to_go", "days_left", "said"),
    [
        (10, 183, "about one every 2–3 weeks keeps you on track"),
        (4, 60, "about one every 2 weeks keeps you on track"),
        (2, 14, "about one a week keeps you on track"),
        (1, 5, "about one every 5 days keeps you on track"),
        (3, 3, "about one a day keeps you on track"),
        (0, 30, "goal reached"),
    ],
)
def test_the_rhythm_that_reaches_the_goal_is_said_kindly(
    to_go: int, days_left: int, said: str
) -> None:
    assert rhythm(to_go, days_left) == said


def test_a_start_date_in_the_future_counts_as_day_zero() -> None:
    result = _newcomer(START - timedelta(days=10), {})
    assert result.elapsed_days == 0
    assert result.days_left == 183
    assert result.pace.on_pace


def test_a_person_counts_once_and_outside_area_is_counted_among_them() -> None:
    result = _newcomer(START + timedelta(days=40), {1: START, 2: START, 3: START}, {2, 3, 99})
    assert result.count == 3
    assert result.outside_area == 2


def test_summary_counts_every_distinct_person_ever_and_the_last_day() -> None:
    firsts = {1: START - timedelta(days=400), 2: START + timedelta(days=5)}
    progress = summarise(first_connected=firsts, outside_area_ids={1}, goals=())
    assert progress.total == 2
    assert progress.outside_area_total == 1
    assert progress.last_connected_on == START + timedelta(days=5)
    assert progress.primary is None


@pytest.mark.parametrize(
    ("count", "goal", "bar"),
    [
        (0, 10, "▱▱▱▱▱▱▱▱▱▱"),
        (3, 10, "▰▰▰▱▱▱▱▱▱▱"),
        (1, 3, "▰▰▰▱▱▱▱▱▱▱"),
        (12, 10, "▰▰▰▰▰▰▰▰▰▰"),
        (1, 50, "▰▱▱▱▱▱▱▱▱▱"),
    ],
)
def test_progress_bar(count: int, goal: int, bar: str) -> None:
    assert progress_bar(count, goal) == bar


@pytest.mark.parametrize(
    ("mine", "theirs", "in_line", "expected"),
    [
        ("Engineering", "Sales", False, True),
        ("Engineering", " engineering ", False, False),
        ("Engineering", "Sales", True, False),
        (None, "Sales", False, False),
    ],
)
def test_outside_area(mine: str | None, theirs: str, in_line: bool, expected: bool) -> None:
    assert outside_area(mine, theirs, in_my_reporting_line=in_line) is expected
