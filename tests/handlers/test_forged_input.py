"""Buttons and modals carry IDs, never trusted state: forged or stale values change nothing.

Every interactive element and every modal is sent values Slack would never produce
for this person (empty, non-numeric, unknown IDs, someone else's), by a member of the
directory and by a stranger. Each must be answered without an unexpected error.
"""

from __future__ import annotations

import logging

import pytest
from sqlmodel import Session, select

from bot.ids import ActionId, CallbackId
from storage.models import Conversation, Person
from tests.conftest import Harness
from tests.factories import make_person

# An input element without dispatch_action: Slack sends no block_actions for it.
NOT_CLICKABLE = {ActionId.HOME_FIND_TOPIC_INPUT}
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
