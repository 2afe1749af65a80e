"""Connections: what counts (sessions, confirmed `met`), once per person, both ways, in time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.connections import (
    MetNotPossible,
    answer_met,
    lapse_met_requests,
    load_progress,
    log_met,
    start_transition,
    stop_transition,
)
from bot.context import Deps
from bot.errors import NotInDirectory
from bot.privacy import forget_person
from bot.progress import NEWCOMER
from storage.connections import record_connection
from storage.models import Connection, ConnectionSource, MetLog, MetStatus, Person, TransitionKind
from tests.conftest import START, FakeClock
from tests.digest_history import ZONE, build_history
from tests.factories import make_person
from tests.races import race


def _progress(session: Session, deps: Deps, person: Person, now: datetime = START):
    session.refresh(person)
    return load_progress(session, person, settings=deps.settings, now=now)


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    return {
        "alice": make_person(
            session, "U0ALICE01", area="Engineering", start_date=(START - timedelta(days=60)).date()
        ),
        "bob": make_person(session, "U0BOB0001", area="Sales"),
        "carol": make_person(session, "U0CAROL01", area="Finance"),
        "dave": make_person(session, "U0DAVE001", area="Engineering"),
    }


def _ids(people: dict[str, Person], *names: str) -> list[int]:
    return [people[n].id for n in names]  # type: ignore[misc]


def test_sessions_count_once_per_distinct_person_and_both_ways(
    session: Session, deps: Deps, people: dict[str, Person]
) -> None:
    alice, bob = _ids(people, "alice", "bob")
    for days_ago in (30, 20, 10):
        record_connection(
            alice, bob, ConnectionSource.SESSION, session=session, now=START - timedelta(days_ago)
        )

    assert _progress(session, deps, people["alice"]).total == 1
    assert _progress(session, deps, people["bob"]).total == 1


def test_a_confirmed_met_counts_for_both_and_once_with_a_session(
    session: Session, deps: Deps, people: dict[str, Person]
) -> None:
    logged = log_met(session, "U0ALICE01", "U0BOB0001", "coffee about onboarding", now=START)
    answer = answer_met(session, logged.met_id, "U0BOB0001", confirm=True, now=START)
    assert answer.status == MetStatus.CONFIRMED
    assert answer.new_for_logger
    record_connection(
        *_ids(people, "alice", "bob"), ConnectionSource.SESSION, session=session, now=START
    )

    alice = _progress(session, deps, people["alice"])
    assert alice.total == 1
    assert alice.primary is not None and alice.primary.count == 1
    assert _progress(session, deps, people["bob"]).total == 1


def test_an_unconfirmed_or_declined_met_does_not_count(
    session: Session, deps: Deps, people: dict[str, Person]
) -> None:
    log_met(session, "U0ALICE01", "U0BOB0001", "", now=START)
    declined = log_met(session, "U0ALICE01", "U0CAROL01", "", now=START)
    answer_met(session, declined.met_id, "U0CAROL01", confirm=False, now=START)

    assert _progress(session, deps, people["alice"]).total == 0
    assert _progress(session, deps, people["bob"]).total == 0
    assert _progress(session, deps, people["carol"]).total == 0


def test_a_met_lapses_after_fourteen_days_and_a_late_confirm_counts_nothing(
    session: Session, deps: Deps, people: dict[str, Person]
) -> None:
    logged = log_met(session, "U0ALICE01", "U0BOB0001", "", now=START)
    assert lapse_met_requests(session, now=START + timedelta(days=13, hours=23)) == []
    lapsed = lapse_met_requests(session, now=START + timedelta(days=14))
    assert [r.met_id for r in lapsed] == [logged.met_id]

    with pytest.raises(MetNotPossible, match="lapsed"):
        answer_met(session, logged.met_id, "U0BOB0001", confirm=True, now=START + timedelta(15))
    assert _progress(session, deps, people["alice"]).total == 0


def test_a_confirm_clicked_after_the_lapse_but_before_the_job_lapses_it(
    session: Session, deps: Deps, people: dict[str, Person]
) -> None:
    logged = log_met(session, "U0ALICE01", "U0BOB0001", "", now=START)
    late = answer_met(session, logged.met_id, "U0BOB0001", confirm=True, now=START + timedelta(15))
    assert late.status == MetStatus.LAPSED
    assert _progress(session, deps, people["alice"]).total == 0


def test_only_the_other_person_can_answer_and_only_once(
    session: Session, people: dict[str, Person]
) -> None:
    logged = log_met(session, "U0ALICE01", "U0BOB0001", "", now=START)
    with pytest.raises(MetNotPossible, match="Only <@U0BOB0001>"):
        answer_met(session, logged.met_id, "U0ALICE01", confirm=True, now=START)
    answer_met(session, logged.met_id, "U0BOB0001", confirm=True, now=START)
    with pytest.raises(MetNotPossible, match="Already confirmed"):
        answer_met(session, logged.met_id, "U0BOB0001", confirm=False, now=START)
    with pytest.raises(MetNotPossible, match="no longer exists"):
        answer_met(session, 9999, "U0BOB0001", confirm=True, now=START)


@pytest.mark.parametrize(
    ("other", "is_bot", "message"),
    [
        ("U0ALICE01", False, "with yourself"),
        ("U0BOTXX01", True, "is a bot"),
        ("U0NOBODY1", False, "isn't in the mentoring directory"),
    ],
)
def test_logging_yourself_a_bot_or_someone_unknown_is_refused_clearly(
    session: Session, people: dict[str, Person], other: str, is_bot: bool, message: str
) -> None:
    with pytest.raises(MetNotPossible, match=message):
        log_met(session, "U0ALICE01", other, "", now=START, other_is_bot=is_bot)


def test_logging_when_not_in_the_directory_says_so(session: Session) -> None:
    with pytest.raises(NotInDirectory):
        log_met(session, "U0NOBODY1", "U0BOB0001", "", now=START)


def test_a_second_log_for_the_same_pair_says_it_is_already_waiting(
    session: Session, people: dict[str, Person]
) -> None:
    log_met(session, "U0ALICE01", "U0BOB0001", "", now=START)
    with pytest.raises(MetNotPossible, match="waiting for them to confirm"):
        log_met(session, "U0ALICE01", "U0BOB0001", "again", now=START)
    with pytest.raises(MetNotPossible, match="already logged meeting you"):
        log_met(session, "U0BOB0001", "U0ALICE01", "", now=START)


def test_logging_an_existing_connection_says_it_counts_once(
    session: Session, people: dict[str, Person]
) -> None:
    record_connection(
        *_ids(people, "alice", "bob"), ConnectionSource.SESSION, session=session, now=START
    )
    with pytest.raises(MetNotPossible, match="counts once"):
        log_met(session, "U0ALICE01", "U0BOB0001", "", now=START)


def test_the_newcomer_window_is_honoured_at_day_0_182_and_183(
    session: Session, deps: Deps, people: dict[str, Person]
) -> None:
    alice = people["alice"]
    starts = START.replace(hour=12) - timedelta(days=60)  # noon on the start date
    for other, day in (("bob", 0), ("carol", 182), ("dave", 183)):
        record_connection(
            alice.id,  # type: ignore[arg-type]
            people[other].id,  # type: ignore[arg-type]
            ConnectionSource.SESSION,
            session=session,
            now=starts + timedelta(days=day),
        )
    on_day_182 = _progress(session, deps, alice, now=starts + timedelta(days=182))
    assert on_day_182.primary is not None
    assert on_day_182.primary.count == 2  # bob on day 0, carol on day 182
    assert on_day_182.primary.days_left == 1

    on_day_183 = _progress(session, deps, alice, now=starts + timedelta(days=183))
    assert on_day_183.goals == ()
    assert on_day_183.total == 3


def test_outside_area_leaves_out_my_own_area_and_my_manager(
    session: Session, deps: Deps, people: dict[str, Person]
) -> None:
    boss = make_person(session, "U0BOSS001", area="Operations")
    people["alice"].manager_slack_id = "U0BOSS001"
    session.add(people["alice"])
    for other in (people["bob"], people["dave"], boss):
        record_connection(
            people["alice"].id,  # type: ignore[arg-type]
            other.id,  # type: ignore[arg-type]
            ConnectionSource.SESSION,
            session=session,
            now=START,
        )
    progress = _progress(session, deps, people["alice"])
    assert progress.total == 3
    assert progress.outside_area_total == 1  # bob; dave shares my area, the boss is my line


def test_a_transition_starts_its_own_smaller_goal(
    session: Session, deps: Deps, people: dict[str, Person], clock: FakeClock
) -> None:
    bob = people["bob"]  # not a newcomer: no start date
    record_connection(
        bob.id,  # type: ignore[arg-type]
        people["carol"].id,  # type: ignore[arg-type]
        ConnectionSource.SESSION,
        session=session,
        now=START - timedelta(days=5),
    )
    assert _progress(session, deps, bob).goals == ()

    assert start_transition(
        session, bob, TransitionKind.FIRST_TIME_SUPERVISOR, settings=deps.settings, now=START
    )
    record_connection(
        bob.id,  # type: ignore[arg-type]
        people["dave"].id,  # type: ignore[arg-type]
        ConnectionSource.SESSION,
        session=session,
        now=START + timedelta(days=1),
    )
    progress = _progress(session, deps, bob, now=START + timedelta(days=2))
    (goal,) = progress.goals
    assert goal.kind == TransitionKind.FIRST_TIME_SUPERVISOR
    assert (goal.goal, goal.window.days) == (3, 90)
    assert goal.count == 1  # carol came before the transition
    assert progress.total == 2

    later = _progress(session, deps, bob, now=START + timedelta(days=90))
    assert later.goals == ()


def test_a_newcomer_with_a_transition_has_both_goals_and_marking_again_is_a_no_op(
    session: Session, deps: Deps, people: dict[str, Person]
) -> None:
    alice = people["alice"]
    assert start_transition(
        session, alice, TransitionKind.WORKING_OVERSEAS, settings=deps.settings, now=START
    )
    assert not start_transition(
        session, alice, TransitionKind.WORKING_OVERSEAS, settings=deps.settings, now=START
    )
    kinds = [goal.kind for goal in _progress(session, deps, alice).goals]
    assert kinds == [NEWCOMER, TransitionKind.WORKING_OVERSEAS]

    assert start_transition(
        session, alice, TransitionKind.NEW_DISCIPLINE, settings=deps.settings, now=START
    )
    kinds = [goal.kind for goal in _progress(session, deps, alice).goals]
    assert kinds == [NEWCOMER, TransitionKind.NEW_DISCIPLINE]

    assert stop_transition(session, alice, now=START)
    assert [goal.kind for goal in _progress(session, deps, alice).goals] == [NEWCOMER]


@pytest.mark.parametrize(
    "settings_overrides",
    [{"MENTORBOT_TRANSITION_GOAL": "5", "MENTORBOT_TRANSITION_WINDOW_DAYS": "120"}],
)
def test_the_transition_goal_and_window_are_configurable(
    session: Session, deps: Deps, people: dict[str, Person]
) -> None:
    bob = people["bob"]
    start_transition(session, bob, TransitionKind.NEW_DISCIPLINE, settings=deps.settings, now=START)
    (goal,) = _progress(session, deps, bob).goals
    assert (goal.goal, goal.window.days) == (5, 120)


@pytest.mark.parametrize("second_logger", ["U0ALICE01", "U0BOB0001"])
def test_two_mets_logged_at_once_for_the_same_pair_leave_one_waiting(
    session: Session, deps: Deps, people: dict[str, Person], second_logger: str
) -> None:
    session.commit()
    other = "U0BOB0001" if second_logger == "U0ALICE01" else "U0ALICE01"
    first, second = race(
        deps,
        lambda s: log_met(s, "U0ALICE01", "U0BOB0001", "coffee", now=START),
        lambda s: log_met(s, second_logger, other, "coffee", now=START),
        second_writes="INSERT INTO metlog",
    )
    assert not isinstance(first, MetNotPossible)
    assert isinstance(second, MetNotPossible)
    assert "already logged" in str(second)
    with deps.open_session() as fresh:
        assert len(fresh.exec(select(MetLog)).all()) == 1


@pytest.mark.parametrize("second_confirms", [True, False])
def test_confirm_and_a_second_answer_at_once_count_once_and_agree(
    session: Session, deps: Deps, people: dict[str, Person], second_confirms: bool
) -> None:
    logged = log_met(session, "U0ALICE01", "U0BOB0001", "", now=START)
    session.commit()

    def answer(confirm: bool):  # type: ignore[no-untyped-def]
        return lambda s: answer_met(s, logged.met_id, "U0BOB0001", confirm=confirm, now=START)

    first, second = race(
        deps,
        answer(True),
        answer(second_confirms),
        second_writes=r"^\s*(UPDATE metlog|INSERT INTO connection)",
    )
    assert first.status == MetStatus.CONFIRMED
    assert isinstance(second, MetNotPossible) and "Already confirmed" in str(second)
    with deps.open_session() as fresh:
        assert fresh.get(MetLog, logged.met_id).status == MetStatus.CONFIRMED  # type: ignore[union-attr]
        assert len(fresh.exec(select(Connection)).all()) == 2  # one each way


# --- the first connection of a pair, as stored (the digest counts these) --------------------


def _firsts(session: Session) -> dict[tuple[int, int, str], bool]:
    """Every connection row's stored mark, by (person, other, source)."""
    session.expire_all()
    rows = session.exec(select(Connection)).all()
    return {(r.person_id, r.other_id, r.source): r.first_of_pair for r in rows}


