"""Pure builders for requests: the request modal, the mentor's card and its follow-up modals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    mention,
    message,
    plain,
    quote,
    section,
)
from bot.blocks.payload import STALE_FORM, Form, Refused, json_object, short_text, slack_user
from bot.conversations import RequestForm, RequestSnapshot, Suggested, split_questions
from bot.ids import ActionId, BlockId, CallbackId, request_button_value

FORMATS: dict[str, str] = {
    "call": "30-minute call",
    "coffee": "Coffee",
    "async": "Async in Slack",
}

QUESTIONS_GUIDANCE = (
    "*Why specific questions?* A mentor can prepare for “How did you decide when to "
    "split a team?” but not for “Tell me about leadership”. Two or three concrete "
    "questions make the first conversation useful, and show the mentor what you need."
)

QUESTIONS_HINT = "One question per line: two or three, each 10 to 500 characters."

# Each text field's max_length: the modal enforces it in Slack, the parser on the server.
TOPIC_MAX = 200
QUESTIONS_MAX = 3000
CONTEXT_MAX = 2000
INFO_QUESTION_MAX = 1000
INFO_ANSWER_MAX = 2000
DECLINE_REASON_MAX = 500


@dataclass(frozen=True)
class RequestModalMeta:
    """What the request modal carries in private_metadata."""

    mentor_slack_id: str
    topic: str | None = None

    def dump(self) -> str:
        return json.dumps({"mentor": self.mentor_slack_id, "topic": self.topic})

    @classmethod
    def load(cls, raw: str) -> RequestModalMeta:
        """Read it back; anything else (not JSON, no Slack user, a long topic) is refused."""
        data = json_object(raw)
        if data is None:
            raise Refused(STALE_FORM)
        mentor = slack_user(data.get("mentor"))
        topic = data.get("topic")
        if mentor is None or (topic is not None and short_text(topic, TOPIC_MAX) is None):
            raise Refused(STALE_FORM)
        return cls(mentor, topic or None)


def text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    initial: str | None = None,
    placeholder: str | None = None,
    hint: str | None = None,
    max_length: int = 3000,
    action_id: str | None = None,
) -> Block:
    """An input block holding one text field (its ``action_id`` the block's, unless named)."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id or block_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = clip(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def option(value: str, text: str) -> dict[str, Any]:
    return {"text": plain(text, 75), "value": value}


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = "Submit",
    close: str = "Cancel",
    private_metadata: str = "",
) -> dict[str, Any]:
    """A modal view; the title is clipped to Slack's 24 characters."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain(close, 24),
        "blocks": blocks[:100],
        "private_metadata": private_metadata[:3000],
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def build_request_modal(mentor_slack_id: str, topic: str | None = None) -> dict[str, Any]:
    """The request modal: topic, two or three specific questions, context, preferred format."""
    blocks: list[Block] = [
        section(f"Ask {mention(mentor_slack_id)} for a short mentoring conversation."),
        text_input(
            BlockId.REQUEST_TOPIC,
            "What would you like help with?",
            initial=topic,
            placeholder="e.g. running my first design review",
            max_length=TOPIC_MAX,
        ),
        section(QUESTIONS_GUIDANCE),
        text_input(
            BlockId.REQUEST_QUESTIONS,
            "Two or three specific questions",
            multiline=True,
            placeholder="How do you prepare a design review?\nWhat do you do when…",
            hint=QUESTIONS_HINT,
            max_length=QUESTIONS_MAX,
        ),
        text_input(
            BlockId.REQUEST_CONTEXT,
            "Context",
            multiline=True,
            optional=True,
            placeholder="Anything that helps the mentor understand where you are",
            max_length=CONTEXT_MAX,
        ),
        {
            "type": "input",
            "block_id": BlockId.REQUEST_FORMAT,
            "label": plain("Preferred format"),
            "element": {
                "type": "radio_buttons",
                "action_id": BlockId.REQUEST_FORMAT,
                "options": [option(k, v) for k, v in FORMATS.items()],
                "initial_option": option("call", FORMATS["call"]),
            },
        },
    ]
    meta = RequestModalMeta(mentor_slack_id, topic)
    return modal(
        CallbackId.REQUEST_MODAL,
        "Request a conversation",
        blocks,
        submit="Send request",
        private_metadata=meta.dump(),
    )


# --- the request as the mentor sees it -------------------------------------------------


def _request_body(card: RequestSnapshot) -> list[Block]:
    questions = "\n".join(f"{i}. {escape(q)}" for i, q in enumerate(card.questions, 1))
    blocks: list[Block] = [
        section(
            f"*Topic:* {escape(card.topic) or '—'}\n"
            f"*Preferred format:* {escape(FORMATS.get(card.format, card.format))}"
        ),
        section(f"*Questions*\n{questions}"),
    ]
    if card.context:
        blocks.append(section(f"*Context*\n{escape(card.context)}"))
    if card.info_question:
        answer = escape(card.info_answer) if card.info_answer else "_waiting for the answer_"
        blocks.append(section(f"*You asked:* {escape(card.info_question)}\n*Answer:* {answer}"))
    return blocks


def request_answer_blocks(card: RequestSnapshot, *, block_id: str | None = None) -> list[Block]:
    """Who asks, the request, its questions, and Accept / More info / Pass / Decline: the
    mentor's card and the waiting request on their Home show the same."""
    intro = f"{mention(card.mentee_slack_id)} would like a mentoring conversation with you."
    if card.passed_from_slack_id:
        intro += f" {mention(card.passed_from_slack_id)} passed this request on to you."
    value = str(card.conversation_id)
    return [
        section(intro),
        *_request_body(card),
        actions(
            button("Accept", ActionId.ACCEPT_REQUEST, value, style="primary"),
            button("Ask for more info", ActionId.ASK_MORE_INFO, value),
            button("Pass to a colleague", ActionId.PASS_REQUEST, value),
            button("Decline", ActionId.DECLINE_REQUEST, value, style="danger"),
            block_id=block_id or f"request_{card.conversation_id}",
        ),
    ]


