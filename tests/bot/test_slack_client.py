"""The one WebClient: retries Slack's rate limits, server errors, and talks to SLACK_API_URL."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.context import Deps
from bot.slack import build_client
from tests.fakeslack import FakeSlack


def test_rate_limited_call_is_retried_after_retry_after(deps: Deps, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    response = build_client(deps.settings).chat_postMessage(channel="D0DM00001", text="hello")
    assert response["ok"] is True
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_server_error_is_retried(deps: Deps, fake_slack: FakeSlack) -> None:
    fake_slack.fail("views.publish", status=503)
    client = build_client(deps.settings)
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    response = client.views_publish(user_id="U0ALICE01", view=home)
    assert response["ok"] is True
    assert len(fake_slack.calls_to("views.publish")) == 2


def test_api_errors_are_not_retried(deps: Deps, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as caught:
        build_client(deps.settings).chat_postMessage(channel="C0GONE001", text="hello")
    assert caught.value.response["error"] == "channel_not_found"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_the_fake_refuses_invalid_blocks_like_slack(deps: Deps, fake_slack: FakeSlack) -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as caught:
        build_client(deps.settings).chat_postMessage(channel="D0DM00001", text="x", blocks=too_long)
    assert caught.value.response["error"] == "invalid_blocks"
    assert fake_slack.invalid
    fake_slack.invalid.clear()  # expected here; any other test with invalid blocks fails


def test_the_senders_client_never_repeats_a_call_slack_may_have_carried_out(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    client = build_client(deps.settings, resend=False)
    fake_slack.drop("chat.postMessage")
    with pytest.raises(OSError):
        client.chat_postMessage(channel="D0DM00001", text="hello")
    fake_slack.fail("chat.postMessage", status=503, after=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="D0DM00001", text="hello")
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert len(fake_slack.messages) == 2  # both arrived: a resend would have made a third
