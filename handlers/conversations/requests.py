"""Requests: asking for a conversation and the mentor's answers (accept, ask, pass, decline)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.conversations import (
    build_pair_welcome,
)
from bot.blocks.help import build_notice
from bot.blocks.payload import (
    STALE_BUTTON,
    Refused,
    parse_click,
    parse_submission,
    require_id,
    short_text,
    slack_user,
)
from bot.blocks.requests import (
    DECLINE_REASON_MAX,
    INFO_ANSWER_MAX,
    INFO_QUESTION_MAX,
    REQUEST_FIELDS,
    TOPIC_MAX,
    RequestModalMeta,
    build_decline_modal,
    build_info_answer_modal,
    build_info_question_modal,
    build_info_requested,
    build_pass_modal,
    build_request_card,
    build_request_card_answered,
    build_request_declined,
    build_request_modal,
    build_request_passed,
    build_request_sent,
    parse_request_submission,
)
from bot.context import Deps
from bot.ids import ActionId, BlockId, CallbackId, parse_request_button_value
from handlers.command_context import deps_of
from handlers.conversations.common import (
    _conversation_of,
    _parsed,
    _refresh,
    _share,
    _text_of,
    _update,
    _use_case,
    guarded,
    open_checked_modal,
    submitted,
)
from handlers.dm import send_dm

logger = logging.getLogger(__name__)
ANSWER_SENT = "Thanks: <@{mentor}> has your answer."
ANSWER_SAVED = (
    "Thanks: your answer is saved, but I couldn't send it to <@{mentor}> in Slack just now. "
    "Your request is waiting for them on their Home tab."
)


# --- the request modal (the contract with find / ask) ---------------------------------------


def open_request_modal(
    client: WebClient,
    deps: Deps,
    *,
    trigger_id: str,
    mentee_slack_id: str,
    mentor_slack_id: str,
    topic: str | None = None,
) -> None:
    """Open the request modal for ``mentee_slack_id`` asking ``mentor_slack_id``."""
    client.views_open(trigger_id=trigger_id, view=build_request_modal(mentor_slack_id, topic))


def _send_card(client: WebClient, deps: Deps, request: svc.RequestSnapshot) -> bool:
    """DM the mentor the request card and remember where it is; False when Slack refused.

    The request stays saved either way: the mentor's Home tab lists it with its buttons.
    """
    channel, ts = send_dm(client, request.mentor_slack_id, build_request_card(request))
    if not ts:
        return False
    _use_case(
        deps,
        lambda s: svc.remember_mentor_dm(s, request.conversation_id, channel=channel, ts=ts),
    )
    return True


def _answered_card(client: WebClient, request: svc.RequestSnapshot, outcome: str) -> None:
    _update(
        client,
        request.mentor_dm_channel,
        request.mentor_dm_ts,
        build_request_card_answered(request, outcome),
    )


# --- asking ------------------------------------------------------------------------


def handle_request_conversation(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """ "Request a conversation" (find results, suggestions): open the request modal."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)
    user = click.user_id

    def run() -> None:
        mentor, topic = parse_request_button_value(click.value)
        if slack_user(mentor) is None or (topic and short_text(topic, TOPIC_MAX) is None):
            raise Refused(STALE_BUTTON)
        _use_case(
            deps,
            lambda s: svc.check_can_request(
                s,
                user,
                mentor,
                now=deps.clock(),
                max_level_gap=deps.settings.max_level_gap,
            ),
        )
        open_request_modal(
            client,
            deps,
            trigger_id=click.trigger_id,
            mentee_slack_id=user,
            mentor_slack_id=mentor,
            topic=topic,
        )

    guarded(client, body, respond, run)


