"""Steps of the mentoring journey, driven through signed requests against the fake Slack."""

from __future__ import annotations

import time
from typing import Any

from sqlmodel import Session, select

from bot.ids import ActionId, BlockId, request_button_value
from storage.models import Conversation, OutboxMessage, Person
from tests.conftest import Harness
from tests.factories import make_person
from tests.fakeslack import Call, conversation_id
from tests.mentors import offer

MENTEE = "U0ALICE01"
MENTOR = "U0BOB0001"
OTHER_MENTOR = "U0CAROL01"
COLLEAGUE = "U0DAN0001"
STRANGER = "U0EVE0001"

QUESTIONS = (
    "How do you prepare a talk for a large audience?",
    "What do you do when a demo breaks on stage?",
)
GROUP = "G0AL0BO00"  # what the fake answers for conversations.open(users=mentee,mentor)


def directory(session: Session) -> dict[str, Person]:
    """A mentee, two mentors offering public speaking, a colleague and a stranger."""
    people = {
        MENTEE: make_person(session, MENTEE, area="Engineering", level=3),
        MENTOR: make_person(session, MENTOR, area="Design", level=4),
        OTHER_MENTOR: make_person(session, OTHER_MENTOR, area="Sales", level=4),
        COLLEAGUE: make_person(session, COLLEAGUE, area="Marketing", level=4),
        STRANGER: make_person(session, STRANGER, area="Finance", level=3),
    }
    offer(session, people[MENTOR], ("Public speaking",), capacity=2)
    offer(session, people[OTHER_MENTOR], ("Public speaking",), capacity=2)
    offer(session, people[COLLEAGUE], ("Public speaking",), capacity=2)
    session.commit()
    return people


def request_values(
    questions: str, *, topic: str = "public speaking", context: str = "", fmt: str = "call"
) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        BlockId.REQUEST_TOPIC: {
            BlockId.REQUEST_TOPIC: {"type": "plain_text_input", "value": topic}
        },
        BlockId.REQUEST_QUESTIONS: {
            BlockId.REQUEST_QUESTIONS: {"type": "plain_text_input", "value": questions}
        },
        BlockId.REQUEST_CONTEXT: {
            BlockId.REQUEST_CONTEXT: {"type": "plain_text_input", "value": context or None}
        },
        BlockId.REQUEST_FORMAT: {
            BlockId.REQUEST_FORMAT: {
                "type": "radio_buttons",
                "selected_option": {"value": fmt, "text": {"type": "plain_text", "text": fmt}},
            }
        },
    }


def text_input(block_id: str, value: str | None) -> dict[str, dict[str, Any]]:
    return {block_id: {"type": "plain_text_input", "value": value}}


def radio(block_id: str, value: str | None) -> dict[str, dict[str, Any]]:
    chosen = {"value": value, "text": {"type": "plain_text", "text": value}} if value else None
    return {block_id: {"type": "radio_buttons", "selected_option": chosen}}


def open_modal(h: Harness, action: str, value: str, *, user: str, **kwargs: Any) -> dict[str, Any]:
    """Click ``action`` and return the modal the app opened in answer."""
    before = len(h.fake.calls_to("views.open"))
    h.slack.action(action, value, user=user, **kwargs)
    return dict(h.fake.wait_for("views.open", before + 1)[-1].params["view"])


def command_modal(h: Harness, text: str, *, user: str) -> dict[str, Any]:
    before = len(h.fake.calls_to("views.open"))
    h.slack.command(text, user=user)
    return dict(h.fake.wait_for("views.open", before + 1)[-1].params["view"])


def is_dm(channel: Any, user: str) -> bool:
    """Whether ``channel`` is ``user``'s DM with the bot: its ``D…`` ID, or their user ID,
    which the outbox posts DMs to (Slack puts them in the same DM)."""
    return str(channel) in (user, conversation_id([user]))


def in_dm(call: Call, user: str) -> bool:
    """Whether a post went to ``user``'s DM with the bot."""
    return is_dm(call.params.get("channel", ""), user)


def dms_to(h: Harness, user: str) -> list[Call]:
    """Everything posted to ``user``'s DM with the bot."""
    return [c for c in h.fake.calls_to("chat.postMessage") if in_dm(c, user)]


def posts_to(h: Harness, channel_prefix: str) -> list[Call]:
    return [
        c
        for c in h.fake.calls_to("chat.postMessage")
        if str(c.params.get("channel", "")).startswith(channel_prefix)
    ]


def wait_post(h: Harness, where: Any, count: int = 1) -> Call:
    return h.fake.wait_for("chat.postMessage", count, where=where)[-1]


