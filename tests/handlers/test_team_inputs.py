"""Whatever a report types in the pulse or a manager in their notes: a field error or a
kind answer, never an error; and what was typed reaches screens inert (no live mention,
broadcast or link), counted only as the pulse's rules allow."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from bot.ids import ActionId, BlockId
from tests.blockkit import assert_valid_view
from tests.conftest import START
from tests.dbstate import database_state
from tests.handlers.inprocess import sorry_calls
from tests.handlers.team_steps import (
    MANAGER,
    REPORTS,
    Steps,
    checkin_values,
    make_team,
    pulse_values,
)
from tests.inprocess import InProcessSender
from tests.mrkdwn import foreign_markup

TEAM = REPORTS[:3]
MARKUP = [
    "<!here>",
    "<!channel>",
    "<@U0EVIL001>",
    "<@U0REPORTA|me>",
    "<https://evil.example|click>",
    "<#C0CHAN001|general>",
    "&lt;@U0EVIL001&gt;",
    "*bold* _it_ ~s~ `code`",
    "> quoted\n> twice",
    "\x00",
    "\u202e",
    "🙂",
]
texts = st.one_of(
    st.text(max_size=80),
    st.sampled_from(MARKUP),
    st.lists(st.sampled_from(MARKUP) | st.text(max_size=10), max_size=6).map(" ".join),
    st.integers(480, 520).map(lambda n: ("word " * 200)[:n]),
)
EXAMPLES = settings(max_examples=120)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Any:
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    yield handler.records
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def steps(inproc: InProcessSender, session: Session) -> Steps:
    make_team(session, MANAGER, TEAM)
    return Steps(inproc, inproc.fake)


@pytest.fixture
def pulse_view(steps: Steps) -> dict[str, Any]:
    steps.send_pulse(MANAGER)
    pulse = steps.pulse_dm(TEAM[0])
    value = next(
        e["value"]
        for b in pulse.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ActionId.PULSE_ANSWER
    )
    view = steps.open_modal(ActionId.PULSE_ANSWER, value, user=TEAM[0])
    return {k: v for k, v in view.items() if k != "id"}


@EXAMPLES
@given(
    report=st.sampled_from(TEAM),
    usage=st.none() | st.sampled_from(["often", "sometimes", "not_yet", "maybe", "", "OFTEN"]),
    how=texts,
    obstacles=st.lists(
        st.sampled_from(["no_time", "who_to_ask", "not_for_me", "team", "other", "bogus", ""]),
        max_size=7,
    ),
    in_the_way=texts,
)
def test_any_pulse_answer_is_a_field_error_or_saved_and_the_manager_sees_it_inert(
    inproc: InProcessSender,
    steps: Steps,
    pulse_view: dict[str, Any],
    errors: list[logging.LogRecord],
    report: str,
    usage: str | None,
    how: str,
    obstacles: list[str],
    in_the_way: str,
) -> None:
    inproc.fake.clear()
    reply = inproc.submit(pulse_view, pulse_values(usage, how, obstacles, in_the_way), user=report)
    assert reply.status == 200, reply
    action = reply.json["response_action"]
    event(action)
    if action == "errors":
        assert set(reply.json["errors"]) <= {
            BlockId.PULSE_USAGE,
            BlockId.PULSE_HOW,
            BlockId.PULSE_OBSTACLES,
            BlockId.PULSE_IN_THE_WAY,
        }
    else:
        assert action == "update"
        assert_valid_view(reply.json["view"])
        assert usage in ("often", "sometimes", "not_yet")
    steps.team(MANAGER)
    assert errors == []
    assert sorry_calls(inproc.fake.calls) == []
    assert foreign_markup(inproc.fake.calls, {MANAGER}) == []
    assert database_state(inproc.engine)[1] == "ok"


days = st.one_of(
    st.integers(-120, 30).map(lambda d: (START.date() + timedelta(days=d)).isoformat()),
    st.sampled_from(["", "9999-12-31", "2026-02-30", "²⁰²⁶-11-23", "yesterday"]),
    st.none(),
)


@EXAMPLES
@given(heard=texts, will_try=texts, day=days, share=st.booleans())
def test_any_check_in_notes_are_a_field_error_or_saved_and_shared_inert(
    inproc: InProcessSender,
    steps: Steps,
    errors: list[logging.LogRecord],
    heard: str,
    will_try: str,
    day: str | None,
    share: bool,
) -> None:
    inproc.fake.clear()
    view = {"callback_id": "team_checkin_modal", "private_metadata": ""}
    reply = inproc.submit(view, checkin_values(day, heard, will_try, share=share), user=MANAGER)
    assert reply.status == 200, reply
    action = reply.json["response_action"]
    event(action)
    if action == "errors":
        assert set(reply.json["errors"]) <= {
            BlockId.CHECKIN_HEARD,
            BlockId.CHECKIN_TRY,
            BlockId.CHECKIN_DATE,
            BlockId.CHECKIN_SHARE,
        }
    else:
        assert action == "update"
        assert_valid_view(reply.json["view"])
        shared = [c for c in inproc.fake.calls if c.method == "chat.postMessage"]
        assert len(shared) == (len(TEAM) if share and will_try.strip() else 0)
        secret = heard.strip()
        if len(secret) >= 12 and secret not in will_try:  # the notes never leave the manager
            assert all(secret not in str(call.params) for call in shared)
    steps.team(MANAGER)
    assert errors == []
    assert sorry_calls(inproc.fake.calls) == []
    assert foreign_markup(inproc.fake.calls, {MANAGER}) == []
    assert database_state(inproc.engine)[1] == "ok"