def handle_request_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The mentee sends the request: validate, re-check the mentor, DM them the card."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    read = _parsed(
        ack,
        lambda: (
            RequestModalMeta.load(submission.metadata),
            parse_request_submission(submission.form),
        ),
    )
    if read is None:
        return
    meta, form = read
    request = submitted(
        deps,
        ack,
        body,
        lambda s: svc.create_request(
            s,
            user,
            meta.mentor_slack_id,
            form,
            now=deps.clock(),
            max_level_gap=deps.settings.max_level_gap,
        ),
        fields=REQUEST_FIELDS,
        fallback=BlockId.REQUEST_QUESTIONS,
        refused="Request not sent",
    )
    if request is None:
        return
    delivered = _send_card(client, deps, request)
    send_dm(
        client,
        user,
        build_request_sent(request.mentor_slack_id, request.topic, delivered=delivered),
    )
    _refresh(client, deps, [user, request.mentor_slack_id])


# --- the mentor answers ----------------------------------------------------------------


def _open_pair_channel(client: WebClient, deps: Deps, agenda_view: svc.AgendaView) -> None:
    """The pair's group DM with the bot; if Slack refuses it, each gets the welcome by DM."""
    cid = agenda_view.conversation_id
    users = f"{agenda_view.mentee_slack_id},{agenda_view.mentor_slack_id}"
    pair = (agenda_view.mentee_slack_id, agenda_view.mentor_slack_id)
    try:
        channel = str(client.conversations_open(users=users)["channel"]["id"])
    except SlackApiError:
        logger.exception("Failed to open a group DM; sending the welcome by DM instead")
        channel = ""
    # Remembered only once Slack took the welcome there; else each gets it by DM.
    channel, _ = _share(client, channel, pair, build_pair_welcome(agenda_view))
    if channel:
        _use_case(deps, lambda s: svc.remember_group_channel(s, cid, channel))


