"""Requests: asking for a conversation and the mentor's answers (accept, ask, pass, decline)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import conversations as svc
from bot.blocks.find import build_triage
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
    build_pass_modal,
    build_request_modal,
    build_support_view,
    parse_request_submission,
)
from bot.context import Deps
from bot.flows import requests as flow
from bot.flows.find import is_triage
from bot.ids import (
    ActionId,
    BlockId,
    CallbackId,
    parse_request_button_value,
    parse_withdraw_option,
)
from bot.usecase import read
from handlers.command_context import deps_of, once
from handlers.conversations.common import (
    _conversation_of,
    _parsed,
    clicked,
    guarded,
    open_checked_modal,
    submitted,
    text_submitted,
)
from handlers.deliver import deliver

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
        read(
            deps.open_session,
            lambda s: svc.check_can_request(
                s, user, mentor, now=deps.clock(), max_level_gap=deps.settings.max_level_gap
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

    guarded(context, body, respond, run)


def handle_request_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The mentee sends the request: validate, re-check the mentor, DM them the card."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    parsed = _parsed(
        ack,
        lambda: (
            RequestModalMeta.load(submission.metadata),
            parse_request_submission(submission.form),
        ),
    )
    if parsed is None:
        return
    meta, form = parsed
    if is_triage(deps.settings, form.topic):  # not a mentoring topic: nothing is saved
        ack(
            response_action="update",
            view=build_support_view(build_triage(deps.settings.support_url)),
        )
        return
    submitted(
        context,
        ack,
        body,
        lambda key: flow.send_request(deps, user, meta.mentor_slack_id, form, claim=key),
        fields=REQUEST_FIELDS,
        fallback=BlockId.REQUEST_QUESTIONS,
        refused="Request not sent",
    )


# --- the mentor answers ----------------------------------------------------------------


def handle_accept(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Accept: open the pair's group DM and post the agenda there."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)
    clicked(
        context,
        body,
        respond,
        lambda: flow.accept(deps, require_id(click.value), click.user_id),
    )


def handle_ask_more_info(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the modal where the mentor writes their question."""
    ack()
    open_checked_modal(
        context,
        client,
        body,
        respond,
        lambda s, cid, user: svc.check_mentor_can_answer(s, cid, user, info=True),
        lambda cid, request: build_info_question_modal(cid, request.mentee_slack_id),
    )


