"""Who may do what: every registered action and modal, sent by someone who may not.

Each action_id and callback_id the app registers (read from the app, so a new one is in
this table or the test fails) is sent with a value naming a real conversation, action item
or logged meeting, and otherwise valid input, by a colleague in the directory who is not
one of the pair, and by someone not in the directory at all. Nothing changes in the
database, and the person is answered kindly.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot.ids import (
    ActionId,
    BlockId,
    CallbackId,
    danger_sign_value,
    request_button_value,
    withdraw_option,
)
from tests.conftest import START
from tests.handlers.inprocess import (
    NOT_CLICKABLE,
    NOT_IN_DIRECTORY,
    NOT_SUBMITTABLE,
    OUTSIDER,
    World,
    integrity_ok,
    snapshot,
    sorry_calls,
)
from tests.handlers.journey import COLLEAGUE, MENTOR, QUESTIONS, radio, request_values, text_input
from tests.handlers.registry import registered_action_ids, registered_callback_ids
from tests.handlers.team_steps import checkin_values, pulse_values
from tests.inprocess import InProcessSender


def forget_values() -> dict[str, Any]:
    chosen = [{"value": "understood", "text": {"type": "plain_text", "text": "I understand"}}]
    box = {"type": "checkboxes", "selected_options": chosen}
    return {BlockId.FORGET_UNDERSTOOD: {BlockId.FORGET_UNDERSTOOD: box}}


BOTH = (OUTSIDER, NOT_IN_DIRECTORY)
# Everyone in the directory may do these for themselves; only a stranger may not.
STRANGER_ONLY = (NOT_IN_DIRECTORY,)

# action_id -> (the value a real button would carry, who may not press it)
ACTIONS: dict[str, tuple[Callable[[World], str], tuple[str, ...]]] = {
    ActionId.FIND_TOPIC: (lambda w: "Public speaking", STRANGER_ONLY),
    f"{ActionId.FIND_TOPIC}:0": (lambda w: "Public speaking", STRANGER_ONLY),
    ActionId.OFFER_EDIT: (lambda w: "edit", STRANGER_ONLY),
    ActionId.OFFER_TOGGLE_PAUSE: (lambda w: "pause", STRANGER_ONLY),
    ActionId.REQUEST_CONVERSATION: (lambda w: request_button_value(MENTOR, "talks"), STRANGER_ONLY),
    ActionId.ACCEPT_REQUEST: (lambda w: str(w.requested), BOTH),
    ActionId.ASK_MORE_INFO: (lambda w: str(w.requested), BOTH),
    ActionId.PASS_REQUEST: (lambda w: str(w.requested), BOTH),
    ActionId.DECLINE_REQUEST: (lambda w: str(w.requested), BOTH),
    ActionId.ANSWER_INFO: (lambda w: str(w.requested), BOTH),
    ActionId.LOG_SESSION: (lambda w: f"{w.active}:{w.session_number}", BOTH),
    ActionId.OPEN_AGENDA: (lambda w: str(w.active), BOTH),
    ActionId.OPEN_FOLLOWUP: (lambda w: str(w.active), BOTH),
    ActionId.ADD_ACTION_ROW: (lambda w: "3", BOTH),
    ActionId.ACTION_DONE: (lambda w: str(w.action_item), BOTH),
    ActionId.CLOSE_EARLY: (lambda w: str(w.active), BOTH),
    ActionId.OPEN_SUNSET: (lambda w: str(w.closed), BOTH),
    ActionId.MET_CONFIRM: (lambda w: str(w.met), BOTH),
    ActionId.MET_DECLINE: (lambda w: str(w.met), BOTH),
    ActionId.WITHDRAW_REQUEST: (lambda w: str(w.requested), BOTH),
    ActionId.WITHDRAW_ASK_NEXT: (lambda w: str(w.requested), BOTH),
    ActionId.WITHDRAW_MENU: (lambda w: withdraw_option(w.requested, ask_next=True), BOTH),
    ActionId.HOME_FIND_MENTOR: (lambda w: "find", STRANGER_ONLY),
    ActionId.SHOW_PROGRESS: (lambda w: "help", STRANGER_ONLY),
    ActionId.HOME_TRANSITION: (lambda w: "", STRANGER_ONLY),
    ActionId.HOME_TRANSITION_END: (lambda w: "first_time_manager", STRANGER_ONLY),
    ActionId.FIND_SHOW_ANYWAY: (lambda w: "Public speaking", STRANGER_ONLY),
    ActionId.FIND_MODAL_REQUEST: (lambda w: request_button_value(MENTOR, "talks"), STRANGER_ONLY),
    ActionId.HOME_LEARNING: (lambda w: "learning", STRANGER_ONLY),
    ActionId.SUPPORT_LINK: (lambda w: "support", ()),  # a link: nothing to refuse anyone
    ActionId.WRAP_UP: (lambda w: str(w.active), BOTH),
    # Managers' buttons act on the clicker's own team: no one without reports may press them.
    ActionId.TEAM_SEND_PULSE: (lambda w: "pulse", BOTH),
    ActionId.TEAM_RECORD_CHECKIN: (lambda w: "notes", BOTH),
    ActionId.TEAM_REMIND_MONTHLY: (lambda w: "monthly", BOTH),
    ActionId.TEAM_STOP_REMINDING: (lambda w: "stop", BOTH),
    ActionId.TEAM_SNOOZE_REMINDER: (lambda w: "snooze", BOTH),
    ActionId.PULSE_ANSWER: (lambda w: "1", BOTH),
    ActionId.HOME_MUTE_TOGGLE: (lambda w: "mute", STRANGER_ONLY),
    ActionId.NUDGE_OPEN_HOME: (lambda w: "home", STRANGER_ONLY),
    # coordinators only (the role is checked on the server), and a goal the clicker reached
    ActionId.DIGEST_EXPORT: (lambda w: "2026-W47", BOTH),
    ActionId.DIGEST_NUDGE: (lambda w: danger_sign_value("silent", w.active), BOTH),
    ActionId.ADVICE_HANDLED: (lambda w: "1", BOTH),
    ActionId.CELEBRATE_ME: (lambda w: "newcomer:2026-01-01", BOTH),
}


def _followup_values() -> dict[str, Any]:
    return {
        f"{BlockId.OUTCOME_PREFIX}1": radio(f"{BlockId.OUTCOME_PREFIX}1", "answered"),
        f"{BlockId.ACTION_TEXT_PREFIX}1": text_input(
            f"{BlockId.ACTION_TEXT_PREFIX}1", "Write the outline"
        ),
    }


# callback_id -> (private_metadata, valid state.values, who may not submit it)
Form = tuple[Callable[[World], str], Callable[[World], dict[str, Any]], tuple[str, ...]]
SUBMISSIONS: dict[str, Form] = {
    CallbackId.OFFER_MODAL: (
        lambda w: "",
        lambda w: {
            BlockId.OFFER_NEW_TOPICS: text_input(BlockId.OFFER_NEW_TOPICS, "Negotiation"),
            BlockId.OFFER_CAPACITY: {
                BlockId.OFFER_CAPACITY: {"type": "number_input", "value": "2"}
            },
        },
        STRANGER_ONLY,
    ),
    CallbackId.REQUEST_MODAL: (
        lambda w: json.dumps({"mentor": MENTOR, "topic": "talks"}),
        lambda w: request_values("\n".join(QUESTIONS)),
        STRANGER_ONLY,
    ),
    CallbackId.INFO_QUESTION_MODAL: (
        lambda w: str(w.requested),
        lambda w: {BlockId.INFO_QUESTION: text_input(BlockId.INFO_QUESTION, "Which talk?")},
        BOTH,
    ),
    CallbackId.INFO_ANSWER_MODAL: (
        lambda w: str(w.requested),
        lambda w: {BlockId.INFO_ANSWER: text_input(BlockId.INFO_ANSWER, "The keynote")},
        BOTH,
    ),
    CallbackId.PASS_MODAL: (
        lambda w: str(w.requested),
        lambda w: {
            BlockId.PASS_TO: {BlockId.PASS_TO: {"type": "users_select", "selected_user": COLLEAGUE}}
        },
        BOTH,
    ),
    CallbackId.DECLINE_MODAL: (
        lambda w: str(w.requested),
        lambda w: {BlockId.DECLINE_REASON: text_input(BlockId.DECLINE_REASON, "Away")},
        BOTH,
    ),
    CallbackId.CHOOSE_CONVERSATION_MODAL: (
        lambda w: "agenda",
        lambda w: {BlockId.CHOOSE_CONVERSATION: radio(BlockId.CHOOSE_CONVERSATION, str(w.active))},
        BOTH,
    ),
    CallbackId.AGENDA_MODAL: (
        lambda w: str(w.active),
        lambda w: {
            BlockId.AGENDA_QUESTIONS: text_input(
                BlockId.AGENDA_QUESTIONS, "How do I open a talk well?"
            )
        },
        BOTH,
    ),
    CallbackId.FOLLOWUP_MODAL: (
        lambda w: f"{w.active}:{w.session_number}:3",
        lambda w: _followup_values(),
        BOTH,
    ),
    CallbackId.CLOSE_EARLY_MODAL: (
        lambda w: str(w.active),
        lambda w: {BlockId.CLOSE_NOTE: text_input(BlockId.CLOSE_NOTE, "Thanks")},
        BOTH,
    ),
    CallbackId.WRAP_UP_MODAL: (
        lambda w: str(w.active),
        lambda w: {BlockId.CLOSE_NOTE: text_input(BlockId.CLOSE_NOTE, "Thanks")},
        BOTH,
    ),
    CallbackId.SUNSET_MODAL: (
        lambda w: str(w.closed),
        lambda w: {
            BlockId.KEEP_OPEN: radio(BlockId.KEEP_OPEN, "yes"),
            BlockId.USEFULNESS: radio(BlockId.USEFULNESS, "5"),
        },
        BOTH,
    ),
    CallbackId.HOME_FIND_MODAL: (
        lambda w: "",
        lambda w: {
            BlockId.HOME_FIND_TOPIC: {
                ActionId.HOME_FIND_TOPIC_INPUT: {"type": "plain_text_input", "value": "talks"}
            }
        },
        STRANGER_ONLY,
    ),
    CallbackId.ADVICE_MODAL: (  # mentors only: neither the outsider nor a stranger offers
        lambda w: "",
        lambda w: {BlockId.ADVICE_TEXT: text_input(BlockId.ADVICE_TEXT, "A hard situation")},
        BOTH,
    ),
    CallbackId.HOME_LEARNING_MODAL: (
        lambda w: "",
        lambda w: {
            BlockId.HOME_LEARNING: {
                ActionId.HOME_LEARNING_INPUT: {"type": "plain_text_input", "value": "talks"}
            }
        },
        STRANGER_ONLY,
    ),
    CallbackId.TEAM_CHECKIN_MODAL: (
        lambda w: "",
        lambda w: checkin_values(START.date().isoformat(), "we heard", "we try", share=True),
        BOTH,
    ),
    CallbackId.PULSE_ANSWER_MODAL: (lambda w: "1", lambda w: pulse_values("often", "ok"), BOTH),
    # Forget-me forgets the person submitting, whatever the form says: metadata naming
    # someone else changes nothing of theirs (only a stranger has nothing to forget).
    CallbackId.FORGET_ME_MODAL: (lambda w: MENTOR, lambda w: forget_values(), STRANGER_ONLY),
}

ANSWERS = (
    "response_url",
    "chat.postMessage",
    "views.open",
    "views.publish",
    "views.update",
    "views.push",
)


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_tables_name_every_action_and_modal_the_app_registers(
    inproc: InProcessSender,
) -> None:
    clickable = set(registered_action_ids(inproc.app)) - NOT_CLICKABLE
    submittable = set(registered_callback_ids(inproc.app)) - NOT_SUBMITTABLE
    assert clickable == set(ACTIONS)
    assert submittable == set(SUBMISSIONS)


@pytest.mark.parametrize("in_view", [False, True], ids=["in a message", "in a view"])
def test_no_one_can_press_a_button_meant_for_someone_else(
    inproc: InProcessSender, world: World, caplog: pytest.LogCaptureFixture, in_view: bool
) -> None:
    for action_id, (value_of, not_allowed) in ACTIONS.items():
        value = value_of(world)
        for user in not_allowed:
            before, calls = snapshot(inproc.engine), len(inproc.fake.calls)
            action: dict[str, Any] = {"type": "button", "action_id": action_id, "value": value}
            if action_id == ActionId.HOME_TRANSITION:
                action = {
                    "type": "static_select",
                    "action_id": action_id,
                    "selected_option": {"value": "first_time_manager"},
                }
            if action_id == ActionId.WITHDRAW_MENU:
                action = {
                    "type": "overflow",
                    "action_id": action_id,
                    "selected_option": {"value": value},
                }
            view = None
            if in_view:
                meta = f"{world.active}:{world.session_number}:3"
                view = {"id": "V0AUTH001", "type": "modal", "hash": "1.a", "private_metadata": meta}
            reply = inproc.action(action_id, user=user, view=view, actions=[action])
            assert reply.status == 200, (action_id, user)
            new = inproc.fake.calls[calls:]
            assert snapshot(inproc.engine) == before, (action_id, user)
            assert any(c.method in ANSWERS for c in new), (action_id, user, "no answer")
            assert sorry_calls(new) == [], (action_id, user)
    assert _errors(caplog) == []
    assert integrity_ok(inproc.engine)


def test_no_one_can_submit_a_modal_about_someone_elses_conversation(
    inproc: InProcessSender, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    for callback_id, (metadata_of, values_of, not_allowed) in SUBMISSIONS.items():
        view = {
            "id": "V0AUTH001",
            "callback_id": callback_id,
            "private_metadata": metadata_of(world),
        }
        for user in not_allowed:
            before, calls = snapshot(inproc.engine), len(inproc.fake.calls)
            reply = inproc.submit(view, values_of(world), user=user)
            assert reply.status == 200, (callback_id, user)
            new = inproc.fake.calls[calls:]
            assert snapshot(inproc.engine) == before, (callback_id, user)
            refused_on_modal = bool(reply.body) and reply.json["response_action"] in (
                "errors",
                "update",
            )
            told = any(c.method in ANSWERS for c in new)
            assert refused_on_modal or told, (callback_id, user, "no answer")
            assert sorry_calls(new) == [], (callback_id, user)
            assert "Traceback" not in reply.body
    assert _errors(caplog) == []
    assert integrity_ok(inproc.engine)
