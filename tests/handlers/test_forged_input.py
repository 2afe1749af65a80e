"""Buttons and modals carry IDs, never trusted state: forged or stale values change nothing.

Every interactive element and every modal is sent values Slack would never produce
for this person (empty, non-numeric, unknown IDs, someone else's), by a member of the
directory and by a stranger. Each must be answered without an unexpected error.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.blocks.conversations import session_dates
from bot.ids import ActionId, BlockId, CallbackId
from storage.models import Conversation, Person
from tests.conftest import START, Harness
from tests.factories import make_person
from tests.handlers.inprocess import World, snapshot
from tests.handlers.journey import (
    COLLEAGUE,
    MENTEE,
    QUESTIONS,
    STRANGER,
    request_values,
    text_input,
)
from tests.inprocess import InProcessSender

# An input element without dispatch_action: Slack sends no block_actions for it.
NOT_CLICKABLE = {ActionId.HOME_FIND_TOPIC_INPUT, ActionId.HOME_LEARNING_INPUT}
# A modal without a submit button: Slack cannot send a submission for it.
NOT_SUBMITTABLE = {CallbackId.CONVERSATION_NOTICE}
FORGED_VALUES = ["", "abc", "999999", "-1", "1", "U0NOPE001", "U0ALICE01|x" * 50]
FORGED_METADATA = ["", "abc", "999999", '{"unexpected": true}', "1"]


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
def directory(session: Session) -> None:
    make_person(session, "U0ALICE01", area="Engineering")
    make_person(session, "U0BOB0001", area="Sales")
    session.commit()


@pytest.mark.parametrize("action_id", [a for a in ActionId if a not in NOT_CLICKABLE])
def test_forged_button_values_change_nothing_and_raise_nothing(
    harness: Harness,
    session: Session,
    directory: None,
    caplog: pytest.LogCaptureFixture,
    action_id: ActionId,
) -> None:
    before = len(session.exec(select(Person)).all())
    for value in FORGED_VALUES:
        for user in ("U0ALICE01", "U0STRANGE"):
            reply = harness.slack.action(str(action_id), value, user=user)
            assert reply.status == 200, (action_id, value, reply.body)
    harness.fake.settle(quiet=0.2)
    assert _errors(caplog) == []
    session.expire_all()
    assert len(session.exec(select(Person)).all()) == before
    assert session.exec(select(Conversation)).all() == []
    for call in harness.fake.calls_to("response_url"):
        assert "something went wrong" not in str(call.params).lower()


@pytest.mark.parametrize("callback_id", [c for c in CallbackId if c not in NOT_SUBMITTABLE])
def test_forged_modal_submissions_get_an_answer_not_an_error(
    harness: Harness,
    session: Session,
    directory: None,
    caplog: pytest.LogCaptureFixture,
    callback_id: CallbackId,
) -> None:
    for metadata in FORGED_METADATA:
        for user in ("U0ALICE01", "U0STRANGE"):
            view = {
                "id": "V0FORGED1",
                "callback_id": str(callback_id),
                "private_metadata": metadata,
            }
            reply = harness.slack.submit(view, {}, user=user)
            assert reply.status == 200, (callback_id, metadata, reply.body)
            if reply.body:
                assert reply.json["response_action"] in ("errors", "update", "clear", "push")
    harness.fake.settle(quiet=0.2)
    assert _errors(caplog) == []
    session.expire_all()
    assert session.exec(select(Conversation)).all() == []


# --- bounds on what is stored: what the modal limits, the server limits too ----------------


def _datepicker(block_id: str, day: str) -> dict[str, dict[str, Any]]:
    return {block_id: {"type": "datepicker", "selected_date": day}}


def test_a_request_context_longer_than_its_modal_allows_is_a_field_error_not_a_row(
    inproc: InProcessSender, world: World
) -> None:
    before = snapshot(inproc.engine)
    meta = json.dumps({"mentor": "U0CAROL01", "topic": "talks"})
    # 1,000,000 characters: a 10,000,000-character body never gets past the front door.
    values = request_values("\n".join(QUESTIONS), context="x" * 1_000_000)
    view = {"id": "V0BIG0001", "callback_id": CallbackId.REQUEST_MODAL, "private_metadata": meta}
    reply = inproc.submit(view, values, user=COLLEAGUE)
    assert reply.json["response_action"] == "errors"
    assert "2000 characters" in reply.json["errors"][BlockId.REQUEST_CONTEXT]
    assert snapshot(inproc.engine) == before


@pytest.mark.parametrize("day", ["9999-12-31", "3000-01-01", "1900-01-01", "2027-12-24"])
def test_a_session_date_outside_the_next_year_is_a_field_error(
    inproc: InProcessSender, world: World, day: str
) -> None:
    before = snapshot(inproc.engine)
    values = {
        BlockId.AGENDA_QUESTIONS: text_input(BlockId.AGENDA_QUESTIONS, "How do I open a talk?"),
        BlockId.SESSION_DATE: _datepicker(BlockId.SESSION_DATE, day),
    }
    view = {"id": "V0AG", "callback_id": CallbackId.AGENDA_MODAL, "private_metadata": "1"}
    reply = inproc.submit(view, values, user=MENTEE)
    assert reply.json == {
        "response_action": "errors",
        "errors": {BlockId.SESSION_DATE: session_dates(START.date()).message},
    }
    assert snapshot(inproc.engine) == before


@pytest.mark.parametrize("day", ["1900-01-01", "2026-11-01", "2029-01-01", "2026-02-30", "²"])
def test_a_follow_up_due_date_outside_a_sane_window_is_a_field_error(
    inproc: InProcessSender, world: World, day: str
) -> None:
    before = snapshot(inproc.engine)
    row = f"{BlockId.ACTION_DUE_PREFIX}1"
    values = {
        f"{BlockId.ACTION_TEXT_PREFIX}1": text_input(f"{BlockId.ACTION_TEXT_PREFIX}1", "Rehearse"),
        row: _datepicker(row, day),
    }
    meta = f"{world.active}:{world.session_number}:3"
    view = {"id": "V0FU", "callback_id": CallbackId.FOLLOWUP_MODAL, "private_metadata": meta}
    reply = inproc.submit(view, values, user=MENTEE)
    assert reply.json["response_action"] == "errors"
    assert list(reply.json["errors"]) == [row]
    assert snapshot(inproc.engine) == before


@pytest.mark.parametrize("rows", ["1000000", "99999999999999999999", "11"])
def test_a_forged_row_count_in_the_follow_up_modal_is_refused_at_once(
    inproc: InProcessSender, world: World, rows: str
) -> None:
    before = snapshot(inproc.engine)
    meta = f"{world.active}:{world.session_number}:{rows}"
    view = {"id": "V0FU", "type": "modal", "hash": "1.a", "private_metadata": meta}
    started = time.monotonic()
    inproc.action(ActionId.ADD_ACTION_ROW, "3", user=MENTEE, view=view)
    submitted = {**view, "callback_id": CallbackId.FOLLOWUP_MODAL}
    reply = inproc.submit(submitted, {}, user=MENTEE)
    assert time.monotonic() - started < 2
    assert reply.json["response_action"] == "update"
    assert "out of date" in str(reply.json["view"])
    assert inproc.fake.calls_to("views.update") == []
    told = inproc.fake.calls_to("chat.postMessage")[-1]
    assert "out of date" in str(told.params)
    assert snapshot(inproc.engine) == before


def test_an_offer_naming_only_an_unknown_topic_is_a_field_error_not_an_empty_offer(
    harness: Harness, world: World
) -> None:
    before = snapshot(harness.deps.engine)
    values = {
        BlockId.OFFER_TOPICS: {
            BlockId.OFFER_TOPICS: {
                "type": "multi_static_select",
                "selected_options": [{"value": "999999"}],
            }
        },
        BlockId.OFFER_CAPACITY: {BlockId.OFFER_CAPACITY: {"type": "number_input", "value": "2"}},
    }
    view = {"id": "V0OF", "callback_id": CallbackId.OFFER_MODAL}
    reply = harness.slack.submit(view, values, user=STRANGER)
    assert reply.json["response_action"] == "errors"
    assert set(reply.json["errors"]) == {BlockId.OFFER_TOPICS}
    assert snapshot(harness.deps.engine) == before
