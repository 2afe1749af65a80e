"""The App Home, most urgent first: what needs you, with its button, before anything else."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from bot.ids import ActionId
from tests.conftest import Harness
from tests.handlers.journey import MENTEE, MENTOR, accept, directory, send_request


def _home(h: Harness, user: str) -> dict[str, Any]:
    h.drain()
    h.settle()
    before = len([c for c in h.fake.calls_to("views.publish") if c.params["user_id"] == user])
    h.slack.home_opened(user)
    calls = h.fake.wait_for(
        "views.publish", before + 1, where=lambda c: c.params["user_id"] == user
    )
    view: dict[str, Any] = calls[-1].params["view"]
    return view


def _headers(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


def _buttons_in(view: dict[str, Any], block_id: str) -> list[str]:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return [e["action_id"] for e in block["elements"]]


def test_a_waiting_request_comes_first_on_the_mentors_home_with_all_four_answers(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)

    view = _home(h, MENTOR)

    headers = _headers(view)
    assert headers.index("Needs you") < headers.index("Your conversations")
    assert _buttons_in(view, f"home_waiting_{cid}") == [
        ActionId.ACCEPT_REQUEST,
        ActionId.ASK_MORE_INFO,
        ActionId.PASS_REQUEST,
        ActionId.DECLINE_REQUEST,
    ]
    # A mentor with no goal of their own does not open on "0 connections".
    assert "Your connections" not in headers
    assert "0 of 10" not in json.dumps(view)


def test_an_accepted_request_shows_once_as_a_conversation_with_its_next_step(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    accept(h, cid)  # the agenda is the request's questions: next, the pair meets

    view = _home(h, MENTEE)

    text = json.dumps(view["blocks"])
    assert "*Your requests*" not in text  # accepted: it is a conversation now, shown once
    assert text.count(f"<@{MENTOR}>") == 1
    (line,) = [
        b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == ActionId.LOG_SESSION
    ]
    assert line["accessory"]["value"] == str(cid) and f"<@{MENTOR}>" in line["text"]["text"]


def test_with_nothing_waiting_there_is_no_needs_you(harness: Harness, session: Session) -> None:
    h = harness
    directory(session)

    assert "Needs you" not in _headers(_home(h, MENTOR))


def test_a_meeting_to_confirm_is_under_needs_you_with_confirm_and_not_me(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    h.slack.command(f"met <@{MENTOR}>", user=MENTEE)
    h.fake.wait_for("response_url")

    view = _home(h, MENTOR)

    assert _headers(view)[1] == "Needs you"
    (block,) = [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("home_met_")]
    assert [e["action_id"] for e in block["elements"]] == [
        ActionId.MET_CONFIRM,
        ActionId.MET_DECLINE,
    ]
    # The one who logged it sees it waiting, not as something to do.
    assert "Needs you" not in _headers(_home(h, MENTEE))
