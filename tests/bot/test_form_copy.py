"""Forms and copy: what Slack already says is not said twice, counts read right, the
follow-up form starts small, and near-duplicate catalogue topics are one topic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.blocks.card import build_conversation_card
from bot.blocks.common import plural
from bot.blocks.conversations import (
    build_agenda_modal,
    build_followup_modal,
    build_sunset_modal,
    build_wrap_up_modal,
)
from bot.blocks.offer import build_offer_modal
from bot.blocks.requests import build_request_modal
from bot.conversations import (
    ActionView,
    AgendaView,
    CardState,
    FollowupView,
    QuestionOutcome,
    Stage,
)
from bot.ids import BlockId
from bot.offers import OfferFormData, TopicOption
from bot.topics import normalise, seed_topics

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AGENDA = AgendaView(1, "U0ALICE01", "U0BOB0001", "t", 1, 3, ("A question?",), NOW, None, None)
FOLLOWUPS = FollowupView(
    1,
    1,
    1,
    "U0ALICE01",
    "U0BOB0001",
    "t",
    (QuestionOutcome(1, "A question?", "partly"),),
    tuple(ActionView(i, f"do {i}", "mentor", None, False) for i in range(2)),
    None,
    None,
    None,
    "U0ALICE01",
)

MODALS = {
    "agenda": build_agenda_modal(AGENDA),
    "follow-ups": build_followup_modal(FOLLOWUPS, rows=3),
    "wrap up": build_wrap_up_modal(1, "U0BOB0001"),
    "sunset": build_sunset_modal(1, "U0BOB0001"),
    "request": build_request_modal("U0BOB0001", "public speaking"),
    "offer": build_offer_modal(OfferFormData(options=(TopicOption(1, "Presentations"),))),
}


def _inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b.get("type") == "input"]


@pytest.mark.parametrize("name", sorted(MODALS))
def test_no_label_says_optional_because_slack_already_does(name: str) -> None:
    for block in _inputs(MODALS[name]):
        assert "optional" not in block["label"]["text"].lower(), (name, block["label"])


def test_the_follow_up_form_starts_with_one_action_row() -> None:
    view = build_followup_modal(FOLLOWUPS)
    rows = [b for b in _inputs(view) if b["block_id"].startswith(BlockId.ACTION_TEXT_PREFIX)]
    assert len(rows) == 1
    assert "Add another action" in str(view["blocks"])


@pytest.mark.parametrize(
    ("count", "said"),
    [(0, "0 conversations"), (1, "1 conversation"), (2, "2 conversations")],
)
def test_counts_agree_with_their_words(count: int, said: str) -> None:
    assert plural(count, "conversation") == said


def test_a_programme_of_one_conversation_says_so_in_the_singular() -> None:
    one = CardState(1, "U0ALICE01", "U0BOB0001", "t", Stage.PLAN, 1, 0, 1, True, ("A question?",))
    text = str(build_conversation_card(one)["blocks"])
    assert "After 1 conversation this closes" in text
    assert "1 conversations" not in text


@pytest.mark.parametrize(
    ("typed", "seed"),
    [
        ("Career planning", "Developing career plans"),
        ("career plans", "Developing career plans"),
        ("Career goals", "Working toward career objectives"),
    ],
)
def test_near_duplicate_career_topics_are_one_catalogue_topic(typed: str, seed: str) -> None:
    assert normalise(typed) == normalise(seed)


def test_the_seed_catalogue_has_no_two_topics_with_the_same_key() -> None:
    keys = [normalise(label) for label, _ in seed_topics()]
    assert len(keys) == len(set(keys))