def build_request_card(card: RequestSnapshot) -> dict[str, Any]:
    """The mentor's DM: the request, its questions, and Accept / More info / Pass / Decline."""
    blocks: list[Block] = [
        header("A mentoring request"),
        *request_answer_blocks(card),
        context(
            "Accepting opens a group DM with you, the mentee and me, where the agenda is "
            "posted. One to three conversations, then the relationship ends by design."
        ),
    ]
    return message(f"Mentoring request from {mention(card.mentee_slack_id)}", blocks)


def build_request_card_answered(card: RequestSnapshot, outcome: str) -> dict[str, Any]:
    """The mentor's DM once the request is answered: the same content, no buttons."""
    blocks: list[Block] = [
        header("A mentoring request"),
        section(f"{mention(card.mentee_slack_id)} asked for a mentoring conversation."),
        *_request_body(card),
        context(outcome),
    ]
    return message(f"Mentoring request from {mention(card.mentee_slack_id)}: {outcome}", blocks)


# --- modals the mentor and mentee use while a request is open -----------------------------


def build_info_question_modal(conversation_id: int, mentee_slack_id: str) -> dict[str, Any]:
    blocks = [
        section(f"What would you like to know from {mention(mentee_slack_id)}?"),
        text_input(
            BlockId.INFO_QUESTION, "Your question", multiline=True, max_length=INFO_QUESTION_MAX
        ),
    ]
    return modal(
        CallbackId.INFO_QUESTION_MODAL,
        "Ask for more info",
        blocks,
        submit="Send",
        private_metadata=str(conversation_id),
    )


def build_info_answer_modal(
    conversation_id: int, mentor_slack_id: str, question: str
) -> dict[str, Any]:
    blocks = [
        section(f"{mention(mentor_slack_id)} asked: {escape(question)}"),
        text_input(BlockId.INFO_ANSWER, "Your answer", multiline=True, max_length=INFO_ANSWER_MAX),
    ]
    return modal(
        CallbackId.INFO_ANSWER_MODAL,
        "Answer the mentor",
        blocks,
        submit="Send",
        private_metadata=str(conversation_id),
    )


PASS_NOBODY = (
    "Thank you for looking for someone better placed. Right now no other mentor fits "
    "this request: the colleagues who could take it are in the mentee's own area or "
    "reporting line, at capacity, paused, or too far apart in seniority. Declining with a "
    "short reason is kind too: the mentee gets other suggestions at once."
)


def _mentor_option(mentor: Suggested) -> dict[str, Any]:
    """A colleague in a select: options show no mentions, so their name (or ID) and why."""
    option: dict[str, Any] = {
        "text": plain(mentor.name or mentor.slack_id, 75),
        "value": mentor.slack_id,
    }
    if mentor.why:
        option["description"] = plain(mentor.why, 75)
    return option


