"""The nudge planner with an injected clock and a real database: each check-in at its local
moment and not before, only in working hours, at most one a day, once, muteable."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from bot.context import Deps
from bot.nudges import kinds, planner, sending
from bot.nudges.kinds import NudgeKind
from storage.connections import record_connection
from storage.models import ActionOwner, ConnectionSource, MetLog
from tests.conftest import START
from tests.factories import make_person
from tests.handlers.journey import STRANGER
from tests.nudgescene import (
    MENTEE,
    MENTOR,
    OTHER_MENTOR,
    action,
    active_pair,
    directory,
    hold,
    met_logged,
    nudge_rows,
    plan_at,
    planned,
    planned_keys,
    preview_at,
    requested,
    schedule,
    set_person,
)

MONDAY = START  # 2026-11-23 10:00 UTC, 10:00 in London
TUESDAY_11 = START + timedelta(days=1, hours=1)
MONDAY_16 = START + timedelta(hours=6)
TUESDAY_0915 = START + timedelta(hours=23, minutes=15)


@dataclass(frozen=True)
class Moment:
    key: str
    recipient: str
    before: datetime  # planned nothing yet
    after: datetime  # planned now


def _followups(s: Session) -> Moment:
    pair = active_pair(s, at=TUESDAY_11 - timedelta(days=5))
    hold(s, pair.first_session, TUESDAY_11 - timedelta(hours=24))
    return Moment(kinds.followups_key(pair.first_session), MENTEE, *_around(TUESDAY_11))


def _agenda(s: Session) -> Moment:
    pair = active_pair(s, at=TUESDAY_11 - timedelta(days=5))
    schedule(s, pair.first_session, TUESDAY_11 + timedelta(hours=24))
    return Moment(kinds.agenda_key(pair.first_session), MENTEE, *_around(TUESDAY_11))


def _action_due(s: Session) -> Moment:
    pair = active_pair(s, at=MONDAY - timedelta(days=5))
    hold(s, pair.first_session, MONDAY - timedelta(days=4), followups=True)
    aid = action(s, pair.first_session, date(2026, 11, 25), owner=ActionOwner.MENTOR)
    key = kinds.action_key(NudgeKind.ACTION_DUE, aid)
    return Moment(
        key, MENTOR, MONDAY + timedelta(hours=6), MONDAY + timedelta(hours=23, minutes=15)
    )


def _action_overdue(s: Session) -> Moment:
    pair = active_pair(s, at=MONDAY - timedelta(days=5))
    hold(s, pair.first_session, MONDAY - timedelta(days=4), followups=True)
    aid = action(s, pair.first_session, date(2026, 11, 23))
    key = kinds.action_key(NudgeKind.ACTION_OVERDUE, aid)
    return Moment(
        key, MENTEE, MONDAY + timedelta(hours=6), MONDAY + timedelta(hours=23, minutes=15)
    )


def _request(s: Session) -> Moment:
    cid = requested(s, at=TUESDAY_11 - timedelta(days=3))
    return Moment(kinds.request_key(cid, MENTOR), MENTOR, *_around(TUESDAY_11))


def _silent(s: Session) -> Moment:
    pair = active_pair(s, at=TUESDAY_11 - timedelta(days=21))
    last = TUESDAY_11 - timedelta(days=21)
    return Moment(kinds.silent_key(pair.conversation_id, last.date()), MENTEE, *_around(TUESDAY_11))


def _met(s: Session) -> Moment:
    met = met_logged(s, MENTEE, OTHER_MENTOR, at=TUESDAY_11 - timedelta(days=3))
    return Moment(kinds.met_key(met), OTHER_MENTOR, *_around(TUESDAY_11))


def _around(due: datetime) -> tuple[datetime, datetime]:
    return due - timedelta(minutes=15), due + timedelta(minutes=15)


@pytest.mark.parametrize(
    "arrange",
    [_agenda, _followups, _action_due, _action_overdue, _request, _silent, _met],
    ids=["agenda", "followups", "action-due", "action-overdue", "request", "silent", "met"],
)
def test_each_check_in_is_planned_at_its_moment_and_not_before(
    deps: Deps, session: Session, arrange: Callable[[Session], Moment]
) -> None:
    directory(session)
    moment = arrange(session)

    plan_at(deps, moment.before)
    assert planned_keys(session) == []

    plan_at(deps, moment.after)
    assert planned(session) == [(moment.key, moment.recipient, moment.after.date())]
    (row,) = nudge_rows(session)
    assert (row.key, row.recipient, row.kind) == (
        moment.key,
        moment.recipient,
        kinds.OUTBOX_KIND[NudgeKind(moment.key.split(":")[0])],
    )
    # Only inside the recipient's working hours (London: 09:00-17:00, UTC in winter).
    assert row.not_before == moment.after
    assert row.not_after == datetime.combine(moment.after.date(), datetime.min.time(), UTC).replace(
        hour=17
    )


@pytest.mark.parametrize(
    "arrange",
    [_agenda, _followups, _action_due, _action_overdue, _request, _silent, _met],
    ids=["agenda", "followups", "action-due", "action-overdue", "request", "silent", "met"],
)
def test_each_check_in_due_renders_for_its_recipient_and_is_skipped_for_anyone_else(
    deps: Deps, session: Session, arrange: Callable[[Session], Moment]
) -> None:
    directory(session)
    moment = arrange(session)
    render = sending.renderer(deps.open_session, deps.settings, lambda: moment.after)

    rendered = render([(moment.key, moment.recipient)])[moment.key]
    assert isinstance(rendered, dict) and rendered["blocks"]
    elsewhere = render([(moment.key, STRANGER)])[moment.key]
    assert elsewhere == sending.Skip(sending.GONE)


def test_nothing_goes_at_night_or_at_the_weekend_it_waits_for_monday_morning(
    deps: Deps, session: Session
) -> None:
    directory(session)
    friday_evening = MONDAY - timedelta(days=3) + timedelta(hours=8)  # Fri 18:00
    cid = requested(session, at=friday_evening - timedelta(days=3))

    for hours in range(0, 63, 3):  # Friday 18:00 to Monday 08:00, every three hours
        plan_at(deps, friday_evening + timedelta(hours=hours))
    assert planned_keys(session) == []
    (waiting,) = planner.preview(
        deps.open_session, now=MONDAY - timedelta(hours=2), settings=deps.settings
    )
    assert (
        waiting.waits == "outside working hours: waits until Mon 2026-11-23 09:00 (Europe/London)"
    )

    plan_at(deps, MONDAY - timedelta(hours=1))  # 09:00 London
    assert planned_keys(session) == [kinds.request_key(cid, MENTOR)]


@pytest.mark.parametrize("settings_overrides", [{"MENTORBOT_WORKDAYS": "sun-thu"}])
def test_where_the_week_runs_sunday_to_thursday_check_ins_go_on_sunday_not_friday(
    deps: Deps, session: Session
) -> None:
    directory(session)
    thursday_evening = MONDAY - timedelta(days=4) + timedelta(hours=8)  # Thu 18:00 London
    cid = requested(session, at=thursday_evening - timedelta(days=3))

    for hours in range(0, 63, 3):  # Thursday 18:00 to Sunday 08:00, every three hours
        plan_at(deps, thursday_evening + timedelta(hours=hours))
    assert planned_keys(session) == []
    (waiting,) = planner.preview(
        deps.open_session, now=MONDAY - timedelta(days=1, hours=2), settings=deps.settings
    )
    assert (
        waiting.waits == "outside working hours: waits until Sun 2026-11-22 09:00 (Europe/London)"
    )

    plan_at(deps, MONDAY - timedelta(days=1, hours=1))  # Sunday 09:00 London
    assert planned_keys(session) == [kinds.request_key(cid, MENTOR)]


def test_tokyo_and_los_angeles_each_get_theirs_at_nine_in_their_own_morning(
    deps: Deps, session: Session
) -> None:
    directory(session)
    set_person(session, MENTOR, tz="Asia/Tokyo")
    set_person(session, OTHER_MENTOR, tz="America/Los_Angeles")
    created = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)  # due Sunday 12:00 UTC for both
    requested(session, at=created, mentor=MENTOR)
    requested(session, at=created, mentor=OTHER_MENTOR)

    when: dict[str, datetime] = {}
    moment = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    while moment < datetime(2026, 11, 24, tzinfo=UTC):
        plan_at(deps, moment)
        for _, person, _ in planned(session):
            when.setdefault(person, moment)
        moment += timedelta(minutes=15)

    assert when == {
        MENTOR: datetime(2026, 11, 23, 0, 0, tzinfo=UTC),  # Monday 09:00 in Tokyo
        OTHER_MENTOR: datetime(2026, 11, 23, 17, 0, tzinfo=UTC),  # Monday 09:00 in LA
    }


def test_one_nudge_a_day_the_most_important_first_the_rest_next_day_if_still_due(
    deps: Deps, session: Session
) -> None:
    directory(session)
    a = active_pair(session, at=MONDAY - timedelta(days=10))
    hold(session, a.first_session, MONDAY - timedelta(days=2))  # follow-ups missing
    overdue = action(session, a.first_session, date(2026, 11, 20))
    b = active_pair(session, at=MONDAY - timedelta(days=3), mentor=OTHER_MENTOR)
    schedule(session, b.first_session, MONDAY + timedelta(hours=8))  # no agenda yet

    plan_at(deps, MONDAY)
    plan_at(deps, MONDAY + timedelta(minutes=15))
    assert planned_keys(session) == [kinds.agenda_key(b.first_session)]
    (later,) = preview_at(deps, MONDAY + timedelta(minutes=30))
    assert later.waits == "already nudged today: next working day"
    assert [r.kind for r in later.later] == [NudgeKind.FOLLOWUPS, NudgeKind.ACTION_OVERDUE]

    hold(session, b.first_session, MONDAY + timedelta(hours=8), followups=True)
    hold(session, a.first_session, MONDAY - timedelta(days=2), followups=True)  # resolved
    plan_at(deps, MONDAY + timedelta(days=1, hours=-1))  # Tuesday 09:00
    plan_at(deps, MONDAY + timedelta(days=2, hours=-1))  # Wednesday 09:00

    assert planned(session) == [
        (kinds.agenda_key(b.first_session), MENTEE, date(2026, 11, 23)),
        (kinds.action_key(NudgeKind.ACTION_OVERDUE, overdue), MENTEE, date(2026, 11, 24)),
    ]


def test_planning_again_or_late_plans_nothing_twice(deps: Deps, session: Session) -> None:
    directory(session)
    requested(session, at=MONDAY - timedelta(days=4))
    met_logged(session, MENTEE, OTHER_MENTOR, at=MONDAY - timedelta(days=4))

    first = plan_at(deps, MONDAY)
    for minutes in (0, 1, 15, 95):
        plan_at(deps, MONDAY + timedelta(minutes=minutes))

    assert first.total == 2
    assert len(planned_keys(session)) == 2
    assert len(nudge_rows(session)) == 2


def _newcomers(session: Session, n: int, *, created: datetime) -> list[str]:
    ids = [f"U0NEW{i:04d}" for i in range(n)]
    for slack_id in ids:
        person = make_person(session, slack_id, start_date=date(2026, 11, 16))
        person.created_at = created
        session.add(person)
    session.commit()
    return ids


def test_two_planners_that_read_before_either_wrote_plan_each_nudge_once(
    deps: Deps, session: Session
) -> None:
    people = _newcomers(session, 40, created=MONDAY - timedelta(hours=1))
    requested_people = directory(session)
    assert requested_people
    requested(session, at=MONDAY - timedelta(days=4))
    first = planner.preview(deps.open_session, now=MONDAY, settings=deps.settings)
    second = planner.preview(deps.open_session, now=MONDAY, settings=deps.settings)
    reports: list[planner.PlanReport] = []
    start = threading.Barrier(2)

    def run(decisions: list[planner.Decision]) -> None:
        start.wait()
        reports.append(planner.write(deps.open_session, decisions, now=MONDAY, batch=7))

    threads = [threading.Thread(target=run, args=(d,)) for d in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    keys = planned_keys(session)
    assert sorted(keys) == sorted({*map(kinds.welcome_key, people), kinds.request_key(1, MENTOR)})
    assert sum(r.total for r in reports) == len(keys) == 41
    assert Counter(row.key for row in nudge_rows(session)) == Counter(set(keys))


def test_a_planner_that_crashed_mid_run_loses_nothing_and_doubles_nothing_next_run(
    deps: Deps, session: Session
) -> None:
    people = _newcomers(session, 9, created=MONDAY - timedelta(hours=1))
    postgres = deps.engine.dialect.name == "postgresql"
    with deps.engine.begin() as connection:  # the fourth person's claim fails: a crash
        if postgres:
            connection.execute(
                text(
                    "CREATE FUNCTION crash() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.person_slack_id = '{people[4]}' THEN "
                    "RAISE EXCEPTION 'the planner died'; END IF; RETURN NEW; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER crash BEFORE INSERT ON planned_nudge "
                    "FOR EACH ROW EXECUTE FUNCTION crash()"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE TRIGGER crash BEFORE INSERT ON planned_nudge "
                    f"WHEN NEW.person_slack_id = '{people[4]}' "
                    "BEGIN SELECT RAISE(ABORT, 'the planner died'); END"
                )
            )
    with pytest.raises(DatabaseError):
        planner.plan(deps.open_session, now=MONDAY, settings=deps.settings, batch=3)
    assert len(planned_keys(session)) == 3  # the first batch was committed, no more
    session.rollback()  # this test's read ends: PostgreSQL's DROP TRIGGER waits for it
    with deps.engine.begin() as connection:
        if postgres:
            connection.execute(text("DROP TRIGGER crash ON planned_nudge"))
            connection.execute(text("DROP FUNCTION crash()"))
        else:
            connection.execute(text("DROP TRIGGER crash"))

    planner.plan(deps.open_session, now=MONDAY + timedelta(minutes=15), settings=deps.settings)

    assert sorted(planned_keys(session)) == sorted(map(kinds.welcome_key, people))
    assert sorted(row.recipient for row in nudge_rows(session)) == sorted(people)


def test_welcomes_after_a_bulk_import_are_spread_at_slacks_pace_not_a_burst(
    deps: Deps, session: Session
) -> None:
    _newcomers(session, 5, created=MONDAY - timedelta(minutes=5))

    plan_at(deps, MONDAY)

    sends = [row.not_before for row in nudge_rows(session)]
    assert sends == [MONDAY + i * planner.WELCOME_SPACING for i in range(5)]


@pytest.mark.parametrize(
    ("setting", "welcomed"),
    [("newcomers", {"U0NEW0000"}), ("everyone", {"U0NEW0000", "U0OLDHAND"}), ("off", set())],
)
def test_who_gets_a_welcome_is_the_coordinators_choice_and_each_gets_one_once(
    deps: Deps, session: Session, setting: str, welcomed: set[str]
) -> None:
    settings = deps.settings.model_copy(update={"welcome": setting})
    _newcomers(session, 1, created=MONDAY - timedelta(hours=2))
    veteran = make_person(session, "U0OLDHAND", start_date=date(2020, 1, 6))
    veteran.created_at = MONDAY - timedelta(hours=2)
    session.commit()

    for day in range(3):
        planner.plan(deps.open_session, now=MONDAY + timedelta(days=day), settings=settings)

    assert planned_keys(session) == sorted(kinds.welcome_key(p) for p in welcomed)


def _with_connections(session: Session, slack_id: str, count: int, start: date) -> None:
    person = make_person(session, slack_id, start_date=start)
    person.created_at = START - timedelta(days=300)
    for i in range(count):
        other = make_person(session, f"{slack_id}C{i}", area="Sales")
        assert person.id is not None and other.id is not None
        record_connection(
            person.id,
            other.id,
            ConnectionSource.MET,
            session=session,
            now=START - timedelta(days=5),
        )
    session.commit()


def test_a_newcomer_behind_pace_hears_at_most_once_a_week_never_one_on_pace_or_done(
    deps: Deps, session: Session
) -> None:
    started = MONDAY.date() - timedelta(days=60)  # expected: 10 × 60 / 183 → 3
    _with_connections(session, "U0BEHIND1", 1, started)
    _with_connections(session, "U0ONPACE1", 3, started)
    _with_connections(session, "U0REACHED", 10, started)

    for day in range(5):  # Monday to Friday
        plan_at(deps, MONDAY + timedelta(days=day))
    plan_at(deps, MONDAY + timedelta(days=7))  # the next Monday

    assert planned_keys(session) == [
        "behind-pace:person:U0BEHIND1:2026-W48",
        "behind-pace:person:U0BEHIND1:2026-W49",
    ]


def test_muted_people_hear_nothing_until_the_day_they_chose_deactivated_never(
    deps: Deps, session: Session
) -> None:
    directory(session)
    requested(session, at=MONDAY - timedelta(days=4))  # → MENTOR
    met_logged(session, MENTEE, OTHER_MENTOR, at=MONDAY - timedelta(days=4))  # → OTHER_MENTOR
    set_person(session, MENTOR, nudges_muted=True, nudges_muted_until=date(2026, 11, 25))
    set_person(session, OTHER_MENTOR, is_active=False)

    plan_at(deps, MONDAY)
    plan_at(deps, MONDAY + timedelta(days=1))
    assert planned_keys(session) == []
    waits = {
        d.slack_id: d.waits
        for d in planner.preview(deps.open_session, now=MONDAY, settings=deps.settings)
    }
    assert waits == {MENTOR: "muted until 2026-11-25"}  # no one gets a word for the gone

    plan_at(deps, MONDAY + timedelta(days=2))  # Wednesday
    assert [p for _, p, _ in planned(session)] == [MENTOR]


def test_a_check_in_about_history_long_past_is_never_sent(deps: Deps, session: Session) -> None:
    directory(session)
    pair = active_pair(session, at=MONDAY - timedelta(days=60))
    hold(session, pair.first_session, MONDAY - timedelta(days=40))  # no follow-ups, long ago
    session.add(
        MetLog(logger_id=1, other_id=3, status="declined", created_at=MONDAY - timedelta(days=9))
    )
    session.commit()

    plan_at(deps, MONDAY)

    keys = planned_keys(session)
    assert kinds.followups_key(pair.first_session) not in keys
    assert all(not k.startswith("met-waiting") for k in keys)


def test_every_check_ins_outbox_kind_fits_the_outbox_column() -> None:
    """PostgreSQL enforces the column's length (SQLite would not say)."""
    from bot.nudges.kinds import OUTBOX_KIND
    from storage.models import OutboxMessage

    most = OutboxMessage.__table__.c.kind.type.length  # type: ignore[attr-defined]
    assert all(len(kind) <= most for kind in OUTBOX_KIND.values())
