"""The digest computed over a programme history built through the services: every figure is
the one worked out by hand in ``tests.digest_history``, weeks end in the configured zone,
and nothing a pair wrote reaches the digest, its blocks, its text or its export."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from bot.blocks.digest import build_digest, has_native, top_danger_signs
from bot.blocks.digest_export import digest_csv, digest_text
from bot.context import Deps
from bot.digest import (
    BadWeek,
    DangerKind,
    DangerSign,
    Digest,
    GoalStanding,
    compute_digest,
    due_moment,
    last_complete_week,
    parse_week,
    week_of,
)
from bot.topics import normalise
from storage.models import PulseAnswer, TeamCheckin, TeamPulse
from tests.blockkit import message_errors
from tests.digest_history import (
    END,
    M1,
    M2,
    M3,
    M5,
    M6,
    SECRET,
    SETTINGS,
    START,
    T2,
    T3,
    WEEK,
    ZONE,
    History,
    build_history,
)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(SETTINGS)


@pytest.fixture
def history(session: Session, deps: Deps) -> History:
    return build_history(session, deps.settings)


@pytest.fixture
def digest(history: History, session: Session, deps: Deps) -> Digest:
    return compute_digest(deps.open_session, parse_week(WEEK, ZONE), deps.settings)


def test_weeks_run_monday_to_monday_in_the_digest_time_zone() -> None:
    week = parse_week(WEEK, ZONE)
    assert (week.start, week.end) == (START, END)
    assert week_of(datetime(2026, 11, 16, 4, 59, tzinfo=UTC), ZONE).label == "2026-W46"
    assert week_of(datetime(2026, 11, 16, 5, 0, tzinfo=UTC), ZONE).label == WEEK
    assert last_complete_week(datetime(2026, 11, 23, 5, 0, tzinfo=UTC), ZONE).label == WEEK
    summer = parse_week("2026-W27", ZONE)  # daylight saving time: four hours behind UTC
    assert summer.start == datetime(2026, 6, 29, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "typed", ["2026-48", "W48", "2026-W54", "2026-W00", "abc", "", "２０２６-W1"]
)
def test_a_week_that_is_not_yyyy_www_is_refused_kindly(typed: str) -> None:
    with pytest.raises(BadWeek, match="YYYY-Www"):
        parse_week(typed, ZONE)


def test_the_digest_is_due_at_the_configured_weekday_and_hour_in_its_zone() -> None:
    monday_9 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 09:00 in New York
    due = due_moment(monday_9, weekday="mon", hour=9, zone_name=ZONE)
    assert due == monday_9
    just_before = due_moment(monday_9 - timedelta(minutes=1), weekday="mon", hour=9, zone_name=ZONE)
    assert just_before == monday_9 - timedelta(days=7)
    friday = due_moment(monday_9, weekday="fri", hour=17, zone_name=ZONE)
    assert friday == datetime(2026, 11, 20, 22, 0, tzinfo=UTC)


def test_request_figures_count_each_request_in_the_week_it_happened(digest: Digest) -> None:
    week = digest.week
    assert week.label == WEEK
    assert (week.requests_made, week.accepted, week.declined, week.expired, week.passed_on) == (
        5,
        2,
        1,
        1,
        1,
    )
    assert week.median_answer_hours == 12.0  # 4 h, 18 h and 12 h


def test_a_request_on_sunday_evening_in_the_zone_counts_in_that_week(digest: Digest) -> None:
    before = digest.weeks[-2]
    assert before.label == "2026-W46"
    assert before.requests_made == 3  # R3, R2, and R8 at 04:00 UTC on Monday
    assert [w.requests_made for w in digest.weeks[:-2]] == [0, 0, 0, 1, 0, 0]  # W40-W45: R7 in W43


def test_session_figures_agenda_follow_ups_and_question_outcomes(digest: Digest) -> None:
    week = digest.week
    assert (week.sessions_held, week.with_agenda) == (3, 2)
    assert (week.followups_due, week.followups_on_time, week.followups_by_mentor) == (2, 1, 1)
    assert (week.answered, week.partly, week.not_yet) == (1, 1, 0)


def test_connections_newcomers_and_transitions(digest: Digest) -> None:
    week = digest.week
    assert (week.new_connections, week.cross_area) == (4, 3)
    assert digest.newcomers == GoalStanding(people=4, on_pace=2, behind=1, reached=1)
    assert digest.transitions == GoalStanding(people=1, on_pace=1, behind=0, reached=0)
    assert (week.ratings, week.rating_average) == (2, 4.5)
    assert (digest.advice_open, digest.advice_new) == (1, 1)


def test_danger_signs_name_the_right_person_with_how_long(digest: Digest, history: History) -> None:
    found = {(s.kind, s.object_id): (s.slack_id, s.other_slack_id, s.days) for s in digest.danger}
    r, s = history.requests, history.sessions
    assert found == {
        (DangerKind.SILENT, r["R7"]): (M6, "U0MENTOR4", 32),
        (DangerKind.NO_AGENDA, s["R2.s2"]): (M2, T2, 2),
        (DangerKind.FOLLOWUPS_MISSING, s["R2.s1"]): (M2, T2, 5),
        (DangerKind.MENTOR_FOLLOWUPS, s["R2.s2"]): (T2, M2, 1),
        (DangerKind.EXPIRED, r["R3"]): (T3, M3, 7),
    }
    assert [sign.kind for sign in digest.danger] == list(DangerKind)  # in the digest's order


def test_only_people_who_said_yes_are_celebrated_and_in_one_week_only(
    history: History, session: Session, deps: Deps
) -> None:
    this = compute_digest(deps.open_session, parse_week(WEEK, ZONE), deps.settings)
    assert this.celebrations == (M1,)
    after = compute_digest(deps.open_session, parse_week("2026-W48", ZONE), deps.settings)
    assert after.celebrations == ()


def test_supply_and_demand_by_topic_and_the_mentors(digest: Digest) -> None:
    supply = digest.supply
    by_key = {normalise(t.label): t for t in supply.topics}
    talks = by_key[normalise("public speaking")]
    assert (talks.searched, talks.requested, talks.with_room) == (2, 4, 3)
    deals = by_key[normalise("negotiation")]
    assert (deals.searched, deals.requested, deals.with_room) == (0, 1, 2)
    assert supply.no_mentor == ("underwater basket weaving",)
    assert (supply.mentors, supply.with_room, supply.at_capacity, supply.never_asked) == (
        6,
        5,
        1,
        1,
    )
    assert supply.rerouted == 1  # M3 asked T1 the day after their request to T3 expired


def test_silos_name_the_pairs_of_large_areas_that_never_connect(digest: Digest) -> None:
    silos = digest.silos
    assert silos.areas == ("Engineering", "Sales", "Design", "Finance")
    assert silos.counts[0] == (1, 1, 1, 1)
    assert silos.counts[1][0] == 1 and silos.counts[1][1:] == (0, 0, 0)
    assert set(silos.never) == {("Sales", "Design"), ("Sales", "Finance"), ("Design", "Finance")}


def test_check_ins_held_this_month_and_the_pulse_show_in_counts_never_in_words(
    history: History, session: Session, deps: Deps
) -> None:
    secret = "heron-copper-7310"
    session.add(
        TeamCheckin(
            manager_slack_id="U0MGR0001",
            held_on=date(2026, 11, 18),
            heard=secret,
            will_try=secret,
            created_at=END,
        )
    )
    small = TeamPulse(
        manager_slack_id="U0MGR0002", opened_at=START, closes_at=END, closed_at=END, invited=2
    )  # fewer answers than the group minimum
    pulse = TeamPulse(
        manager_slack_id="U0MGR0001", opened_at=START, closes_at=END, closed_at=END, invited=4
    )
    session.add_all([small, pulse])
    session.flush()
    for usage, obstacles in (("often", []), ("not_yet", ["no_time"]), ("not_yet", ["no_time"])):
        session.add(
            PulseAnswer(
                pulse_id=pulse.id, usage=usage, how=secret, obstacles=obstacles, in_the_way=secret
            )
        )
    session.add(PulseAnswer(pulse_id=small.id, usage="sometimes", how=secret))
    session.commit()

    digest = compute_digest(deps.open_session, parse_week(WEEK, ZONE), deps.settings)
    assert digest.checkins is not None and digest.checkins.held_this_month == 1
    assert dict(digest.checkins.pulse) == {
        "Often": 1,
        "Sometimes": 0,
        "Not yet": 2,
        "in the way: No time": 2,
    }  # the small team's answer is not counted
    payload = json.dumps(build_digest(digest))
    assert "*Manager check-ins this month* 1" in payload and "Not yet 2" in payload
    assert secret not in payload and secret not in digest_csv(digest) + digest_text(digest)


def test_the_digest_message_validates_with_its_chart_and_table_and_without(
    digest: Digest,
) -> None:
    full = build_digest(digest)
    assert has_native(full)
    types = [b["type"] for b in full["blocks"]]
    assert types.count("data_visualization") == 1 and types.count("table") == 1
    assert message_errors(full["blocks"]) == []
    plain = build_digest(digest, native=False)
    assert not has_native(plain)
    assert message_errors(plain["blocks"]) == []
    chart = next(b for b in full["blocks"] if b["type"] == "data_visualization")
    points = [p["value"] for p in chart["chart"]["series"][0]["data"]]
    assert points == [w.new_connections for w in digest.weeks]


def _many_signs(n: int) -> tuple[DangerSign, ...]:
    moment = datetime(2026, 11, 20, tzinfo=UTC)
    return tuple(
        DangerSign(kind, i, f"U0P{i:07d}", f"U0Q{i:07d}", 30 - i % 30, moment)
        for kind in DangerKind
        for i in range(n)
    )


def test_at_programme_scale_the_message_keeps_within_slacks_limits(digest: Digest) -> None:
    signs = _many_signs(3000)
    long_label = "x" * 500
    big = Digest(
        **{
            **digest.__dict__,
            "danger": signs,
            "celebrations": tuple(f"U0C{i:07d}" for i in range(400)),
            "supply": digest.supply.__class__(
                topics=digest.supply.topics * 50,
                no_mentor=tuple(f"{long_label}{i}" for i in range(300)),
            ),
        }
    )
    for native in (True, False):
        payload = build_digest(big, native=native)
        assert len(payload["blocks"]) <= 50
        assert message_errors(payload["blocks"]) == []
        assert "and 14980 more: the export has the full list" in json.dumps(payload)
    shown = top_danger_signs(signs, 20)
    assert {s.kind for s in shown} == set(DangerKind)  # every kind gets its share


def test_the_export_has_a_row_per_week_and_every_danger_sign_with_names(
    digest: Digest,
) -> None:
    rows = list(csv.reader(io.StringIO(digest_csv(digest))))
    blank = rows.index([])
    weeks, signs = rows[:blank], rows[blank + 1 :]
    assert weeks[0][:3] == ["week", "requests_made", "accepted"]
    assert [r[0] for r in weeks[1:]] == [w.label for w in digest.weeks]
    assert weeks[-1][1:3] == ["5", "2"]
    assert signs[0] == [
        "danger_sign",
        "person",
        "name",
        "role",
        "other_person",
        "other_name",
        "days",
        "date",
    ]
    assert len(signs) - 1 == len(digest.danger) == 5
    silent = next(r for r in signs if r[0] == "silent")
    assert silent[1:4] == [M6, M6.title(), "mentee"]


def test_an_export_cell_a_spreadsheet_would_run_as_a_formula_is_quoted(digest: Digest) -> None:
    named = Digest(**{**digest.__dict__, "names": {M6: '=HYPERLINK("http://x")'}})
    assert "'=HYPERLINK" in digest_csv(named)


def test_no_text_a_pair_or_mentor_wrote_reaches_the_digest_anywhere(
    history: History, session: Session, deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    digest = compute_digest(deps.open_session, parse_week(WEEK, ZONE), deps.settings)
    outputs = [
        json.dumps(build_digest(digest)),
        json.dumps(build_digest(digest, native=False)),
        digest_csv(digest),
        digest_text(digest),
        repr(digest),
        caplog.text,
    ]
    assert all(SECRET not in out for out in outputs)
    assert M5 not in json.dumps(build_digest(digest))  # named nowhere: no sign, no yes