def _firsts_by_definition(session: Session) -> dict[tuple[int, int, str], bool]:
    """What the mark should be: the earliest row each way round, the lower ID on a tie."""
    session.expire_all()
    earliest: dict[tuple[int, int], tuple[datetime, int]] = {}
    rows = session.exec(select(Connection)).all()
    for r in rows:
        key, moment = (r.person_id, r.other_id), (r.made_at, r.id or 0)
        earliest[key] = min(earliest.get(key, moment), moment)
    return {
        (r.person_id, r.other_id, r.source): earliest[(r.person_id, r.other_id)][1] == r.id
        for r in rows
    }


def test_the_first_connection_of_a_pair_is_marked_each_way_and_only_once(
    session: Session, people: dict[str, Person]
) -> None:
    alice, bob, carol = _ids(people, "alice", "bob", "carol")
    record_connection(alice, bob, ConnectionSource.SESSION, session=session, now=START)
    # The pair's second conversation holds sessions too: nothing new, the mark stays put.
    for days in (3, 10):
        record_connection(
            bob, alice, ConnectionSource.SESSION, session=session, now=START + timedelta(days)
        )
    record_connection(
        alice, bob, ConnectionSource.MET, session=session, now=START + timedelta(days=20)
    )
    # Same moment, two sources: the row recorded first (the lower ID) is the first.
    record_connection(alice, carol, ConnectionSource.MET, session=session, now=START)
    record_connection(carol, alice, ConnectionSource.SESSION, session=session, now=START)

    assert _firsts(session) == {
        (alice, bob, "session"): True,
        (bob, alice, "session"): True,
        (alice, bob, "met"): False,
        (bob, alice, "met"): False,
        (alice, carol, "met"): True,
        (carol, alice, "met"): True,
        (alice, carol, "session"): False,
        (carol, alice, "session"): False,
    }


