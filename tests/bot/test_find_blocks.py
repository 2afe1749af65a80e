"""The find/ask answers and the offer modal and Home section: valid Block Kit within limits."""

from __future__ import annotations

from datetime import date

from bot.blocks.find import (
    MentorCard,
    build_ask_refused,
    build_ask_usage,
    build_ask_warnings,
    build_find_prompt,
    build_find_results,
    build_no_match,
)
from bot.blocks.offer import (
    build_offer_home_section,
    build_offer_modal,
    build_offer_saved,
    build_pause_changed,
    field_errors,
    parse_offer_submission,
)
from bot.ids import ActionId, BlockId
from bot.offers import OfferFormData, OfferSummary, TopicOption
from tests.blockkit import assert_valid_message, assert_valid_view

LONG = "Very long topic name about <everything> & more " * 5


def _card(n: int, **extra: object) -> MentorCard:
    values: dict[str, object] = {
        "slack_id": f"U0MENTOR{n}",
        "area": "Sales & <Partnerships>",
        "matched_topics": ("Presentations", LONG),
        "offered_topics": ("Presentations",),
        "reasons": ("new connection for you", "1 of 3 slots taken", "1 level above you"),
        "help_with": "x" * 2000,
        "out_of_scope": "Salary <talks> & promotions",
    }
    values.update(extra)
    return MentorCard(**values)  # type: ignore[arg-type]


def _summary(**extra: object) -> OfferSummary:
    values: dict[str, object] = {
        "topics": ("Presentations", LONG[:80]),
        "topic_ids": (1, 2),
        "capacity": 3,
        "active_load": 1,
        "reverse_mentoring": True,
        "paused_until": None,
        "is_paused": False,
    }
    values.update(extra)
    return OfferSummary(**values)  # type: ignore[arg-type]


def test_find_results_are_valid_with_long_texts_and_stay_within_50_blocks() -> None:
    payload = build_find_results("public <speaking> & " + "y" * 500, [_card(n) for n in range(9)])
    assert_valid_message(payload)
    assert len(payload["blocks"]) <= 50
    buttons = [b["accessory"] for b in payload["blocks"] if "accessory" in b]
    assert len(buttons) == 5
    assert all(b["action_id"] == ActionId.REQUEST_CONVERSATION for b in buttons)
    assert all(len(b["value"]) <= 2000 for b in buttons)
    assert "&lt;Partnerships&gt;" in payload["blocks"][1]["text"]["text"]


def test_prompt_no_match_and_ask_answers_are_valid() -> None:
    topics = [LONG + str(n) for n in range(30)]
    for payload in (
        build_find_prompt(topics),
        build_find_prompt([]),
        build_no_match("basket <weaving>", topics, topic_exists=False),
        build_no_match("presentations", [], topic_exists=True, can_offer=False),
        build_ask_refused("U0BOB0001", ["<@U0BOB0001> has paused mentoring"], [_card(1)]),
        build_ask_refused("U0BOB0001", ["at capacity"], []),
        build_ask_warnings("U0BOB0001", ["<@U0BOB0001> works in your own area"]),
        build_ask_usage("<#C0CHAN001|general> " + "z" * 500),
        build_ask_usage(""),
    ):
        assert_valid_message(payload)
    prompt = build_find_prompt(topics)
    ids = [e["action_id"] for e in prompt["blocks"][1]["elements"]]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert all(len(e["text"]["text"]) <= 75 for e in prompt["blocks"][1]["elements"])


def test_offer_modal_caps_options_at_100_and_prefills_the_current_offer() -> None:
    options = tuple(TopicOption(n, f"{LONG} {n}") for n in range(1, 151))
    current = _summary(
        topic_ids=(1, 2),
        paused_until=date(2026, 12, 7),
        help_with="h" * 3000,
        out_of_scope="o",
    )
    view = build_offer_modal(OfferFormData(options=options, current=current))
    assert_valid_view(view)
    topics = next(b for b in view["blocks"] if b.get("block_id") == BlockId.OFFER_TOPICS)
    assert len(topics["element"]["options"]) == 100
    assert len(topics["element"]["initial_options"]) == 2
    assert_valid_view(build_offer_modal(OfferFormData(options=options[:3])))
    paused = build_offer_modal(
        OfferFormData(
            options=options[:3], current=_summary(is_paused=True, paused_indefinitely=True)
        )
    )
    assert_valid_view(paused)
    assert "/mentor resume" in paused["blocks"][1]["elements"][0]["text"]


def test_parsing_the_offer_modal_and_mapping_errors_to_blocks() -> None:
    form, errors = parse_offer_submission(
        {
            BlockId.OFFER_TOPICS: {
                BlockId.OFFER_TOPICS: {"selected_options": [{"value": "3"}, {"value": "x"}]}
            },
            BlockId.OFFER_NEW_TOPICS: {BlockId.OFFER_NEW_TOPICS: {"value": "a, b"}},
            BlockId.OFFER_CAPACITY: {BlockId.OFFER_CAPACITY: {"value": "4"}},
            BlockId.OFFER_PAUSED_UNTIL: {BlockId.OFFER_PAUSED_UNTIL: {"selected_date": "nope"}},
        }
    )
    assert form.topic_ids == (3,) and form.new_topics == ("A", "B") and form.capacity == "4"
    assert set(errors) == {BlockId.OFFER_TOPICS, BlockId.OFFER_PAUSED_UNTIL}
    assert field_errors({"capacity": "bad"}) == {"offer_capacity": "bad"}


def test_home_section_offers_edit_and_pause_or_resume() -> None:
    for summary in (
        None,
        _summary(),
        _summary(is_paused=True, paused_until=date(2026, 12, 7)),
        _summary(is_paused=True, paused_indefinitely=True),
        _summary(active_load=3),
    ):
        blocks = build_offer_home_section(summary)
        assert len(blocks) <= 6
        assert_valid_view({"type": "home", "blocks": blocks})
    resume = build_offer_home_section(_summary(is_paused=True))[1]["elements"][1]
    assert (resume["action_id"], resume["text"]["text"]) == (
        ActionId.OFFER_TOGGLE_PAUSE,
        "Resume requests",
    )
    assert build_offer_home_section(None)[1]["elements"][0]["action_id"] == ActionId.OFFER_EDIT


def test_confirmations_are_valid() -> None:
    assert_valid_message(build_offer_saved(_summary(), created=True))
    assert_valid_message(build_pause_changed(_summary(is_paused=True)))
    assert_valid_message(build_pause_changed(_summary(), was_paused=False))
