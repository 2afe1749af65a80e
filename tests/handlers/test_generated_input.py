"""Generated input on every action and every modal: a kind answer, never an error.

Every action_id and callback_id the app registers is sent values Slack would never produce
(digits in other scripts, numbers past any ID, JSON, separators, lists where a dict goes,
huge or broken private_metadata) by people who may not act on the world's conversations.
Whatever arrives: status 200, no ERROR log, no "something went wrong" sent anywhere, and
the database exactly as it was.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt import App

from bot.conversations import MAX_ACTIONS
from bot.ids import ActionId, BlockId, CallbackId
from tests.conftest import Harness
from tests.handlers.inprocess import (
    NOT_CLICKABLE,
    NOT_IN_DIRECTORY,
    NOT_SUBMITTABLE,
    OUTSIDERS,
    World,
    integrity_ok,
    snapshot,
    sorry_calls,
)
from tests.handlers.registry import registered_action_ids, registered_callback_ids
from tests.inprocess import InProcessSender
from tests.slackhttp import Reply

# What a person outside the conversations may still do to their own things: search (which
# counts demand) and mark or end a transition goal of their own.
# (Opening one's own Home writes its refresh; the mute toggle is one's own setting.)
SELF_SERVICE = {
    ActionId.FIND_TOPIC,
    ActionId.HOME_TRANSITION,
    ActionId.HOME_TRANSITION_END,
    ActionId.NUDGE_OPEN_HOME,
    ActionId.HOME_MUTE_TOGGLE,
}

ODD = [
    "",
    "0",
    "1",
    "2",
    "3",
    "-1",
    "²",
    "¹²:1",
    "١٢",
    "１２",
    "𝟙",
    "99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "1:99999999999999999999",
    "1:1:1",
    "1:2:99999999",
    "1:2:3",
    "U0ALICE01",
    "U0ALICE01|x",
    "<!here>",
    "pause",
    "resume",
    "first_time_manager",
    "agenda",
    "followup",
    '{"mentor": "U0BOB0001"}',
    "x" * 2001,
]

numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)
digits = st.text(alphabet="0123456789²³¹٠١٢３𝟙", min_size=1, max_size=25)
json_values = st.recursive(
    st.none() | st.booleans() | numbers.map(int) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
).map(json.dumps)
joined = st.lists(numbers | digits | st.text(max_size=5), min_size=2, max_size=4).flatmap(
    lambda parts: st.sampled_from([":", "|", ",", " "]).map(lambda sep: sep.join(parts))
)
values = st.one_of(st.sampled_from(ODD), numbers, digits, json_values, joined, st.text())


def _errors(caplog: pytest.LogCaptureFixture, since: int) -> list[str]:
    return [r.getMessage() for r in caplog.records[since:] if r.levelno >= logging.ERROR]


class Refusals:
    """Sends one generated input at a time and checks what every refused input keeps.

    The database snapshot taken after one example is the next one's "before", so each
    example reads every table once.
    """

    def __init__(self, inproc: InProcessSender, caplog: pytest.LogCaptureFixture) -> None:
        self.inproc, self.caplog = inproc, caplog
        self.last = snapshot(inproc.engine)

    def send(self, send: Callable[[], Reply], *, may_change: bool = False) -> Reply:
        engine, fake = self.inproc.engine, self.inproc.fake
        before, calls, logs = self.last, len(fake.calls), len(self.caplog.records)
        reply = send()
        assert reply.status == 200, reply
        assert _errors(self.caplog, logs) == []
        assert sorry_calls(fake.calls[calls:]) == []
        self.last = snapshot(engine)
        if not may_change:
            assert self.last == before
        assert integrity_ok(engine)
        return reply


@pytest.fixture
def refusals(inproc: InProcessSender, world: World, caplog: pytest.LogCaptureFixture) -> Refusals:
    return Refusals(inproc, caplog)


# --- every action_id --------------------------------------------------------------------------


def _clickable(app: App) -> list[str]:
    return [a for a in registered_action_ids(app) if a not in NOT_CLICKABLE]


@pytest.fixture
def clickable(inproc: InProcessSender) -> list[str]:
    return _clickable(inproc.app)


def test_every_action_id_and_callback_id_is_registered_and_so_generated(
    inproc: InProcessSender,
) -> None:
    # The generators draw from what the app registers: an ID in bot/ids.py with no listener
    # would be a button nobody answers, and one nobody fuzzes.
    assert set(ActionId) - NOT_CLICKABLE <= set(_clickable(inproc.app))
    assert set(CallbackId) <= set(registered_callback_ids(inproc.app)) | NOT_SUBMITTABLE


@given(data=st.data())
def test_any_value_on_any_action_is_answered_kindly_and_changes_nothing(
    inproc: InProcessSender,
    refusals: Refusals,
    clickable: list[str],
    data: st.DataObject,
) -> None:
    action_id = data.draw(st.sampled_from(clickable), label="action_id")
    user = data.draw(st.sampled_from(OUTSIDERS), label="user")
    value = data.draw(st.none() | values, label="value")
    in_view = data.draw(st.booleans(), label="in_view")
    selected = data.draw(
        st.none() | values.map(lambda v: {"value": v}) | st.sampled_from(["x", [], 3]),
        label="selected_option",
    )
    action: dict[str, Any] = {"type": "button", "action_id": action_id, "block_id": "b"}
    if value is not None:
        action["value"] = value
    if selected is not None:
        action.update(type="static_select", selected_option=selected)
    view = None
    if in_view:
        metadata = data.draw(st.none() | values, label="private_metadata")
        view = {"id": "V0FUZZ001", "type": "modal", "hash": "1.a", "private_metadata": metadata}
    own_things = user != NOT_IN_DIRECTORY and action_id.split(":")[0] in SELF_SERVICE
    refusals.send(
        lambda: inproc.action(action_id, user=user, view=view, actions=[action]),
        may_change=own_things,
    )


# --- every callback_id ------------------------------------------------------------------------


block_ids = st.sampled_from([*BlockId, f"{BlockId.ACTION_TEXT_PREFIX}{MAX_ACTIONS + 1}"])
elements = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["plain_text_input", "datepicker", "radio_buttons"]),
        "value": st.none() | values | st.integers() | st.lists(st.text(max_size=3), max_size=2),
        "selected_date": st.none()
        | st.sampled_from(["9999-12-31", "3000-01-01", "1900-01-01", "2026-02-30", "²⁰²⁶-01-01"])
        | values,
        "selected_time": st.none() | st.sampled_from(["25:00", "09:00", "９:00"]) | values,
        "selected_option": st.none() | values.map(lambda v: {"value": v}) | values,
        "selected_options": st.lists(values.map(lambda v: {"value": v}) | values, max_size=3)
        | values,
        "selected_user": st.none() | values,
    },
)
state_values = st.one_of(
    st.dictionaries(block_ids, st.dictionaries(block_ids, elements, max_size=2), max_size=4),
    st.dictionaries(block_ids, elements | values | st.lists(elements, max_size=1), max_size=3),
    st.lists(st.text(max_size=3), max_size=2),
    values,
    st.none(),
)
metadata = st.one_of(
    st.sampled_from(ODD),
    values,
    st.sampled_from(["1:2:1000000", "1:2:99999999999999999999", '{"mentor": "U0BOB0001"}']),
    st.integers(min_value=0, max_value=4).map(str),
    st.just("x" * 3001),
    st.just(7),
)


@pytest.fixture
def submittable(inproc: InProcessSender) -> list[str]:
    return [c for c in registered_callback_ids(inproc.app) if c not in NOT_SUBMITTABLE]


@given(data=st.data())
def test_any_submission_to_any_modal_is_answered_kindly_and_changes_nothing(
    inproc: InProcessSender,
    refusals: Refusals,
    submittable: list[str],
    data: st.DataObject,
) -> None:
    callback_id = data.draw(st.sampled_from(submittable), label="callback_id")
    user = data.draw(st.sampled_from(OUTSIDERS), label="user")
    view = {
        "id": "V0FUZZ001",
        "callback_id": callback_id,
        "private_metadata": data.draw(metadata, label="private_metadata"),
    }
    state = data.draw(state_values, label="state.values")
    # A search counts as demand; what someone would like to learn about is theirs to change.
    # (Forget-me forgets the submitter: a form that happens to confirm it may change them.)
    own_search = (
        callback_id
        in (CallbackId.HOME_FIND_MODAL, CallbackId.HOME_LEARNING_MODAL, CallbackId.FORGET_ME_MODAL)
        and user != NOT_IN_DIRECTORY
    )
    reply = refusals.send(
        lambda: inproc.submit(view, state, user=user),  # type: ignore[arg-type]
        may_change=own_search,
    )
    if reply.body:
        assert reply.json["response_action"] in ("errors", "update")


# --- a handful over real HTTP -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["²", "¹²:1", "99999999999999999999", "١", '{"a": [1]}'])
def test_odd_digits_and_huge_numbers_on_buttons_get_a_kind_answer_over_http(
    harness: Harness, world: World, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    for action_id in (ActionId.ACCEPT_REQUEST, ActionId.LOG_SESSION, ActionId.MET_CONFIRM):
        reply = harness.slack.action(action_id, value, user=OUTSIDERS[0])
        assert reply.status == 200
    answers = harness.fake.wait_for("response_url", 3)
    assert all("nothing was changed" in str(c.params) for c in answers)
    assert _errors(caplog, 0) == []