def test_a_connection_dated_before_the_pairs_first_takes_the_mark(
    session: Session, people: dict[str, Person]
) -> None:
    alice, bob = _ids(people, "alice", "bob")
    record_connection(alice, bob, ConnectionSource.SESSION, session=session, now=START)
    record_connection(
        alice, bob, ConnectionSource.MET, session=session, now=START - timedelta(days=2)
    )

    assert _firsts(session) == {
        (alice, bob, "session"): False,
        (bob, alice, "session"): False,
        (alice, bob, "met"): True,
        (bob, alice, "met"): True,
    }
    assert _firsts(session) == _firsts_by_definition(session)


def test_after_forget_me_the_other_keeps_their_first_connection_with_the_tombstone(
    session: Session, people: dict[str, Person]
) -> None:
    alice, bob, carol = _ids(people, "alice", "bob", "carol")
    record_connection(alice, bob, ConnectionSource.SESSION, session=session, now=START)
    record_connection(
        alice, bob, ConnectionSource.MET, session=session, now=START + timedelta(days=1)
    )
    record_connection(bob, carol, ConnectionSource.MET, session=session, now=START)
    session.commit()

    assert forget_person(session, "U0BOB0001")
    session.commit()

    assert _firsts(session) == {
        (alice, bob, "session"): True,
        (alice, bob, "met"): False,
        (carol, bob, "met"): True,
    }
    assert _firsts(session) == _firsts_by_definition(session)


def test_a_programme_built_through_the_services_has_every_first_connection_marked(
    session: Session, deps: Deps
) -> None:
    settings = deps.settings.model_copy(update={"connection_goal": 3, "digest_tz": ZONE})
    build_history(session, settings)
    session.commit()

    firsts = _firsts(session)
    assert firsts and firsts == _firsts_by_definition(session)
