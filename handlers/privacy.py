"""`/mentor export` and `/mentor forget-me`: a person's own data, to take or to delete."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError

from bot import replays
from bot.blocks.payload import parse_submission
from bot.blocks.privacy import (
    EXPORT_COMMENT,
    EXPORT_FAILED,
    EXPORT_NOTHING,
    EXPORT_SENT,
    build_forget_modal,
    build_forgotten_view,
    parse_forget_submission,
)
from bot.flows import privacy as flow
from bot.ids import CallbackId
from handlers.command_context import CommandContext, deps_of
from handlers.deliver import send_file

logger = logging.getLogger(__name__)


def export(ctx: CommandContext) -> None:
    """`/mentor export`: everything stored about the caller, as a JSON file in their DM."""
    exported = flow.export(ctx.deps, ctx.user_id)
    if exported is None:
        ctx.notice(EXPORT_NOTHING)
        return
    try:
        send_file(
            ctx.client,
            ctx.user_id,
            filename=exported.filename,
            content=exported.content,
            title="Your mentorbot data",
            comment=EXPORT_COMMENT,
        )
    except SlackApiError as exc:
        logger.warning("The personal data export upload failed: %s", exc.response.get("error"))
        ctx.notice(EXPORT_FAILED)
        return
    ctx.notice(EXPORT_SENT.format(rows=exported.rows))


def forget_me(ctx: CommandContext) -> None:
    """`/mentor forget-me`: the confirmation, saying exactly what goes and what stays."""
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=build_forget_modal())


def handle_forget_confirmed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Forget the person who confirmed (never anyone else: the submitter is the subject)."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    errors = parse_forget_submission(submission.form)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        done = flow.forget(deps, user, claim=replays.submission_key(body))
    except replays.AlreadyHandled:  # a replay of a confirmed forget-me: already done
        ack(response_action="update", view=build_forgotten_view(True))
        return
    ack(response_action="update", view=build_forgotten_view(done.value))
    if done.value:
        flow.compact_storage(deps)


def register(app: App) -> None:
    app.view(CallbackId.FORGET_ME_MODAL)(handle_forget_confirmed)
