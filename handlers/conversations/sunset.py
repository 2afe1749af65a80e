"""The end: closing early, the sunset's private questions and the pair on call."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import conversations as svc
from bot.blocks.conversations import (
    CLOSE_NOTE_MAX,
    FOLLOWUP_FIELDS,
    build_close_modal,
    build_closed_early_note,
    build_on_call,
    build_sunset_modal,
    build_sunset_prompt,
    parse_sunset_submission,
)
from bot.blocks.help import build_notice
from bot.blocks.payload import (
    parse_submission,
)
from bot.ids import ActionId, BlockId, CallbackId
from handlers.command_context import deps_of
from handlers.conversations.common import (
    _conversation_of,
    _parsed,
    _post,
    _refresh,
    _text_of,
    open_checked_modal,
    submitted,
)
from handlers.dm import send_dm

# --- what happens after a state change (shared by clicks and the expiry job) ----------------


def announce_sunset(client: WebClient, closed: svc.Closed) -> None:
    """Ask both, privately, whether to keep the door open and how useful it was."""
    for me, other in (
        (closed.mentee_slack_id, closed.mentor_slack_id),
        (closed.mentor_slack_id, closed.mentee_slack_id),
    ):
        send_dm(client, me, build_sunset_prompt(closed.conversation_id, other, closed.topic))


# --- the end -------------------------------------------------------------------------------


def handle_close_early(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the close-early modal (either of the pair)."""
    deps = deps_of(context)
    ack()
    open_checked_modal(client, deps, body, respond, svc.check_can_close, build_close_modal)


def handle_close_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Close now: a kind note to the other, and the private end-of-relationship questions."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    read = _parsed(ack, lambda: _text_of(submission, BlockId.CLOSE_NOTE, CLOSE_NOTE_MAX))
    if read is None:
        return
    cid, note = read
    closed = submitted(
        deps, ack, body, lambda s: svc.close_early(s, cid, user, note, now=deps.clock())
    )
    if closed is None:
        return
    other = closed.mentor_slack_id if user == closed.mentee_slack_id else closed.mentee_slack_id
    send_dm(client, other, build_closed_early_note(closed, for_slack_id=other))
    _post(
        client,
        closed.group_channel_id,
        build_notice(f"<@{user}> closed this mentoring conversation. Thank you both."),
    )
    announce_sunset(client, closed)
    _refresh(client, deps, [closed.mentee_slack_id, closed.mentor_slack_id])


def handle_open_sunset(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the private keep-the-door-open and rating modal."""
    deps = deps_of(context)
    ack()
    open_checked_modal(client, deps, body, respond, svc.check_can_rate, build_sunset_modal)


def handle_sunset_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Store the private answer; when both keep the door open, tell both they're on call."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    read = _parsed(
        ack,
        lambda: (_conversation_of(submission), parse_sunset_submission(submission.form)),
    )
    if read is None:
        return
    cid, answer = read
    saved = submitted(
        deps,
        ack,
        body,
        lambda s: svc.record_rating(
            s,
            cid,
            user,
            keep_open=answer.keep_open,
            usefulness=answer.usefulness,
            comment=answer.comment,
            now=deps.clock(),
        ),
        fields=FOLLOWUP_FIELDS,
        fallback=BlockId.USEFULNESS,
    )
    if saved is None:
        return
    send_dm(client, user, build_notice("Thank you: your answers stay private."))
    if saved.on_call:
        send_dm(client, saved.mentee_slack_id, build_on_call(saved.mentor_slack_id))
        send_dm(client, saved.mentor_slack_id, build_on_call(saved.mentee_slack_id))
    _refresh(client, deps, [saved.mentee_slack_id, saved.mentor_slack_id])


def register(app: App) -> None:
    """Actions and views of the end of a conversation."""
    app.action(ActionId.CLOSE_EARLY)(handle_close_early)
    app.view(CallbackId.CLOSE_EARLY_MODAL)(handle_close_submission)
    app.action(ActionId.OPEN_SUNSET)(handle_open_sunset)
    app.view(CallbackId.SUNSET_MODAL)(handle_sunset_submission)