def handle_info_question(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The mentor's question goes to the mentee, with a button to answer."""
    field = (BlockId.INFO_QUESTION, INFO_QUESTION_MAX)
    text_submitted(ack, body, context, field, flow.ask_for_info, fields=REQUEST_FIELDS)


def handle_answer_info(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the modal where the mentee answers the mentor's question."""
    ack()
    open_checked_modal(
        context,
        client,
        body,
        respond,
        svc.check_mentee_can_answer_info,
        lambda cid, request: build_info_answer_modal(
            cid, request.mentor_slack_id, request.info_question or ""
        ),
    )


def handle_info_answer(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The answer is added to the request, which goes back to the mentor."""
    field = (BlockId.INFO_ANSWER, INFO_ANSWER_MAX)
    text_submitted(ack, body, context, field, flow.answer_info, fields=REQUEST_FIELDS)


def handle_pass(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the modal where the mentor picks one of the colleagues eligible to take it."""
    deps = deps_of(context)
    ack()
    open_checked_modal(
        context,
        client,
        body,
        respond,
        lambda s, cid, user: svc.pass_choices(
            s, cid, user, now=deps.clock(), max_level_gap=deps.settings.max_level_gap
        ),
        lambda cid, choices: build_pass_modal(cid, choices.mentors),
    )


def handle_pass_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Hand the request to the colleague; tell the mentee."""
    deps = deps_of(context)
    submission = parse_submission(body)

    def read_pass() -> tuple[int, str]:
        cid = _conversation_of(submission)
        # The modal offers a select of eligible mentors; a user picker's answer is read too.
        to = submission.form.option(BlockId.PASS_TO) or submission.form.user(BlockId.PASS_TO)
        to = slack_user(to) or ""
        if not to:
            submission.form.errors.setdefault(BlockId.PASS_TO, "Pick a mentor from the list.")
        submission.form.check()
        return cid, to

    parsed = _parsed(ack, read_pass)
    if parsed is None:
        return
    cid, to = parsed
    submitted(
        context,
        ack,
        body,
        lambda key: flow.pass_on(deps, cid, submission.user_id, to, claim=key),
        fields=REQUEST_FIELDS,
        fallback=BlockId.PASS_TO,
    )


def handle_decline(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the modal asking (optionally) for a short reason."""
    ack()
    open_checked_modal(
        context,
        client,
        body,
        respond,
        svc.check_mentor_can_answer,
        lambda cid, _request: build_decline_modal(cid),
    )


def handle_decline_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Decline: tell the mentee, with the next best mentors a click away."""
    field = (BlockId.DECLINE_REASON, DECLINE_REASON_MAX)
    text_submitted(ack, body, context, field, flow.decline)


def _withdraw(
    context: BoltContext,
    client: WebClient,
    body: dict[str, Any],
    respond: Respond,
    raw_id: str,
    *,
    ask_next: bool,
) -> None:
    """Withdraw the request; with ``ask_next``, open the request modal for the best next
    mentor (the mentee's DM lists the others). A stale or foreign click is told kindly."""
    deps = deps_of(context)
    click = parse_click(body)

    def run() -> None:
        cid = require_id(raw_id)
        done = flow.withdraw(deps, cid, click.user_id, ask_next=ask_next)
        deliver(context, done)
        best = done.value.suggestions[:1]
        if ask_next and best and click.trigger_id:
            topic = short_text(done.value.request.topic, TOPIC_MAX)
            open_request_modal(
                client,
                deps,
                trigger_id=click.trigger_id,
                mentee_slack_id=click.user_id,
                mentor_slack_id=best[0].slack_id,
                topic=None if done.value.general else topic,
            )

    guarded(context, body, respond, run)


def handle_withdraw(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """ "Withdraw" on the mentee's confirmation: the request is taken back."""
    ack()
    _withdraw(context, client, body, respond, parse_click(body).value, ask_next=False)


def handle_withdraw_ask_next(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """ "Withdraw and ask someone else": taken back, and the next best mentor is a step away."""
    ack()
    _withdraw(context, client, body, respond, parse_click(body).value, ask_next=True)


def handle_withdraw_menu(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """The withdraw menu on a request's line (Home, `/mentor progress`)."""
    ack()
    raw_id, ask_next = parse_withdraw_option(parse_click(body).selected)
    _withdraw(context, client, body, respond, raw_id, ask_next=ask_next)


def register(app: App) -> None:
    """Actions and views of asking and answering a request."""
    app.action(ActionId.REQUEST_CONVERSATION)(once(handle_request_conversation))
    app.view(CallbackId.REQUEST_MODAL)(handle_request_submission)
    app.action(ActionId.ACCEPT_REQUEST)(once(handle_accept))
    app.action(ActionId.ASK_MORE_INFO)(once(handle_ask_more_info))
    app.view(CallbackId.INFO_QUESTION_MODAL)(handle_info_question)
    app.action(ActionId.ANSWER_INFO)(once(handle_answer_info))
    app.view(CallbackId.INFO_ANSWER_MODAL)(handle_info_answer)
    app.action(ActionId.PASS_REQUEST)(once(handle_pass))
    app.view(CallbackId.PASS_MODAL)(handle_pass_submission)
    app.action(ActionId.DECLINE_REQUEST)(once(handle_decline))
    app.view(CallbackId.DECLINE_MODAL)(handle_decline_submission)
    app.action(ActionId.WITHDRAW_REQUEST)(once(handle_withdraw))
    app.action(ActionId.WITHDRAW_ASK_NEXT)(once(handle_withdraw_ask_next))
    app.action(ActionId.WITHDRAW_MENU)(once(handle_withdraw_menu))