def build_pass_modal(conversation_id: int, mentors: Sequence[Suggested]) -> dict[str, Any]:
    """Pass to one of the eligible mentors, best first as find ranks them for the mentee;
    when nobody is eligible, say so kindly and offer to decline instead."""
    if not mentors:
        blocks: list[Block] = [
            section(PASS_NOBODY),
            actions(
                button(
                    "Decline instead",
                    ActionId.DECLINE_REQUEST,
                    str(conversation_id),
                    style="danger",
                )
            ),
        ]
        return modal(
            CallbackId.CONVERSATION_NOTICE,
            "Pass to a colleague",
            blocks,
            submit=None,
            close="Close",
        )
    blocks = [
        section(
            "Who would be a better fit? These mentors could take it, best first as "
            "`/mentor find` ranks them for the mentee. They get the request with its "
            "questions, and the mentee is told."
        ),
        {
            "type": "input",
            "block_id": BlockId.PASS_TO,
            "label": plain("Pass to"),
            "element": {
                "type": "static_select",
                "action_id": BlockId.PASS_TO,
                "placeholder": plain("Pick a mentor"),
                "options": [_mentor_option(m) for m in mentors[:100]],
            },
        },
    ]
    return modal(
        CallbackId.PASS_MODAL,
        "Pass to a colleague",
        blocks,
        submit="Pass on",
        private_metadata=str(conversation_id),
    )


def build_decline_modal(conversation_id: int) -> dict[str, Any]:
    blocks = [
        section("Thanks for answering. A short reason helps the mentee ask someone else."),
        text_input(
            BlockId.DECLINE_REASON,
            "Reason (optional, shown to the mentee)",
            multiline=True,
            optional=True,
            max_length=DECLINE_REASON_MAX,
            placeholder="e.g. I'm out for the next month",
        ),
    ]
    return modal(
        CallbackId.DECLINE_MODAL,
        "Decline the request",
        blocks,
        submit="Decline",
        private_metadata=str(conversation_id),
    )


# --- what the mentee is told ---------------------------------------------------------------


SEARCH_AGAIN = button("Search with other words", ActionId.HOME_FIND_MENTOR, "find")


def _suggestion_blocks(
    suggestions: Sequence[Suggested], topic: str, *, general: bool = False
) -> list[Block]:
    """Who to ask instead, each a click away; when nobody offers the topic (``general``:
    these mentors are for any topic) or nobody fits at all, a search with other words."""
    if not suggestions:
        return [
            section("No other mentor fits this topic right now. Other words often find someone."),
            actions(SEARCH_AGAIN),
        ]
    if general:
        title = (
            "*Nobody else offers this topic right now.* These mentors have time and may "
            "still help, or search with other words:"
        )
    else:
        title = "*You could ask one of these mentors instead:*"
    blocks: list[Block] = [section(title)]
    for suggestion in suggestions[:5]:
        blocks.append(
            section(
                f"{mention(suggestion.slack_id)} — {escape(suggestion.why)}",
                accessory=button(
                    "Request a conversation",
                    ActionId.REQUEST_CONVERSATION,
                    request_button_value(suggestion.slack_id, topic or None),
                ),
            )
        )
    if general:
        blocks.append(actions(SEARCH_AGAIN))
    return blocks


EXPECT_ANSWER = (
    "Mentors usually answer within a few days; if there's no answer in 7 days, the request "
    "expires and I'll suggest others."
)


def withdraw_buttons(conversation_id: int) -> Block:
    """The mentee's way out of a waiting request: withdraw, or withdraw and ask the next."""
    value = str(conversation_id)
    return actions(
        button("Withdraw", ActionId.WITHDRAW_REQUEST, value),
        button("Withdraw and ask someone else", ActionId.WITHDRAW_ASK_NEXT, value),
        block_id=f"withdraw_{conversation_id}",
    )


def build_request_sent(
    mentor_slack_id: str,
    topic: str,
    *,
    delivered: bool = True,
    conversation_id: int | None = None,
) -> dict[str, Any]:
    """The mentee's confirmation, with when to expect an answer and a way to withdraw;
    ``delivered`` is False when Slack refused the mentor's DM."""
    if not delivered:
        text = (
            f"Your request to {mention(mentor_slack_id)} about *{escape(topic)}* is saved, "
            "but I couldn't send it to them in Slack just now. They'll see it on their Home "
            "tab; if there's no answer within 7 days, I'll suggest other mentors."
        )
        blocks = [section(":envelope: " + text)]
    else:
        text = (
            f"Your request to {mention(mentor_slack_id)} about *{escape(topic)}* is sent. "
            "You'll hear here when they answer; `/mentor progress` and the Home tab show "
            "where it stands."
        )
        blocks = [section(":envelope_with_arrow: " + text), context(EXPECT_ANSWER)]
    if conversation_id is not None:
        blocks.append(withdraw_buttons(conversation_id))
    return message(text, blocks)


