"""Matching: who is eligible, in which order, and why (pure service over real SQLite)."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from bot import matching
from bot.context import Deps
from bot.matching import (
    ConcernCode,
    Eligibility,
    check_mentor,
    find_mentors,
    suggest_mentors,
)
from storage import offers as offers_store
from storage.models import ConversationStatus, Person
from tests.dbstate import company_wide_reads, statements_run
from tests.factories import make_person
from tests.mentors import NOW, build_directory, conversation, offer

ALICE_ELIGIBLE = {"U0BOB0001", "U0LEO0001", "U0DAN0001", "U0KATE001"}


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    return build_directory(session)


def _ids(suggestions: list) -> list[str]:
    return [s.mentor.slack_id for s in suggestions]


def test_find_suggests_only_mentors_outside_my_area_chain_and_reports(
    session: Session, people: dict[str, Person]
) -> None:
    found = suggest_mentors(session, people["U0ALICE01"], "presentations", now=NOW, max_level_gap=2)
    assert set(_ids(found)) == ALICE_ELIGIBLE


def test_ranking_puts_new_connections_first_then_closer_seniority_deterministically(
    session: Session, people: dict[str, Person]
) -> None:
    found = suggest_mentors(session, people["U0ALICE01"], "presentations", now=NOW, max_level_gap=2)
    assert _ids(found) == ["U0BOB0001", "U0LEO0001", "U0DAN0001", "U0KATE001"]
    assert found[-1].is_new_connection is False
    assert all(s.is_new_connection for s in found[:3])


def test_each_suggestion_explains_itself(session: Session, people: dict[str, Person]) -> None:
    conversation(session, people["U0PAUL001"], people["U0BOB0001"])
    bob = suggest_mentors(session, people["U0ALICE01"], "public speaking", now=NOW, max_level_gap=2)
    by_id = {s.mentor.slack_id: s for s in bob}
    assert by_id["U0BOB0001"].reasons == ("new connection for you", "near your level")
    assert by_id["U0BOB0001"].matched_topics == ("Presentations",)
    assert "open to reverse mentoring" in by_id["U0DAN0001"].reasons
    assert "you've talked before" in by_id["U0KATE001"].reasons


def test_lighter_load_ranks_first_among_equals(session: Session, people: dict[str, Person]) -> None:
    conversation(session, people["U0PAUL001"], people["U0BOB0001"])  # Bob 1 of 2
    found = suggest_mentors(session, people["U0ALICE01"], "presentations", now=NOW, max_level_gap=2)
    # Load comes before seniority: Dan (0 of 3, two levels away) now beats Bob (1 of 2).
    assert _ids(found) == ["U0LEO0001", "U0DAN0001", "U0BOB0001", "U0KATE001"]


def test_a_full_mentor_is_not_suggested_until_a_slot_frees(
    session: Session, people: dict[str, Person]
) -> None:
    conversation(session, people["U0PAUL001"], people["U0BOB0001"])
    conversation(session, people["U0SENIOR1"], people["U0BOB0001"])
    found = suggest_mentors(session, people["U0ALICE01"], "negotiation", now=NOW, max_level_gap=2)
    assert found == []
    # Requests still waiting do not count against capacity; only active conversations do.
    conversation(session, people["U0PAUL001"], people["U0LEO0001"], ConversationStatus.REQUESTED)
    found = suggest_mentors(session, people["U0ALICE01"], "presentation", now=NOW, max_level_gap=2)
    assert "U0LEO0001" in _ids(found)


def test_quick_answerers_rank_above_slow_ones_and_unknown_is_neutral(
    session: Session, people: dict[str, Person]
) -> None:
    # Bob and Leo are otherwise equal; Bob usually takes a week, Leo answers within hours.
    conversation(
        session,
        people["U0PAUL001"],
        people["U0BOB0001"],
        ConversationStatus.CLOSED,
        answered_after=timedelta(days=6),
    )
    conversation(
        session,
        people["U0PAUL001"],
        people["U0LEO0001"],
        ConversationStatus.CLOSED,
        answered_after=timedelta(hours=3),
    )
    found = suggest_mentors(session, people["U0ALICE01"], "presentations", now=NOW, max_level_gap=2)
    assert _ids(found) == ["U0LEO0001", "U0DAN0001", "U0BOB0001", "U0KATE001"]
    leo = found[0]
    assert "usually answers within a day" in leo.reasons


def test_paused_until_a_date_comes_back_on_that_date(
    session: Session, people: dict[str, Person]
) -> None:
    later = NOW + timedelta(days=5)
    found = suggest_mentors(
        session, people["U0ALICE01"], "presentations", now=later, max_level_gap=2, limit=10
    )
    assert "U0HEIDI01" in _ids(found)
    assert "U0IVAN001" not in _ids(found)


def test_reverse_mentors_appear_for_senior_mentees(
    session: Session, people: dict[str, Person]
) -> None:
    found = suggest_mentors(
        session, people["U0SENIOR1"], "presentations", now=NOW, max_level_gap=2, limit=10
    )
    assert "U0DAN0001" in _ids(found)
    # Juniors without reverse mentoring do not.
    assert not {"U0ERIN001", "U0BOB0001", "U0LEO0001", "U0KATE001"} & set(_ids(found))
    assert "U0CTO0001" in _ids(found)  # same level, other area


def test_level_gap_setting_is_respected(session: Session, people: dict[str, Person]) -> None:
    found = suggest_mentors(
        session, people["U0ALICE01"], "presentations", now=NOW, max_level_gap=3, limit=10
    )
    assert "U0FRANK01" in _ids(found)
    found = suggest_mentors(
        session, people["U0ALICE01"], "presentations", now=NOW, max_level_gap=0, limit=10
    )
    assert set(_ids(found)) == {"U0KATE001", "U0DAN0001"}


def test_exclude_ids_and_limit(session: Session, people: dict[str, Person]) -> None:
    bob = people["U0BOB0001"]
    found = suggest_mentors(
        session,
        people["U0ALICE01"],
        "presentations",
        now=NOW,
        max_level_gap=2,
        limit=2,
        exclude_ids=[bob.id or 0],
    )
    assert _ids(found) == ["U0LEO0001", "U0DAN0001"]


def test_without_topic_words_every_eligible_mentor_ranks(
    session: Session, people: dict[str, Person]
) -> None:
    found = suggest_mentors(session, people["U0ALICE01"], None, now=NOW, max_level_gap=2, limit=10)
    assert set(_ids(found)) == ALICE_ELIGIBLE
    assert found[0].matched_topics == ()
    assert "Negotiation" in found[0].offered_topics


def test_transition_label_finds_mentors_for_that_transition(session: Session) -> None:
    mentee = make_person(session, "U0NEW0001", area="Support", level=3)
    mentor = offer(
        session, make_person(session, "U0MGR0001", area="Ops", level=4), ("First-time supervisor",)
    )
    found = suggest_mentors(session, mentee, "first time manager", now=NOW, max_level_gap=2)
    assert _ids(found) == [mentor.slack_id]
    assert found[0].matched_topics == ("First-time supervisor",)


def test_unknown_levels_and_areas_do_not_filter(session: Session) -> None:
    mentee = make_person(session, "U0NEW0001", area=None, level=None)
    offer(session, make_person(session, "U0ANY0001", area="Ops", level=9))
    found = suggest_mentors(session, mentee, "presentations", now=NOW, max_level_gap=2)
    assert _ids(found) == ["U0ANY0001"]


def test_find_counts_demand_and_offers_closest_topics_when_nobody_fits(
    session: Session, people: dict[str, Person]
) -> None:
    result = find_mentors(
        session, people["U0ALICE01"], "Negotiating budgets", now=NOW, max_level_gap=2
    )
    assert _ids(list(result.suggestions)) == ["U0BOB0001"]
    none = find_mentors(
        session, people["U0ALICE01"], "underwater basket weaving", now=NOW, max_level_gap=2
    )
    assert none.suggestions == () and not none.topic_exists
    assert none.closest == ()  # never an unrelated list
    near = find_mentors(session, people["U0ALICE01"], "negotiate", now=NOW, max_level_gap=2)
    assert near.suggestions == () and near.closest == ("Negotiation",)  # the same stem
    demand = offers_store.demand_between(
        NOW.date(), NOW.date() + timedelta(days=1), session=session
    )
    by_key = {d.key: d for d in demand}
    assert by_key["underwater basket weaving"].unmatched == 1
    assert by_key["negotiation budget"].searches == 1
    assert by_key["negotiation budget"].unmatched == 0


def test_ask_checks_block_paused_and_full_and_warn_about_my_own_area(
    session: Session, people: dict[str, Person]
) -> None:
    alice = people["U0ALICE01"]

    def check(slack_id: str) -> Eligibility:
        return check_mentor(session, alice, people[slack_id], now=NOW, max_level_gap=2)

    assert check("U0BOB0001").allowed and check("U0BOB0001").warnings == ()
    assert "paused" in check("U0IVAN001").blockers[0]
    assert "until 2026-11-28" in check("U0HEIDI01").blockers[0]
    assert "at capacity" in check("U0GRACE01").blockers[0]
    assert check("U0CAROL01").allowed and "your own area" in check("U0CAROL01").warnings[0]
    assert "management chain" in check("U0EMMA001").warnings[0]
    assert "reports to you" in check("U0MIA0001").warnings[0]
    assert "hasn't offered to mentor" in check("U0NOBODY1").warnings[0]
    assert not check("U0ALICE01").allowed
    assert not check("U0JUDY001").allowed


def test_each_ask_concern_carries_a_code_so_callers_never_match_wording(
    session: Session, people: dict[str, Person]
) -> None:
    alice = people["U0ALICE01"]

    def codes(slack_id: str) -> set[ConcernCode]:
        return set(check_mentor(session, alice, people[slack_id], now=NOW, max_level_gap=2).codes)

    assert codes("U0BOB0001") == set()
    assert codes("U0ALICE01") == {ConcernCode.YOURSELF}
    assert codes("U0JUDY001") == {ConcernCode.INACTIVE}
    assert codes("U0IVAN001") == {ConcernCode.PAUSED}
    assert codes("U0GRACE01") == {ConcernCode.AT_CAPACITY}
    assert codes("U0NOBODY1") == {ConcernCode.NO_OFFER}
    assert codes("U0CAROL01") == {ConcernCode.OWN_AREA}
    assert ConcernCode.MANAGEMENT_CHAIN in codes("U0EMMA001")
    assert ConcernCode.REPORTS_TO_YOU in codes("U0MIA0001")
    assert codes("U0FRANK01") == {ConcernCode.LEVEL_GAP}
    assert codes("U0ERIN001") == {ConcernCode.JUNIOR}


def test_a_pair_on_call_may_ask_a_full_mentor_but_not_a_paused_one(
    session: Session, people: dict[str, Person]
) -> None:
    alice, grace, ivan = people["U0ALICE01"], people["U0GRACE01"], people["U0IVAN001"]
    for mentor in (grace, ivan):
        conversation(session, alice, mentor, ConversationStatus.CLOSED).on_call = True
    session.flush()
    full = check_mentor(session, alice, grace, now=NOW, max_level_gap=2)
    assert full.allowed and full.blockers == ()
    paused = check_mentor(session, alice, ivan, now=NOW, max_level_gap=2)
    assert paused.codes == {ConcernCode.PAUSED}
    bob = check_mentor(session, people["U0BOB0001"], grace, now=NOW, max_level_gap=2)
    assert ConcernCode.AT_CAPACITY in bob.codes  # the exception is the pair's, not grace's


def test_mentors_python_must_skip_do_not_hide_the_ones_further_down(session: Session) -> None:
    # SQL compares trimmed lower case; "Customer  Success" with two spaces is still my area.
    mentee = make_person(session, "U0MENTEE1", area="Customer Success", level=3)
    for n in range(25):
        offer(session, make_person(session, f"U0SAME{n:03d}", area="customer  success", level=3))
    far = offer(session, make_person(session, "U0OTHER01", area="Finance", level=5))
    found = suggest_mentors(session, mentee, "presentations", now=NOW, max_level_gap=2, limit=1)
    assert _ids(found) == [far.slack_id]


def test_a_tier_larger_than_one_query_is_ranked_the_same(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentee = make_person(session, "U0MENTEE1", area="Support", level=3)
    for n in range(12):
        mentor = make_person(session, f"U0MENT{n:03d}", area="Sales", level=3 + n % 3)
        offer(session, mentor, capacity=3)
        for _ in range(n % 3):
            conversation(session, make_person(session, f"U0MEE{n:03d}{_}", area="Ops"), mentor)
    expected = _ids(suggest_mentors(session, mentee, "presentations", now=NOW, max_level_gap=2))
    monkeypatch.setattr(offers_store, "CHUNK", 4)
    chunked = _ids(suggest_mentors(session, mentee, "presentations", now=NOW, max_level_gap=2))
    assert chunked == expected
    assert expected == ["U0MENT000", "U0MENT003", "U0MENT006", "U0MENT009", "U0MENT001"]


def test_anyone_who_could_help_is_ranked_within_a_window_of_offers_not_the_whole_company(
    session: Session,
) -> None:
    """ "Who to ask next" costs the same at any company size: a fixed number of offers,
    a window that depends on who asks, wrapping around, read from the primary key."""
    mentors = [make_person(session, f"U0W{n:06d}", area="Sales") for n in range(30)]
    for mentor in mentors:
        offer(session, mentor, ("Negotiation",))
    session.commit()

    assert offers_store.offer_window(1, 30, session=session) is None  # all of them fit
    windows = {seed: offers_store.offer_window(seed, 10, session=session) for seed in range(6)}
    for window in windows.values():
        assert window is not None and len(window) == len(set(window)) == 10
    assert windows[3] == offers_store.offer_window(3, 10, session=session)  # stable
    assert len({tuple(w or ()) for w in windows.values()}) > 1  # people see different parts

    mentee = make_person(session, "U0WMENTEE", area="Engineering")
    session.commit()
    found = suggest_mentors(session, mentee, None, now=NOW, max_level_gap=2, limit=3)
    assert len(found) == 3  # the window still yields people who can help


def test_a_topics_window_is_every_offer_up_to_its_size_and_each_offers_topics_whole(
    session: Session,
) -> None:
    """A search ranks a window of each matched topic's offers; the offers in it keep every
    matched topic they cover, even one whose own window did not reach them."""
    mentors = [make_person(session, f"U0W{n:06d}", area="Sales") for n in range(30)]
    for mentor in mentors[:-1]:
        offer(session, mentor, ("Negotiation",))
    offer(session, mentors[-1], ("Negotiation", "Pricing"))  # the last offer covers both
    session.commit()
    topics = offers_store.topics_by_keys(["negotiation", "pricing"], session=session)
    negotiation, pricing = topics["negotiation"].id, topics["pricing"].id
    assert negotiation is not None and pricing is not None

    whole = offers_store.offer_topic_window({negotiation: 30}, 1, session=session)
    assert len(whole) == 30  # a topic with no more offers than the window: all of them
    windows = {
        seed: offers_store.offer_topic_window({negotiation: 10, pricing: 10}, seed, session=session)
        for seed in range(8)
    }
    for pairs in windows.values():
        offered = {o for o, t in pairs if t == negotiation}
        assert 10 <= len(offered) <= 11  # its window, plus the one Pricing brings
        assert {o for o, t in pairs if t == pricing} == {max(offered)}  # Pricing is whole...
    # ...and its one offer is ranked with both its topics, wherever Negotiation's window is.
    assert all(len({t for _, t in pairs}) == 2 for pairs in windows.values())
    assert windows[3] == offers_store.offer_topic_window(
        {negotiation: 10, pricing: 10}, 3, session=session
    )  # stable
    assert len({frozenset(p) for p in windows.values()}) > 1  # people see different parts


def test_a_popular_topic_finds_eligible_mentors_among_a_window_of_its_offers(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A topic offered by more people than the window still finds mentors, every rule
    kept, and the window's size, not the topic's popularity, bounds the offers ranked."""
    monkeypatch.setattr(matching, "TOPIC_POOL", 8)
    monkeypatch.setattr(matching, "TOPIC_SHARE", 8)
    for n in range(60):  # every third one cannot be suggested: own area, paused or full
        kind = n % 6
        area = "Engineering" if kind == 0 else "Sales"
        mentor = make_person(session, f"U0POP{n:04d}", area=area, level=3 + n % 2)
        offer(session, mentor, ("Negotiation",), capacity=1, paused=kind == 2)
        if kind == 4:
            conversation(session, make_person(session, f"U0BUSY{n:03d}", area="Ops"), mentor)
    mentees = [make_person(session, f"U0ASK{n:04d}", area="Engineering") for n in range(6)]
    session.commit()
    ranked: list[int] = []
    rank = offers_store.ranked_candidates

    def counting(**kwargs: Any) -> list[offers_store.CandidateRow]:
        ranked.append(len(kwargs["offer_ids"]))
        return rank(**kwargs)

    monkeypatch.setattr(offers_store, "ranked_candidates", counting)

    shown: dict[str, list[str]] = {}
    for mentee in mentees:
        found = find_mentors(session, mentee, "negotiation", now=NOW, max_level_gap=2, limit=3)
        assert len(found.suggestions) == 3
        for suggestion in found.suggestions:
            assert (
                check_mentor(session, mentee, suggestion.mentor, now=NOW, max_level_gap=2)
                == Eligibility()
            )  # outside the area, not paused, with a free slot, no warning
        shown[mentee.slack_id] = _ids(list(found.suggestions))
    assert ranked and max(ranked) <= 8  # never the topic's 60 offers
    assert len({tuple(ids) for ids in shown.values()}) > 1  # requests spread among mentors
    again = find_mentors(session, mentees[0], "negotiation", now=NOW, max_level_gap=2, limit=3)
    assert _ids(list(again.suggestions)) == shown[mentees[0].slack_id]  # the same for them


