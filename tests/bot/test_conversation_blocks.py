"""The conversation builders: valid Block Kit, summaries beyond the limit, what people read."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.blocks.card import build_conversation_card
from bot.blocks.conversations import (
    build_agenda_modal,
    build_choose_modal,
    build_ending,
    build_followup_modal,
    build_followups,
    build_home_sections,
    build_needs_you,
    build_request_status_lines,
    build_sunset_modal,
    parse_followup_submission,
)
from bot.blocks.requests import (
    build_info_requested,
    build_request_card,
    build_request_declined,
    build_request_modal,
)
from bot.conversations import (
    ActionView,
    ActiveLine,
    AgendaView,
    CardState,
    Choice,
    Closed,
    ConversationsHome,
    FollowupView,
    OpenAction,
    QuestionOutcome,
    RequestLine,
    RequestSnapshot,
    Stage,
    Suggested,
    WaitingRequest,
)
from bot.ids import ActionId
from tests.blockkit import assert_valid_message, assert_valid_view

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _texts(blocks: list[dict]) -> str:
    return str(blocks)


def _home(n: int) -> ConversationsHome:
    return ConversationsHome(
        requests=tuple(RequestLine(i, "U0BOB0001", f"topic {i}", "sent", NOW) for i in range(n)),
        active=tuple(
            ActiveLine(i, "mentee", "U0BOB0001", "t", 1, 3, "post_agenda", None, "G0AB")
            for i in range(n)
        ),
        actions=tuple(
            OpenAction(i, 1, f"action {i}", "mentee", True, "U0BOB0001", date(2026, 12, 1))
            for i in range(n)
        ),
        waiting=tuple(WaitingRequest(i, "U0ALICE01", "t", "requested", NOW) for i in range(n)),
    )


def test_the_home_sections_summarise_beyond_max_items() -> None:
    blocks = build_home_sections(_home(12), max_items=5)
    assert_valid_view({"type": "home", "blocks": blocks})
    assert _texts(blocks).count("and 7 more") == 3  # conversations, actions, requests
    assert len(blocks) < 100
    # Requests waiting for you are under "Needs you", summarised there.
    needs = build_needs_you("U0NOBODY1", _home(12))
    assert_valid_view({"type": "home", "blocks": needs})
    assert needs[0]["text"]["text"] == "Needs you" and "more" in _texts(needs[-1:])


def test_an_empty_home_says_how_to_start() -> None:
    blocks = build_home_sections(ConversationsHome())
    assert_valid_view({"type": "home", "blocks": blocks})
    assert "/mentor find" in _texts(blocks)


def test_request_status_lines_say_where_each_request_stands_and_since_when() -> None:
    state = ConversationsHome(
        requests=(
            RequestLine(1, "U0BOB0001", "speaking", "passed_on", NOW, "U0CAROL01"),
            RequestLine(2, "U0DAN0001", "hiring", "expired", NOW),
        )
    )
    blocks = build_request_status_lines(state)
    assert_valid_message({"blocks": blocks})
    text = _texts(blocks)
    assert "passed on" in text and "expired" in text and "<!date^" in text


def test_request_builders_are_valid_and_show_questions_to_the_mentor() -> None:
    snapshot = RequestSnapshot(
        7,
        "requested",
        "U0ALICE01",
        "U0BOB0001",
        "speaking",
        ("How do I start well?", "What should I avoid?"),
        "",
        "coffee",
        None,
        None,
        None,
        None,
        None,
        None,
    )
    card = build_request_card(snapshot)
    assert_valid_message(card)
    assert "How do I start well?" in _texts(card["blocks"])
    assert_valid_view(build_request_modal("U0BOB0001", "x" * 300))
    declined = build_request_declined(
        "U0BOB0001", "speaking", "busy", [Suggested("U0CAROL01", "topic match")]
    )
    assert_valid_message(declined)
    assert ActionId.REQUEST_CONVERSATION in _texts(declined["blocks"])


def test_session_builders_are_valid() -> None:
    agenda = AgendaView(
        1, "U0ALICE01", "U0BOB0001", "t", 1, 3, ("A question here?",), NOW, "G0AB", "Europe/London"
    )
    for stage in Stage:
        card = CardState(1, "U0ALICE01", "U0BOB0001", "t", stage, 2, 1, 3, True, ("Q here?",), NOW)
        assert_valid_message(build_conversation_card(card))
    assert_valid_view(build_agenda_modal(agenda))
    followups = FollowupView(
        1,
        1,
        1,
        "U0ALICE01",
        "U0BOB0001",
        "t",
        (QuestionOutcome(1, "A question here?", "partly"),),
        tuple(ActionView(i, f"do {i}", "mentor", None, i % 2 == 0) for i in range(10)),
        "G0AB",
        None,
        None,
        "U0ALICE01",
    )
    message = build_followups(followups, active=True)
    assert_valid_message(message)
    # Shared by both of the pair: no Done buttons (each ticks their own on their Home).
    assert ActionId.ACTION_DONE not in _texts(message["blocks"])
    assert _texts(message["blocks"]).count(":white_check_mark:") == 5
    assert_valid_view(build_followup_modal(followups, rows=10))
    assert_valid_view(build_sunset_modal(1, "U0BOB0001"))


def test_follow_up_submission_keeps_rows_with_text_only() -> None:
    values = {
        "outcome_1": {"outcome_1": {"selected_option": {"value": "answered"}}},
        "action_text_1": {"action_text_1": {"value": "Rehearse"}},
        "action_owner_1": {"action_owner_1": {"selected_option": {"value": "mentor"}}},
        "action_due_1": {"action_due_1": {"selected_date": "2026-12-01"}},
        "action_text_2": {"action_text_2": {"value": None}},
    }
    parsed = parse_followup_submission(values, rows=3)
    assert parsed.outcomes == {1: "answered"}
    assert [(a.text, a.owner, a.due_date) for a in parsed.actions] == [
        ("Rehearse", "mentor", date(2026, 12, 1))
    ]


def test_the_choose_modal_fits_long_and_escaped_topics_in_an_options_75_characters() -> None:
    choices = [
        Choice(1, "U0BOB0001", "R&D <roadmaps> & budgets " * 8),
        Choice(2, "U0CAROL01", "x" * 200),
        Choice(3, "U0DAN0001", ""),
    ]
    view = build_choose_modal("agenda", choices)
    assert_valid_view(view)
    labels = [o["text"]["text"] for o in view["blocks"][0]["element"]["options"]]
    assert all(len(label) <= 75 for label in labels)
    assert labels[0].startswith("<@U0BOB0001> · R&amp;D &lt;roadmaps&gt;")
    assert labels[2] == "<@U0DAN0001> · —"


def test_ten_requests_with_long_topics_show_every_line_whole() -> None:
    # Real Slack IDs are 11 characters; topics may be 200; "&" is escaped to five.
    topic = ("R&D roadmaps & budgets for a cross-functional platform team " * 4)[:200]
    state = ConversationsHome(
        requests=tuple(RequestLine(i, f"U012AB3CD{i:02d}", topic, "sent", NOW) for i in range(10))
    )
    payload = {"blocks": build_request_status_lines(state)}
    assert_valid_message(payload)
    texts = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert all(len(t) <= 3000 and not t.endswith("…") for t in texts)
    joined = "\n".join(texts)
    assert joined.count("|2026-11-23>") == 10
    assert all(f"<@U012AB3CD{i:02d}>" in joined for i in range(10))


def test_several_line_notes_and_questions_are_quoted_line_by_line() -> None:
    note = "Out until March.\nTry _Carol_ instead & good luck!"
    closed = Closed(3, "U0ALICE01", "U0BOB0001", "U0BOB0001", "wrapped_up", note, None, "speaking")
    payloads = [
        build_request_declined("U0BOB0001", "speaking", note, []),
        build_ending(closed, for_slack_id="U0ALICE01"),
        build_info_requested(3, "U0BOB0001", note),
    ]
    for payload in payloads:
        assert_valid_message(payload)
        text = _texts(payload["blocks"])
        assert ">Out until March.\\n>Try _Carol_ instead &amp; good luck!" in text
