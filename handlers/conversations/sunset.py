"""The end: wrapping up, the private questions at the end, and the pair on call."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import conversations as svc
from bot.blocks.conversations import (
    CLOSE_NOTE_MAX,
    FOLLOWUP_FIELDS,
    build_sunset_modal,
    build_wrap_up_modal,
    parse_sunset_submission,
)
from bot.blocks.payload import parse_submission
from bot.flows import sunset as flow
from bot.ids import ActionId, BlockId, CallbackId
from handlers.command_context import deps_of, once
from handlers.conversations.common import (
    _conversation_of,
    _parsed,
    open_checked_modal,
    submitted,
    text_submitted,
)


def handle_wrap_up(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the wrap-up modal (either of the pair; "Close early" buttons in history too)."""
    ack()
    open_checked_modal(context, client, body, respond, svc.check_can_wrap_up, build_wrap_up_modal)


def handle_wrap_up_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Wrap up now: the card says so, and each of the pair gets one message."""
    field = (BlockId.CLOSE_NOTE, CLOSE_NOTE_MAX)
    text_submitted(ack, body, context, field, flow.wrap_up)


def handle_open_sunset(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the private keep-the-door-open and rating modal."""
    ack()
    open_checked_modal(context, client, body, respond, svc.check_can_rate, build_sunset_modal)


def handle_sunset_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Store the private answer; when both keep the door open, tell both they're on call."""
    deps = deps_of(context)
    submission = parse_submission(body)
    parsed = _parsed(
        ack,
        lambda: (_conversation_of(submission), parse_sunset_submission(submission.form)),
    )
    if parsed is None:
        return
    cid, answer = parsed
    submitted(
        context,
        ack,
        body,
        lambda key: flow.rate(
            deps,
            cid,
            submission.user_id,
            keep_open=answer.keep_open,
            usefulness=answer.usefulness,
            comment=answer.comment,
            claim=key,
        ),
        fields=FOLLOWUP_FIELDS,
        fallback=BlockId.USEFULNESS,
    )


def register(app: App) -> None:
    """Actions and views of the end of a conversation."""
    app.action(ActionId.WRAP_UP)(once(handle_wrap_up))
    app.view(CallbackId.WRAP_UP_MODAL)(handle_wrap_up_submission)
    # The old names, still in people's Slack history (and open modals): the same listeners.
    app.action(ActionId.CLOSE_EARLY)(once(handle_wrap_up))
    app.view(CallbackId.CLOSE_EARLY_MODAL)(handle_wrap_up_submission)
    app.action(ActionId.OPEN_SUNSET)(once(handle_open_sunset))
    app.view(CallbackId.SUNSET_MODAL)(handle_sunset_submission)