def text_of(payload: dict[str, Any]) -> str:
    """Every visible text of a message or view, joined (for "what the user sees" asserts)."""
    parts: list[str] = [str(payload.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload.get("blocks", []))
    return " ".join(parts)


def buttons(payload: dict[str, Any]) -> dict[str, str]:
    """action_id → value of every button in a message or view."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "button" and "action_id" in node:
                found.setdefault(str(node["action_id"]), str(node.get("value", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload.get("blocks", []))
    return found


def all_buttons(payload: dict[str, Any], action_id: str) -> list[str]:
    values: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "button" and node.get("action_id") == action_id:
                values.append(str(node.get("value", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload.get("blocks", []))
    return values


def card_calls(h: Harness, mentor: str = MENTOR) -> list[Call]:
    """The request cards DMed to ``mentor`` (messages with an Accept button)."""
    return [c for c in dms_to(h, mentor) if ActionId.ACCEPT_REQUEST in buttons(c.params)]


def send_request(
    h: Harness,
    *,
    mentee: str = MENTEE,
    mentor: str = MENTOR,
    questions: tuple[str, ...] = QUESTIONS,
) -> int:
    """Open the request modal from a button and send a valid request; returns its ID."""
    before = len(card_calls(h, mentor))
    view = open_modal(
        h,
        ActionId.REQUEST_CONVERSATION,
        request_button_value(mentor, "public speaking"),
        user=mentee,
    )
    reply = h.slack.submit(view, request_values("\n".join(questions)), user=mentee)
    assert reply.status == 200 and not reply.body, reply.body
    deadline_calls = h.fake.wait_for(
        "chat.postMessage",
        where=lambda c: in_dm(c, mentor) and ActionId.ACCEPT_REQUEST in buttons(c.params),
        count=before + 1,
    )
    cid = int(buttons(deadline_calls[-1].params)[ActionId.ACCEPT_REQUEST])
    _wait_until_card_is_remembered(h, cid)
    return cid


def _wait_until_card_is_remembered(h: Harness, cid: int, timeout: float = 5.0) -> None:
    """The outbox records where the card went just after posting it; wait for that, not
    for time."""
    deadline = time.monotonic() + timeout
    while True:
        with h.deps.open_session() as db:
            conversation = db.get(Conversation, cid)
            if conversation is not None and conversation.card_key:
                sent = db.exec(
                    select(OutboxMessage.ts).where(OutboxMessage.key == conversation.card_key)
                ).first()
                if sent:
                    return
        if time.monotonic() > deadline:
            raise AssertionError(f"request {cid}: the card's message ts was never stored")
        time.sleep(0.02)


def card_message(h: Harness, mentor: str = MENTOR) -> tuple[str, str]:
    """(channel, ts) of the newest request card DMed to ``mentor``."""
    call = card_calls(h, mentor)[-1]
    return next(
        (channel, ts)
        for (channel, ts), message in h.fake.messages.items()
        if channel in (call.params["channel"], conversation_id([mentor]))
        and message["blocks"] == call.params["blocks"]
    )


def accept(h: Harness, cid: int, *, mentor: str = MENTOR) -> Call:
    """The mentor accepts from the card; returns the welcome message in the group DM."""
    channel, ts = card_message(h, mentor)
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=mentor, channel=channel, message_ts=ts)
    return wait_post(h, lambda c: str(c.params.get("channel", "")).startswith("G"))


def ephemeral_answers(h: Harness) -> list[str]:
    return [text_of(c.params) for c in h.fake.calls_to("response_url")]


# --- the pair's card ---------------------------------------------------------------------

# Buttons that move a conversation on: only the pair's card may carry them in the group DM.
STEP_BUTTONS = (
    ActionId.OPEN_AGENDA,
    ActionId.LOG_SESSION,
    ActionId.OPEN_FOLLOWUP,
    ActionId.WRAP_UP,
    ActionId.CLOSE_EARLY,
)


def primary(payload: dict[str, Any]) -> tuple[str, str] | None:
    """(action_id, value) of a message's primary button, if it has one."""
    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "button" and node.get("style") == "primary":
                found.append((str(node["action_id"]), str(node.get("value", ""))))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload.get("blocks", []))
    assert len(found) <= 1, f"more than one primary button: {found}"
    return found[0] if found else None


def card_ts(h: Harness, channel: str = GROUP) -> str:
    """The ts of the pair's card: the first message posted in their group DM."""
    h.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == channel)
    return min(ts for (ch, ts) in h.fake.messages if ch == channel)


def card_updates(h: Harness, ts: str) -> list[Call]:
    return [c for c in h.fake.calls_to("chat.update") if c.params.get("ts") == ts]


def wait_card(h: Harness, ts: str, count: int) -> dict[str, Any]:
    """The ``count``-th update of the card at ``ts`` (waits for it); its parameters."""
    calls = h.fake.wait_for("chat.update", count, where=lambda c: c.params.get("ts") == ts)
    return dict(calls[count - 1].params)


def agenda_values(questions: str, day: str | None = None, at: str | None = None) -> dict[str, Any]:
    """What the agenda modal sends: the questions and, optionally, a day and a time."""
    values: dict[str, Any] = {
        BlockId.AGENDA_QUESTIONS: text_input(BlockId.AGENDA_QUESTIONS, questions)
    }
    if day:
        values[BlockId.SESSION_DATE] = {
            BlockId.SESSION_DATE: {"type": "datepicker", "selected_date": day}
        }
    if at:
        values[BlockId.SESSION_TIME] = {
            BlockId.SESSION_TIME: {"type": "timepicker", "selected_time": at}
        }
    return values


def followup_values(action: str, owner: str = "mentee") -> dict[str, Any]:
    """What the follow-up modal sends: the first question answered and one action."""
    text = f"{BlockId.ACTION_TEXT_PREFIX}1"
    owner_id = f"{BlockId.ACTION_OWNER_PREFIX}1"
    return {
        f"{BlockId.OUTCOME_PREFIX}1": radio(f"{BlockId.OUTCOME_PREFIX}1", "answered"),
        text: text_input(text, action),
        owner_id: {owner_id: {"type": "static_select", "selected_option": {"value": owner}}},
    }
