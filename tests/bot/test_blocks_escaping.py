"""Every builder that shows text a person typed shows it inert in mrkdwn, as typed in plain text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.card import build_conversation_card, build_now_line
from bot.blocks.common import escape, mention
from bot.blocks.connections import build_met_confirmation_request
from bot.blocks.conversations import build_ending, build_followups
from bot.blocks.find import MentorCard, build_ask_usage, build_find_results, build_no_match
from bot.blocks.help import build_coming_soon
from bot.blocks.offer import build_offer_saved
from bot.blocks.requests import (
    build_info_answer_modal,
    build_info_requested,
    build_request_card,
    build_request_declined,
    build_request_sent,
)
from bot.connections import MetRequest
from bot.conversations import (
    ActionView,
    CardState,
    Closed,
    FollowupView,
    QuestionOutcome,
    RequestSnapshot,
    Stage,
    Suggested,
)
from bot.offers import OfferSummary
from tests.mrkdwn import live_markup, mrkdwn_texts

MENTEE, MENTOR = "U0ALICE01", "U0BOB0001"
WHEN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

typed = st.one_of(
    st.sampled_from(
        [
            "<!here>",
            "<!channel> now",
            "<@U0EVIL001|boss>",
            "<@W0EVIL002>",
            "<https://evil.example|click here>",
            "<#C0CHAN001|general>",
            "a & b <c> d",
            "&lt;!here&gt;",
        ]
    ),
    st.text(max_size=60),
    st.lists(st.sampled_from(["<", ">", "&", "!", "@", "|", "U0X", "here", " "])).map("".join),
)


def _request(text: str) -> RequestSnapshot:
    return RequestSnapshot(
        conversation_id=1,
        status="sent",
        mentee_slack_id=MENTEE,
        mentor_slack_id=MENTOR,
        topic=text,
        questions=(text, f"How would you {text}?"),
        context=text,
        format=text,
        passed_from_slack_id=None,
        info_question=text,
        info_answer=text,
        mentor_dm_channel=None,
        mentor_dm_ts=None,
        group_channel_id=None,
    )


def _payloads(text: str) -> list[dict[str, Any]]:
    card = MentorCard(MENTOR, text, (text,), (text,), (text,), help_with=text, out_of_scope=text)
    followups = FollowupView(
        1, 1, 1, MENTEE, MENTOR, text, (QuestionOutcome(1, text, text),),
        (ActionView(1, text, "mentee", date(2026, 12, 1), False),
         ActionView(2, text, "mentor", None, True)),
        None, None, None, None,
    )  # fmt: skip
    builders: list[Callable[[], dict[str, Any]]] = [
        lambda: build_find_results(text, [card]),
        lambda: build_no_match(text, [text], topic_exists=False),
        lambda: build_ask_usage(text),
        lambda: build_coming_soon(text, text),
        lambda: build_request_card(_request(text)),
        lambda: build_request_sent(MENTOR, text),
        lambda: build_request_declined(MENTOR, text, text, [Suggested(MENTEE, text)]),
        lambda: build_info_requested(1, MENTOR, text),
        lambda: build_info_answer_modal(1, MENTOR, text),
        *(
            lambda stage=stage: build_conversation_card(
                CardState(1, MENTEE, MENTOR, text, stage, 1, 1, 3, True, (text,), WHEN)
            )
            for stage in Stage
        ),
        lambda: {
            "text": build_now_line(
                CardState(1, MENTEE, MENTOR, text, Stage.MEET, 1, 0, 3, True, (text,), WHEN), MENTEE
            )
        },
        lambda: build_followups(followups, active=True),
        lambda: build_ending(
            Closed(1, MENTEE, MENTOR, MENTOR, "wrapped_up", text, None, text), for_slack_id=MENTEE
        ),
        lambda: build_ending(
            Closed(1, MENTEE, MENTOR, None, "sunset", text, None, text, 3), for_slack_id=MENTOR
        ),
        lambda: build_met_confirmation_request(MetRequest(1, MENTEE, MENTOR, text, WHEN, WHEN)),
        lambda: build_offer_saved(
            OfferSummary((text,), (1,), 2, 0, False, None, False), created=True
        ),
    ]
    return [build() for build in builders]


def _mrkdwn(payload: dict[str, Any]) -> list[str]:
    if payload.get("type") == "modal":
        return list(mrkdwn_texts({"view": payload}, message=False))
    return list(mrkdwn_texts(payload, message=True))


@given(text=typed)
def test_text_a_person_typed_never_renders_live_in_any_builder(text: str) -> None:
    for payload in _payloads(text):
        for shown in _mrkdwn(payload):
            assert live_markup(shown, {MENTEE, MENTOR}) == [], (payload.get("text"), shown)


def test_typed_text_is_shown_escaped_in_mrkdwn_and_as_typed_in_plain_text() -> None:
    payload = build_info_answer_modal(1, MENTOR, "Is <!here> ok & <@U0X>?")
    assert "Is &lt;!here&gt; ok &amp; &lt;@U0X&gt;?" in _mrkdwn(payload)[0]
    card = build_request_card(_request("a <b> & c"))
    assert card["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "A mentoring request", "emoji": True},
    }
    assert "*Topic:* a &lt;b&gt; &amp; c" in "\n".join(_mrkdwn(card))


@given(slack_id=st.text(max_size=30))
def test_only_a_well_formed_user_id_becomes_a_mention(slack_id: str) -> None:
    shown = mention(slack_id)
    if shown.startswith("<@"):
        assert shown == f"<@{slack_id}>" and slack_id.isalnum() and slack_id[0] in "UW"
    else:
        assert shown == escape(slack_id) and "<" not in shown


def test_a_real_user_id_is_a_mention_and_markup_is_not() -> None:
    assert mention("U0ALICE01") == "<@U0ALICE01>"
    assert mention("W0GRID001") == "<@W0GRID001>"
    assert mention("U1><!here") == "U1&gt;&lt;!here"
