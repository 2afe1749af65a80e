"""Topic normalisation, synonyms and matching a search to the catalogue (pure)."""

from __future__ import annotations

import pytest

from bot.topics import (
    NEED_TOPICS,
    TRANSITION_TOPICS,
    CatalogueTopic,
    match_topics,
    normalise,
    related_keys,
    seed_topics,
    singular,
    split_free_topics,
    tidy_label,
    triage_match,
    triage_terms,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Presentations", "presentation"),
        ("public speaking", "Presentations"),
        ("Public Speaking!", "presenting"),
        ("Self-confidence", "confidence"),
        ("self confidence", "SELF-CONFIDENCE"),
        ("first-time manager", "First-time supervisor"),
        ("new manager", "first time supervisor"),
        ("working abroad", "Working overseas"),
        ("onboarding", "Joining the company"),
        ("career planning", "career plans"),
        ("decisions", "Decision-making"),
        ("ML", "machine learning"),
        ("Strategies", "strategy"),
    ],
)
def test_the_same_topic_written_differently_has_one_key(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)
    assert normalise(a)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Presentations", "Negotiation"), ("working overseas", "working toward career objectives")],
)
def test_different_topics_keep_different_keys(a: str, b: str) -> None:
    assert normalise(a) != normalise(b)


@pytest.mark.parametrize("word", ["analysis", "business", "overseas", "kubernetes", "analytics"])
def test_words_that_only_look_plural_are_kept(word: str) -> None:
    assert singular(word) == word


def test_stop_words_and_punctuation_vanish() -> None:
    assert normalise("How to get better at the presentations?!") == "better presentation"
    assert normalise("the of and") == ""
    assert normalise("   ") == ""


def _catalogue(*labels: str) -> list[CatalogueTopic]:
    return [CatalogueTopic(n, normalise(label), label) for n, label in enumerate(labels, 1)]


def test_a_search_matches_topics_sharing_a_meaningful_word_best_first() -> None:
    catalogue = _catalogue(
        "Developing career plans", "Working toward career objectives", "Working overseas"
    )
    found = [m.topic.label for m in match_topics(normalise("career plan"), catalogue)]
    assert found == ["Developing career plans", "Working toward career objectives"]


def test_generic_words_alone_do_not_match() -> None:
    catalogue = _catalogue("Working toward career objectives", "New discipline")
    assert match_topics(normalise("working"), catalogue) == []
    assert [m.topic.label for m in match_topics(normalise("discipline"), catalogue)] == [
        "New discipline"
    ]


def test_the_seed_catalogue_has_the_needs_and_transitions() -> None:
    labels = [label for label, _ in seed_topics()]
    assert "Developing career plans" in NEED_TOPICS and "Self-confidence" in labels
    assert "First-time supervisor" in TRANSITION_TOPICS and "Working overseas" in labels
    assert len({normalise(label) for label in labels}) == len(labels)


def test_free_topics_split_on_commas_semicolons_and_lines() -> None:
    assert split_free_topics(" kubernetes,  Negotiation ;\nmoving to  Berlin,, ") == [
        "Kubernetes",
        "Negotiation",
        "Moving to Berlin",
    ]
    assert len(tidy_label("x" * 200)) == 80


TERMS = triage_terms(["Sick leave"])


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("on a PIP", "pip"),
        ("PIP advice", "pip"),
        ("performance improvement plan", "performance improvement"),
        ("I'm underperforming", "underperforming"),
        ("Burned-out", "burned out"),
        ("mental-health", "mental health"),
        ("harassment at work", "harassment"),
        ("Grievances", "grievance"),
        ("discrimination", "discrimination"),
        ("sick leave", "sick leave"),  # added by the setting
    ],
)
def test_triage_terms_match_whole_words_in_any_case(text: str, term: str) -> None:
    assert triage_match(text, TERMS) == term


@pytest.mark.parametrize(
    "text",
    [
        "pip install",  # Python's installer
        "python pip packaging",
        "pipeline design",
        "tipping point",
        "web performance",
        "public speaking",
        "Kubernetes",
        "",
    ],
)
def test_words_that_only_look_like_triage_terms_are_topics(text: str) -> None:
    assert triage_match(text, TERMS) is None


def test_related_topics_are_neighbours_shared_words_or_stems_never_unrelated() -> None:
    keys = [normalise(x) for x in ("Negotiation", "Community building", "Self-confidence", "SQL")]
    assert related_keys(normalise("negotiate"), keys) == ["negotiation"]
    assert related_keys(normalise("public speaking"), keys) == ["self confidence"]
    assert related_keys(normalise("communication"), keys) == ["self confidence"]  # a neighbour
    assert related_keys(normalise("community"), keys) == ["community building"]
    assert related_keys(normalise("underwater basket weaving"), keys) == []
