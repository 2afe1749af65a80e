"""Mentor offers: from the CSV roster, from the modal, pause dates, and the Home summary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from bot.context import Deps
from bot.errors import MentorbotError
from bot.matching import find_mentors
from bot.offers import (
    NoOffer,
    OfferForm,
    OfferInvalid,
    apply_offer,
    apply_offers,
    offer_summary,
    parse_pause_date,
    pause,
    resume,
    save_offer,
    set_paused,
    supply_and_demand,
)
from bot.people import ImportReport, MentorColumns, import_people
from storage import offers as offers_store
from storage import people as people_store
from tests.factories import make_person
from tests.mentors import NOW, conversation

TODAY = NOW.date()

ROSTER = """slack_id,name,area,level,mentor_topics,mentor_capacity,reverse_mentoring
U0ALICE01,Alice,Engineering,4,Presentations; Kubernetes,3,yes
U0BOB0001,Bob,Sales,3,,,
U0CAROL01,Carol,Finance,5,public speaking;Budgeting,,no
"""


def _import(deps: Deps, text: str) -> ImportReport:
    return import_people(
        text,
        open_session=deps.open_session,
        resolve_email=lambda _email: None,
        now=NOW,
        apply_offers=apply_offers,
    )


def test_a_coordinator_enrols_a_roster_of_mentors_from_the_csv(
    deps: Deps, session: Session
) -> None:
    report = _import(deps, ROSTER)
    assert report.ok and report.created == 3
    alice = people_store.get_by_slack_id("U0ALICE01", session=session)
    carol = people_store.get_by_slack_id("U0CAROL01", session=session)
    bob = people_store.get_by_slack_id("U0BOB0001", session=session)
    assert alice and bob and carol
    summary = offer_summary(session, alice, now=NOW)
    assert summary is not None
    assert (summary.topics, summary.capacity, summary.reverse_mentoring) == (
        ("Kubernetes", "Presentations"),
        3,
        True,
    )
    # "public speaking" is the same catalogue topic as "Presentations".
    carol_summary = offer_summary(session, carol, now=NOW)
    assert carol_summary is not None
    assert carol_summary.topics == ("Budgeting", "Presentations")
    assert carol_summary.capacity == 2  # the default
    assert offer_summary(session, bob, now=NOW) is None


def test_reimporting_updates_offers_in_place(deps: Deps, session: Session) -> None:
    _import(deps, ROSTER)
    report = _import(deps, "slack_id,mentor_topics,mentor_capacity\nU0ALICE01,Negotiation,5\n")
    assert report.updated == 1
    alice = people_store.get_by_slack_id("U0ALICE01", session=session)
    assert alice is not None
    summary = offer_summary(session, alice, now=NOW)
    assert summary is not None
    assert (summary.topics, summary.capacity, summary.reverse_mentoring) == (
        ("Negotiation",),
        5,
        True,
    )


def test_a_row_with_too_many_topics_is_reported_and_the_rest_import(deps: Deps) -> None:
    topics = ";".join(f"Topic {n}" for n in range(30))
    report = _import(deps, f"slack_id,mentor_topics\nU0ALICE01,{topics}\nU0BOB0001,Negotiation\n")
    assert [e.line for e in report.errors] == [2]
    assert "at most 15" in report.errors[0].reason
    assert report.created == 1


def test_saving_from_the_modal_validates_every_field(session: Session) -> None:
    alice = make_person(session, "U0ALICE01")
    with pytest.raises(OfferInvalid) as problem:
        save_offer(session, alice, OfferForm(capacity="abc"), now=NOW)
    assert set(problem.value.errors) == {"topics", "capacity"}
    summary = save_offer(
        session,
        alice,
        OfferForm(new_topics=("Kubernetes", "kubernetes"), capacity="2", help_with="  Hi  "),
        now=NOW,
    )
    assert summary.topics == ("Kubernetes",) and summary.help_with == "Hi"


def test_summary_shows_load_and_pause_state(session: Session) -> None:
    alice = make_person(session, "U0ALICE01", area="Sales")
    apply_offer(session, alice, MentorColumns(("Presentations",), 2, None), NOW)
    conversation(session, make_person(session, "U0BOB0001"), alice)
    summary = pause(session, alice, TODAY + timedelta(days=3), now=NOW)
    assert (summary.active_load, summary.free_slots, summary.is_paused) == (1, 1, True)
    assert summary.paused_until == TODAY + timedelta(days=3)
    later = offer_summary(session, alice, now=NOW + timedelta(days=3))
    assert later is not None and not later.is_paused
    summary, was_paused = resume(session, alice, now=NOW)
    assert was_paused and not summary.is_paused
    assert set_paused(session, alice, True, now=NOW)[1] is True
    summary, changed = set_paused(session, alice, True, now=NOW)  # a double click
    assert summary.is_paused and changed is False
    assert set_paused(session, alice, False, now=NOW) == (
        offer_summary(session, alice, now=NOW),
        True,
    )
    assert set_paused(session, alice, False, now=NOW)[1] is False


def test_pausing_without_an_offer_says_how_to_offer(session: Session) -> None:
    alice = make_person(session, "U0ALICE01")
    with pytest.raises(NoOffer, match="/mentor offer"):
        pause(session, alice, None, now=NOW)
    assert offers_store.get_offer(alice.id or 0, session=session) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("  ", None),
        ("2026-12-07", date(2026, 12, 7)),
        ("tomorrow", TODAY + timedelta(days=1)),
        ("2 weeks", TODAY + timedelta(days=14)),
        ("10 days", TODAY + timedelta(days=10)),
        ("for 3 weeks", TODAY + timedelta(days=21)),
    ],
)
def test_pause_dates_people_type(text: str, expected: date | None) -> None:
    assert parse_pause_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("next week-ish", "couldn't read"),
        ("07/12/2026", "couldn't read"),
        ("2026-02-30", "couldn't read"),
        ("2026-11-23", "not in the future"),
        ("2025-01-01", "not in the future"),
        ("2029-01-01", "at most a year"),
        ("0 days", "not in the future"),
    ],
)
def test_unreadable_or_past_pause_dates_are_explained(text: str, says: str) -> None:
    with pytest.raises(MentorbotError, match=says):
        parse_pause_date(text, today=TODAY)


def test_supply_and_demand_counts_searches_and_available_mentors(session: Session) -> None:
    mentee = make_person(session, "U0MENTEE1", area="Support", level=3)
    apply_offer(
        session,
        make_person(session, "U0MENTOR1", area="Sales", level=4),
        MentorColumns(("Presentations",), 2, None),
        NOW,
    )
    for words in ("presentations", "Presentation", "basket weaving", "basket weaving"):
        find_mentors(session, mentee, words, now=NOW, max_level_gap=2)
    table = supply_and_demand(session, start=TODAY, end=TODAY + timedelta(days=7), now=NOW)
    assert [(r.label, r.searches, r.unmatched, r.mentors) for r in table] == [
        ("basket weaving", 2, 2, 0),
        ("Presentations", 2, 0, 1),
    ]


def test_an_invalid_offer_quotes_typed_text_inert_in_its_message_and_as_typed_per_field() -> None:
    problem = OfferInvalid({"new_topics": "“<!here> & co…” is longer"})
    assert str(problem) == "“&lt;!here&gt; &amp; co…” is longer"
    assert problem.errors == {"new_topics": "“<!here> & co…” is longer"}  # plain-text field