def build_request_withdrawn(
    mentor_slack_id: str,
    topic: str,
    suggestions: Sequence[Suggested],
    *,
    general: bool = False,
    ask_next: bool = False,
) -> dict[str, Any]:
    """The mentee's note once they withdrew a request; with ``ask_next``, who to ask now."""
    text = (
        f"Your request to {mention(mentor_slack_id)} about *{escape(topic)}* is withdrawn; "
        "they've been told, and nothing more is needed from them."
    )
    blocks: list[Block] = [section(":leftwards_arrow_with_hook: " + text)]
    if ask_next:
        blocks += [divider(), *_suggestion_blocks(suggestions, topic, general=general)]
    else:
        blocks.append(actions(button("Find a mentor", ActionId.HOME_FIND_MENTOR, "find")))
    return message(text, blocks)


def build_info_requested(
    conversation_id: int, mentor_slack_id: str, question: str
) -> dict[str, Any]:
    text = f"{mention(mentor_slack_id)} would like to know more about your request."
    blocks = [
        section(f"{text}\n{quote(question)}"),
        actions(
            button("Answer", ActionId.ANSWER_INFO, str(conversation_id), style="primary"),
        ),
    ]
    return message(text, blocks)


def build_request_passed(old_slack_id: str, new_slack_id: str, topic: str) -> dict[str, Any]:
    text = (
        f"{mention(old_slack_id)} passed your request about *{escape(topic)}* to "
        f"{mention(new_slack_id)}, who may be a better fit. Your questions went with it."
    )
    return message(text, [section(":arrow_right: " + text)])


def build_request_declined(
    mentor_slack_id: str,
    topic: str,
    reason: str | None,
    suggestions: Sequence[Suggested],
    *,
    general: bool = False,
) -> dict[str, Any]:
    text = f"{mention(mentor_slack_id)} can't take your request about *{escape(topic)}* right now."
    blocks: list[Block] = [section(text)]
    if reason:
        blocks.append(section(f"Their note:\n{quote(reason)}"))
    blocks += [divider(), *_suggestion_blocks(suggestions, topic, general=general)]
    return message(text, blocks)


def build_request_expired(
    mentor_slack_id: str, topic: str, suggestions: Sequence[Suggested], *, general: bool = False
) -> dict[str, Any]:
    text = (
        f"Your request to {mention(mentor_slack_id)} about *{escape(topic)}* had no answer "
        "for 7 days, so it has expired. It happens: people get busy."
    )
    blocks: list[Block] = [section(":hourglass: " + text), divider()]
    blocks += _suggestion_blocks(suggestions, topic, general=general)
    return message(text, blocks)


def format_since(moment: datetime) -> str:
    """A date Slack renders in the reader's own time zone."""
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{moment:%Y-%m-%d}>"


# --- parsing submissions (state.values → plain values) ---------------------------------------


def parse_request_submission(form: Form) -> RequestForm:
    """The request modal's answers; unreadable or over-long fields are refused."""
    parsed = RequestForm(
        topic=form.text(BlockId.REQUEST_TOPIC, max_length=TOPIC_MAX),
        questions=tuple(
            split_questions(form.text(BlockId.REQUEST_QUESTIONS, max_length=QUESTIONS_MAX))
        ),
        context=form.text(BlockId.REQUEST_CONTEXT, max_length=CONTEXT_MAX),
        format=form.option(BlockId.REQUEST_FORMAT, FORMATS) or "call",
    )
    form.check()
    return parsed


REQUEST_FIELDS = {
    "topic": BlockId.REQUEST_TOPIC,
    "questions": BlockId.REQUEST_QUESTIONS,
    "format": BlockId.REQUEST_FORMAT,
    "info_question": BlockId.INFO_QUESTION,
    "info_answer": BlockId.INFO_ANSWER,
    "pass_to": BlockId.PASS_TO,
}


def build_support_view(triage: dict[str, Any]) -> dict[str, Any]:
    """Replaces the request modal when its topic is a need for HR or employee assistance:
    the triage card (``bot.blocks.find.build_triage``), not a request."""
    return modal(
        CallbackId.CONVERSATION_NOTICE,
        "Where to get help",
        triage["blocks"],
        submit=None,
        close="Close",
    )


def build_problem_view(title: str, text: str) -> dict[str, Any]:
    """Replaces a modal when the request can't go ahead (e.g. the mentor became full)."""
    return modal(CallbackId.CONVERSATION_NOTICE, title, [section(text)], submit=None, close="Close")