def test_the_one_eligible_mentor_outside_the_window_is_still_found_never_nobody_fits(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the window holds nobody this mentee may ask, every offer of the topic is
    ranked before the search says nobody fits: a window must not make a false answer."""
    monkeypatch.setattr(matching, "TOPIC_POOL", 4)
    monkeypatch.setattr(matching, "TOPIC_SHARE", 4)
    for n in range(30):  # all in the mentee's own area but the last one
        area = "Sales" if n == 29 else "Engineering"
        offer(session, make_person(session, f"U0OWN{n:04d}", area=area), ("Negotiation",))
    mentee = make_person(session, "U0ASKER01", area="Engineering")
    session.commit()

    found = find_mentors(session, mentee, "negotiation", now=NOW, max_level_gap=2)

    assert _ids(list(found.suggestions)) == ["U0OWN0029"]
    assert not found.stopped_by


@pytest.mark.skipif(
    bool(os.environ.get("MENTORBOT_TEST_DATABASE_URL")), reason="reads SQLite's query plans"
)
def test_a_find_reads_each_candidates_own_conversations_not_all_in_a_status(
    deps: Deps, session: Session, people: dict[str, Person]
) -> None:
    """Counting a candidate's active conversations through a status-first index read
    every active conversation in the company per candidate: seconds at 200,000 people."""
    conversation(
        session, people["U0PAUL001"], people["U0BOB0001"], answered_after=timedelta(hours=5)
    )
    session.commit()
    with statements_run(deps.engine) as statements:
        for words in ("presentations", "negotiation", "underwater basket weaving"):
            find_mentors(session, people["U0ALICE01"], words, now=NOW, max_level_gap=2)
        suggest_mentors(session, people["U0ALICE01"], None, now=NOW, max_level_gap=2)
    assert company_wide_reads(deps.engine, statements) == {}


def test_loosely_related_topics_do_not_crowd_the_asked_for_one_out_of_the_window(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Half the window goes to the topics that fit best: searching "negotiation" among
    many "<area> negotiation" topics still ranks enough Negotiation mentors to show only
    them, while an even split would have left room for four."""
    monkeypatch.setattr(matching, "TOPIC_POOL", 20)
    monkeypatch.setattr(matching, "TOPIC_SHARE", 2)
    for n in range(30):
        offer(session, make_person(session, f"U0NEG{n:04d}", area="Sales"), ("Negotiation",))
    for area in ("Finance", "Legal", "Design", "Support"):
        for n in range(10):
            mentor = make_person(session, f"U0{area[:3].upper()}{n:04d}", area="Sales")
            offer(session, mentor, (f"{area} negotiation",))
    mentee = make_person(session, "U0ASKER01", area="Engineering")
    session.commit()
    found = find_mentors(session, mentee, "negotiation", now=NOW, max_level_gap=2, limit=5)
    assert [s.matched_topics for s in found.suggestions] == [("Negotiation",)] * 5
