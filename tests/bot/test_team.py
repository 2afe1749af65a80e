"""The team check-in's pure parts and the coordinators' read: who is due a reminder at an
instant, a pulse's aggregates only from the group minimum, the programme-wide counts (never
notes), and every builder valid and within Slack's limits however much was written."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.blocks.home import build_home
from bot.blocks.team import (
    build_checkin_modal,
    build_checkin_reminder,
    build_pulse_invitation,
    build_pulse_modal,
    build_team,
    team_home_blocks,
)
from bot.config import Settings
from bot.context import Deps
from bot.errors import MentorbotError
from bot.home import HomeState
from bot.pulse import (
    PulseForm,
    PulseInvitation,
    PulseResults,
    PulseStatus,
    answer_pulse,
    results_of,
    send_pulse,
)
from bot.team import (
    CheckinForm,
    CheckinNote,
    NewcomerPace,
    ReminderStatus,
    TeamSnapshot,
    due_reminders,
    record_checkin,
)
from bot.team_overview import TeamView, checkins_by_manager, programme_checkins
from storage.models import PulseAnswer, TeamPulse
from storage.team import ManagerRow
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.conftest import START
from tests.handlers.team_steps import MANAGER, OTHER_MANAGER, OTHER_REPORTS, REPORTS, make_team
from tests.races import race

EPOCH = datetime(2026, 1, 1, tzinfo=START.tzinfo)


def _row(manager: str = "U0M", **fields: object) -> ManagerRow:
    values: dict[str, object] = {
        "manager_slack_id": manager,
        "team_size": 4,
        "team_since": EPOCH,
        "last_checkin_on": None,
        "stopped": False,
        "snoozed_until": None,
        "counting_from": None,
        "quiet": False,
    }
    values.update(fields)
    return ManagerRow(**values)  # type: ignore[arg-type]


# --- who is due a reminder at an instant -----------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "due"),
    [
        ({}, True),  # a team known for months, never a check-in
        ({"last_checkin_on": (START - timedelta(days=29)).date()}, False),
        ({"last_checkin_on": (START - timedelta(days=30)).date()}, True),
        ({"team_since": START - timedelta(days=10)}, False),  # a new team
        ({"stopped": True}, False),
        ({"quiet": True}, False),  # muted, or left
        ({"snoozed_until": START + timedelta(hours=1)}, False),
        ({"snoozed_until": START}, True),  # the snooze is over
        ({"counting_from": START - timedelta(days=29)}, False),  # reminded 29 days ago
        ({"counting_from": START - timedelta(days=30)}, True),
    ],
)
def test_due_reminders_at_an_instant(fields: dict[str, object], due: bool) -> None:
    assert due_reminders([_row(**fields)], now=START, days=30) == (["U0M"] if due else [])


def test_the_reminder_period_is_the_setting() -> None:
    row = _row(last_checkin_on=(START - timedelta(days=10)).date())
    assert due_reminders([row], now=START, days=10) == ["U0M"]
    assert due_reminders([row], now=START, days=11) == []


# --- a pulse's aggregates -----------------------------------------------------------------


def _answer(
    usage: str, how: str = "", obstacles: tuple[str, ...] = (), way: str = ""
) -> PulseAnswer:
    return PulseAnswer(pulse_id=1, usage=usage, how=how, obstacles=list(obstacles), in_the_way=way)


def test_a_pulse_shows_nothing_below_the_group_minimum_and_counts_from_it() -> None:
    answers = [_answer("often", "coffee chats"), _answer("not_yet", obstacles=("no_time",))]
    assert results_of(answers, min_group=3) is None
    answers.append(_answer("not_yet", way="nobody asked", obstacles=("no_time", "team")))
    results = results_of(answers, min_group=3, rng=random.Random(1))
    assert results is not None
    assert results.usage == (("Often", 1), ("Sometimes", 0), ("Not yet", 2))
    assert results.obstacles == (("No time", 2), ("My team doesn't encourage it", 1))
    assert results.how == ("coffee chats",) and results.in_the_way == ("nobody asked",)


def test_free_text_comes_in_a_random_order() -> None:
    answers = [_answer("often", f"answer {i}") for i in range(8)]
    orders = {results_of(answers, min_group=3, rng=random.Random(seed)).how for seed in range(6)}  # type: ignore[union-attr]
    assert len(orders) > 1
    assert all(sorted(order) == sorted(a.how for a in answers) for order in orders)


# --- what the coordinators' digest may read -------------------------------------------------


def test_the_digest_reads_check_ins_and_the_pulse_in_counts_never_notes(
    session: Session, deps: Deps
) -> None:
    settings: Settings = deps.settings
    make_team(session, MANAGER, REPORTS)
    make_team(session, OTHER_MANAGER, OTHER_REPORTS, area="Sales")
    big = send_pulse(session, MANAGER, settings=settings, now=START)
    small = send_pulse(session, OTHER_MANAGER, settings=settings, now=START)
    for report, usage in zip(REPORTS[:3], ("often", "not_yet", "not_yet"), strict=True):
        answer_pulse(session, big.pulse_id, report, PulseForm(usage, how="SECRET-HOW"), now=START)
    for report in OTHER_REPORTS[:2]:  # too few: never counted, even programme-wide
        answer_pulse(session, small.pulse_id, report, PulseForm("often"), now=START)
    notes = CheckinForm(START.date(), heard="SECRET-HEARD", will_try="SECRET-TRY", share=True)
    record_checkin(session, MANAGER, notes, now=START)
    record_checkin(session, MANAGER, CheckinForm(START.date() - timedelta(days=8)), now=START)
    record_checkin(session, OTHER_MANAGER, CheckinForm(START.date()), now=START)
    session.commit()

    week = programme_checkins(
        session, START - timedelta(days=3), START + timedelta(days=4), min_group=3
    )
    assert (week.checkins, week.managers) == (2, 2)
    assert week.pulse_answers == 3
    assert week.pulse is not None
    assert week.pulse.usage == (("Often", 1), ("Sometimes", 0), ("Not yet", 2))
    assert week.pulse.how == () and week.pulse.in_the_way == ()
    assert "SECRET" not in repr(week)
    month = programme_checkins(
        session, START - timedelta(days=20), START + timedelta(days=4), min_group=3
    )
    assert (month.checkins, month.managers) == (3, 2)
    by_manager = {
        line.manager: line
        for line in checkins_by_manager(
            session, START - timedelta(days=3), START + timedelta(days=4), min_group=3
        )
    }
    assert set(by_manager) == {MANAGER, OTHER_MANAGER}
    mine, other = by_manager[MANAGER], by_manager[OTHER_MANAGER]
    assert (mine.checkins, mine.last_held_on, mine.pulse_answers) == (1, START.date(), 3)
    assert mine.pulse == week.pulse
    assert (other.checkins, other.pulse, other.pulse_answers) == (1, None, 0)
    assert "SECRET" not in repr(by_manager)
    quiet = programme_checkins(
        session, START + timedelta(days=10), START + timedelta(days=17), min_group=3
    )
    assert (quiet.checkins, quiet.pulse, quiet.pulse_answers) == (0, None, 0)


# --- the builders: valid, within limits -------------------------------------------------------


def _view(**changes: object) -> TeamView:
    results = PulseResults(
        usage=(("Often", 10), ("Sometimes", 10), ("Not yet", 10)),
        obstacles=(("No time", 12),),
        how=tuple("<!here> " + "h" * 490 + str(i) for i in range(30)),
        in_the_way=tuple("w" * 500 for _ in range(30)),
    )
    values: dict[str, object] = {
        "manager": MANAGER,
        "size": 30,
        "min_group": 3,
        "checkin_days": 30,
        "snapshot": TeamSnapshot(
            size=30,
            conversed=12,
            offering=4,
            newcomers=5,
            pace=NewcomerPace(2, 2, 1),
            topics_asked=("Public speaking", "<b>Negotiation</b>"),
            topics_offered=("Kubernetes",),
            areas=("Design & Research",),
        ),
        "pulse": PulseStatus(1, START, START + timedelta(days=7), True, 30, 30, results),
        "last_checkin": CheckinNote(date(2026, 11, 20), "h" * 3000, "t" * 500, True),
        "reminder": ReminderStatus(True, None),
        "tz": "Asia/Tokyo",
    }
    values.update(changes)
    return TeamView(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "view",
    [
        _view(),
        _view(snapshot=None, size=2, pulse=None, last_checkin=None),
        _view(pulse=PulseStatus(1, START, START, False, 6, 2, None)),
        _view(reminder=ReminderStatus(False, None)),
        _view(reminder=ReminderStatus(True, START + timedelta(days=30))),
    ],
    ids=["everything, long", "a team of two", "closed, too few", "off", "snoozed"],
)
def test_the_team_screens_are_valid_and_within_slacks_limits(view: TeamView) -> None:
    team = build_team(view)
    assert_valid_message(team)
    assert len(team["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in team["blocks"])
    assert "&lt;!here&gt;" in str(team) or view.pulse is None or view.pulse.results is None
    home = build_home(HomeState(slack_id=MANAGER, person_known=False, team=view))
    assert_valid_view(home)
    assert len(team_home_blocks(view)) <= 12
    assert_valid_message(build_checkin_reminder(view.size, min_group=3, days=30))


def test_the_pulse_and_notes_modals_are_valid_with_or_without_an_answer() -> None:
    for current in (None, PulseForm("not_yet", "x", ("no_time", "other"), "y" * 500)):
        invitation = PulseInvitation(7, MANAGER, START, current, 3, "America/New_York")
        assert_valid_view(build_pulse_modal(invitation))
    assert_valid_view(build_checkin_modal(START.date()))
    assert_valid_message(build_pulse_invitation(7, MANAGER, START, min_group=3, tz=None))


def test_two_first_answers_at_once_leave_one_answer_the_later(session: Session, deps: Deps) -> None:
    make_team(session, MANAGER, REPORTS[:3])
    sent = send_pulse(session, MANAGER, settings=deps.settings, now=START)
    session.commit()

    def answering(usage: str) -> Any:
        return lambda s: answer_pulse(s, sent.pulse_id, REPORTS[0], PulseForm(usage), now=START)

    # SQLite: the second is about to write its answer; PostgreSQL: it waits on the row lock
    # of the pulse (SELECT … FOR UPDATE), then finds the first's answer and replaces it.
    first, second = race(
        deps,
        answering("often"),
        answering("not_yet"),
        second_writes="^INSERT INTO pulse_answer|FOR UPDATE",
    )
    assert not first.changed and second.changed
    session.expire_all()
    (answer,) = session.exec(select(PulseAnswer)).all()
    assert answer.usage == "not_yet"


def test_two_pulses_sent_at_once_open_one(session: Session, deps: Deps) -> None:
    make_team(session, MANAGER, REPORTS[:3])
    session.commit()

    def sending(s: Session) -> Any:
        return send_pulse(s, MANAGER, settings=deps.settings, now=START)

    first, second = race(deps, sending, sending, second_writes="^INSERT INTO team_pulse")
    assert first.pulse_id
    assert isinstance(second, MentorbotError)
    session.expire_all()
    assert len(session.exec(select(TeamPulse)).all()) == 1