def handle_accept(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Accept: open the pair's group DM and post the agenda there."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)
    user = click.user_id

    def run() -> None:
        cid = require_id(click.value)
        agenda_view = _use_case(
            deps,
            lambda s: svc.accept_request(
                s, cid, user, now=deps.clock(), max_sessions=deps.settings.max_sessions
            ),
        )
        _open_pair_channel(client, deps, agenda_view)
        request = _use_case(deps, lambda s: svc.request_snapshot(s, cid))
        _answered_card(
            client,
            request,
            f"Accepted: the agenda is in your group DM with <@{request.mentee_slack_id}>.",
        )
        _refresh(client, deps, [agenda_view.mentee_slack_id, agenda_view.mentor_slack_id])

    guarded(client, body, respond, run)


def handle_ask_more_info(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the modal where the mentor writes their question."""
    deps = deps_of(context)
    ack()
    open_checked_modal(
        client,
        deps,
        body,
        respond,
        lambda s, cid, user: svc.check_mentor_can_answer(s, cid, user, info=True),
        lambda cid, request: build_info_question_modal(cid, request.mentee_slack_id),
    )


def handle_info_question(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The mentor's question goes to the mentee, with a button to answer."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    read = _parsed(ack, lambda: _text_of(submission, BlockId.INFO_QUESTION, INFO_QUESTION_MAX))
    if read is None:
        return
    cid, question = read
    request = submitted(
        deps,
        ack,
        body,
        lambda s: svc.ask_for_info(s, cid, user, question, now=deps.clock()),
        fields=REQUEST_FIELDS,
        fallback=BlockId.INFO_QUESTION,
    )
    if request is None:
        return
    send_dm(
        client,
        request.mentee_slack_id,
        build_info_requested(cid, request.mentor_slack_id, question),
    )
    _answered_card(client, request, "You asked for more info; the answer will come here.")
    _refresh(client, deps, [request.mentee_slack_id, request.mentor_slack_id])


def handle_answer_info(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the modal where the mentee answers the mentor's question."""
    deps = deps_of(context)
    ack()
    open_checked_modal(
        client,
        deps,
        body,
        respond,
        svc.check_mentee_can_answer_info,
        lambda cid, request: build_info_answer_modal(
            cid, request.mentor_slack_id, request.info_question or ""
        ),
    )


def handle_info_answer(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The answer is added to the request, which goes back to the mentor."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    read = _parsed(ack, lambda: _text_of(submission, BlockId.INFO_ANSWER, INFO_ANSWER_MAX))
    if read is None:
        return
    cid, answer = read
    request = submitted(
        deps,
        ack,
        body,
        lambda s: svc.answer_info(s, cid, user, answer, now=deps.clock()),
        fields=REQUEST_FIELDS,
        fallback=BlockId.INFO_ANSWER,
    )
    if request is None:
        return
    _answered_card(client, request, "The mentee answered: see the updated request below.")
    delivered = _send_card(client, deps, request)
    thanks = ANSWER_SENT if delivered else ANSWER_SAVED
    send_dm(client, user, build_notice(thanks.format(mentor=request.mentor_slack_id)))
    _refresh(client, deps, [user, request.mentor_slack_id])


def handle_pass(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the modal where the mentor names a colleague."""
    deps = deps_of(context)
    ack()
    open_checked_modal(
        client,
        deps,
        body,
        respond,
        svc.check_mentor_can_answer,
        lambda cid, _request: build_pass_modal(cid),
    )


def handle_pass_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Hand the request to the colleague; tell the mentee."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id

    def read_pass() -> tuple[int, str]:
        cid = _conversation_of(submission)
        to = submission.form.user(BlockId.PASS_TO) or ""
        submission.form.check()
        return cid, to

    read = _parsed(ack, read_pass)
    if read is None:
        return
    cid, to = read

    def pass_on(s: Session) -> tuple[svc.RequestSnapshot, svc.Passed]:
        before = svc.check_mentor_can_answer(s, cid, user)  # where the old card is
        return before, svc.pass_request(s, cid, user, to, now=deps.clock())

    done = submitted(deps, ack, body, pass_on, fields=REQUEST_FIELDS, fallback=BlockId.PASS_TO)
    if done is None:
        return
    before, passed = done
    request = passed.request
    _answered_card(client, before, f"Passed on to <@{request.mentor_slack_id}>.")
    _send_card(client, deps, request)
    send_dm(
        client,
        request.mentee_slack_id,
        build_request_passed(passed.old_mentor_slack_id, request.mentor_slack_id, request.topic),
    )
    _refresh(
        client,
        deps,
        [request.mentee_slack_id, passed.old_mentor_slack_id, request.mentor_slack_id],
    )


def handle_decline(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the modal asking (optionally) for a short reason."""
    deps = deps_of(context)
    ack()
    open_checked_modal(
        client,
        deps,
        body,
        respond,
        svc.check_mentor_can_answer,
        lambda cid, _request: build_decline_modal(cid),
    )


def handle_decline_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Decline: tell the mentee, with the next best mentors a click away."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    read = _parsed(ack, lambda: _text_of(submission, BlockId.DECLINE_REASON, DECLINE_REASON_MAX))
    if read is None:
        return
    cid, reason = read
    answered = submitted(
        deps,
        ack,
        body,
        lambda s: svc.decline_request(
            s, cid, user, reason, now=deps.clock(), max_level_gap=deps.settings.max_level_gap
        ),
    )
    if answered is None:
        return
    request = answered.request
    _answered_card(client, request, "Declined. Thank you for answering.")
    send_dm(
        client,
        request.mentee_slack_id,
        build_request_declined(
            request.mentor_slack_id, request.topic, reason or None, answered.suggestions
        ),
    )
    _refresh(client, deps, [request.mentee_slack_id, request.mentor_slack_id])


def register(app: App) -> None:
    """Actions and views of asking and answering a request."""
    app.action(ActionId.REQUEST_CONVERSATION)(handle_request_conversation)
    app.view(CallbackId.REQUEST_MODAL)(handle_request_submission)
    app.action(ActionId.ACCEPT_REQUEST)(handle_accept)
    app.action(ActionId.ASK_MORE_INFO)(handle_ask_more_info)
    app.view(CallbackId.INFO_QUESTION_MODAL)(handle_info_question)
    app.action(ActionId.ANSWER_INFO)(handle_answer_info)
    app.view(CallbackId.INFO_ANSWER_MODAL)(handle_info_answer)
    app.action(ActionId.PASS_REQUEST)(handle_pass)
    app.view(CallbackId.PASS_MODAL)(handle_pass_submission)
    app.action(ActionId.DECLINE_REQUEST)(handle_decline)
    app.view(CallbackId.DECLINE_MODAL)(handle_decline_submission)
