"""`/mentor` through signed HTTP requests: routing, help, and honest answers."""

from __future__ import annotations

import pytest

from handlers.commands import SUBCOMMANDS
from tests.conftest import Harness


def _texts(payload: dict) -> str:
    return " ".join(
        b.get("text", {}).get("text", "")
        if b["type"] != "context"
        else " ".join(e.get("text", "") for e in b["elements"])
        for b in payload["blocks"]
    )


@pytest.mark.parametrize("text", ["help", "", "HELP", "  ", "bananas please", "finder"])
def test_help_empty_and_unknown_text_answer_with_every_subcommand(
    harness: Harness, text: str
) -> None:
    reply = harness.slack.command(text)
    assert reply.status == 200
    answer = harness.fake.last("response_url").params
    assert answer["response_type"] == "ephemeral"
    body = _texts(answer)
    for sub in ("find", "ask", "offer", "pause", "resume", "agenda", "followup", "met"):
        assert f"/mentor {sub}" in body
    for sub in ("progress", "team", "digest", "export", "forget-me"):
        assert f"/mentor {sub}" in body
    assert "not coaching, therapy, or a performance-improvement plan" in body


def test_help_links_the_configured_support_resource(harness: Harness) -> None:
    harness.slack.command("help")
    assert "support resources" not in _texts(harness.fake.last("response_url").params)


@pytest.mark.parametrize(
    "settings_overrides", [{"MENTORBOT_SUPPORT_URL": "https://hr.example.com/eap"}]
)
def test_help_points_to_support_url_when_set(harness: Harness) -> None:
    harness.slack.command("help")
    assert "<https://hr.example.com/eap|support resources>" in _texts(
        harness.fake.last("response_url").params
    )


def test_every_subcommand_in_the_help_is_built() -> None:
    """Nothing answers "coming soon" any more (the mechanism stays for what comes next)."""
    assert [name for name, entry in SUBCOMMANDS.items() if entry.run is None] == []


def test_wrong_signature_is_refused_and_nothing_is_answered(harness: Harness) -> None:
    reply = harness.slack.post_form(
        {"command": "/mentor", "text": "help", "user_id": "U0USER001"}, signature="v0=deadbeef"
    )
    assert reply.status == 401
    harness.fake.settle(quiet=0.2)
    assert harness.fake.calls_to("response_url") == []


def test_stale_timestamp_is_refused(harness: Harness) -> None:
    import time

    reply = harness.slack.post_form(
        {"command": "/mentor", "text": "help", "user_id": "U0USER001"},
        timestamp=int(time.time()) - 6 * 60,
    )
    assert reply.status == 401
