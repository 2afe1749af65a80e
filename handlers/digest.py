"""`/mentor digest` and `/mentor advice`, and the buttons around the digest: Export CSV, a
danger sign's nudge, "Mark as handled" on advice, "Yes, celebrate me".

Every coordinator action checks the role on the server (``bot.flows.digest``), whatever
the button showed. The export is a file in the coordinator's DM, uploaded through
``files.getUploadURLExternal`` / ``files.completeUploadExternal``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replays
from bot.blocks.common import mention
from bot.blocks.digest import ADVICE_MAX, build_advice_modal, build_digest, has_native
from bot.blocks.digest_export import csv_filename, digest_csv
from bot.blocks.help import build_notice
from bot.blocks.payload import STALE_BUTTON, ident, parse_click, parse_submission
from bot.blocks.requests import build_problem_view
from bot.digest import DangerKind
from bot.errors import MentorbotError, told
from bot.flows import digest as flow
from bot.ids import ActionId, BlockId, CallbackId, parse_danger_sign_value
from handlers.command_context import CommandContext, deps_of, once
from handlers.deliver import deliver, send_file
from handlers.dm import tell_clicker

logger = logging.getLogger(__name__)

ADVICE_EMPTY = "Write a few words about the situation."
NUDGED = {
    "sent": ":seedling: A kind note is on its way to {who}.",
    "already": "{who} already got this note this week, so nothing more was sent.",
    "resolved": "That sign has gone away since the digest, so nothing was sent to {who}.",
    "muted": "{who} has muted notes from the programme (or left it), so nothing was sent.",
}
EXPORT_COMMENT = "The digest export: weekly figures and every danger sign (counts and names only)."
EXPORT_SENT = ":page_facing_up: The {week} export is in your DM with me."
EXPORT_FAILED = "Slack didn't take the file just now, so the export wasn't sent. Please try again."
PREVIEW_NOTE = (
    "Preview: only you see this. The weekly digest goes to {channel} every {day} at "
    "{hour:02d}:00 ({zone})."
)


# --- /mentor digest and the Export button ----------------------------------------------------


def _preview_note(ctx: CommandContext) -> str:
    settings = ctx.deps.settings
    channel = f"<#{settings.digest_channel}>" if settings.digest_channel else "no channel yet"
    return PREVIEW_NOTE.format(
        channel=channel,
        day=settings.digest_weekday.capitalize(),
        hour=settings.digest_hour,
        zone=settings.digest_tz,
    )


def digest(ctx: CommandContext) -> None:
    """`/mentor digest`: a coordinator's preview of this week so far (others: why not)."""
    preview = flow.preview(ctx.deps, ctx.user_id)
    payload = build_digest(preview, note=_preview_note(ctx))
    answer = ctx.respond(response_type="ephemeral", replace_original=False, **payload)
    status, body = getattr(answer, "status_code", 200), str(getattr(answer, "body", ""))
    if has_native(payload) and (status != 200 or "invalid_blocks" in body):
        logger.info("The preview's chart or table was refused; answering without them")
        ctx.reply(build_digest(preview, native=False, note=_preview_note(ctx)))


def handle_export(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Export CSV: the week's figures and every danger sign, as a file in the clicker's DM."""
    ack()
    click = parse_click(body)
    deps = deps_of(context)
    try:
        exported = flow.export(deps, click.user_id, click.value)
    except MentorbotError as exc:
        tell_clicker(context, body, respond, build_notice(told(exc, deps.settings.coordinators)))
        return
    try:
        send_file(
            client,
            click.user_id,
            filename=csv_filename(exported),
            content=digest_csv(exported),
            title=f"Mentoring digest {exported.period.label}",
            comment=EXPORT_COMMENT,
        )
    except SlackApiError as exc:
        logger.warning("The digest export upload failed: %s", exc.response.get("error"))
        tell_clicker(context, body, respond, build_notice(EXPORT_FAILED))
        return
    tell_clicker(
        context, body, respond, build_notice(EXPORT_SENT.format(week=exported.period.label))
    )


# --- a danger sign's nudge -------------------------------------------------------------------


def handle_nudge(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """ "Send a kind nudge" on a danger sign: the pre-written note, once a week per sign."""
    ack()
    click = parse_click(body)
    kind_value, raw_id = parse_danger_sign_value(click.value)
    object_id = ident(raw_id)
    deps = deps_of(context)

    def run() -> str:
        flow.require_coordinator(deps, click.user_id)
        if object_id is None or kind_value not in tuple(DangerKind):
            return STALE_BUTTON
        done = flow.nudge(deps, click.user_id, DangerKind(kind_value), object_id)
        deliver(context, done)
        return NUDGED[done.value.outcome].format(who=mention(done.value.slack_id))

    _answer(context, body, respond, run)


def _answer(
    context: BoltContext, body: dict[str, Any], respond: Respond, work: Callable[[], str]
) -> None:
    """Run a click's work and tell the clicker what came of it (or why nothing did)."""
    try:
        said = work()
    except MentorbotError as exc:
        said = told(exc, deps_of(context).settings.coordinators)
    tell_clicker(context, body, respond, build_notice(said))


# --- advice ----------------------------------------------------------------------------------


def advice(ctx: CommandContext) -> None:
    """`/mentor advice`: the modal whose words go to the coordinators only."""
    flow.check_can_ask_advice(ctx.deps, ctx.user_id)
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=build_advice_modal())


def handle_advice_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The advice modal: the text to each coordinator by DM, a count for the digest."""
    submission = parse_submission(body)
    text = submission.form.text(BlockId.ADVICE_TEXT, max_length=ADVICE_MAX)
    if not text and not submission.form.errors:
        submission.form.errors[BlockId.ADVICE_TEXT] = ADVICE_EMPTY
    if submission.form.errors:
        ack(response_action="errors", errors=submission.form.errors)
        return
    deps = deps_of(context)
    try:
        done = flow.ask_advice(deps, submission.user_id, text, claim=replays.submission_key(body))
    except replays.AlreadyHandled:
        ack()
        return
    except MentorbotError as exc:
        view = build_problem_view("Nothing was sent", told(exc, deps.settings.coordinators))
        ack(response_action="update", view=view)
        return
    ack()
    deliver(context, done)


def handle_advice_handled(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """ "Mark as handled" on an advice request a coordinator received."""
    ack()
    click = parse_click(body)
    deps = deps_of(context)
    advice_id = ident(click.value)

    def run() -> str:
        flow.require_coordinator(deps, click.user_id)
        if advice_id is None:
            return STALE_BUTTON
        closed = flow.advice_handled(deps, click.user_id, advice_id).value
        return "Marked as handled. Thank you!" if closed else "Already marked as handled."

    _answer(context, body, respond, run)


# --- celebrations ----------------------------------------------------------------------------


def handle_celebrate(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """ "Yes, celebrate me": the person's own yes to being named in the digest."""
    ack()
    click = parse_click(body)
    deps = deps_of(context)

    def run() -> str:
        flow.celebrate(deps, click.user_id, click.value[:100])
        return (
            ":tada: Thank you! The coordinators will celebrate you by name in their next "
            "weekly digest."
        )

    _answer(context, body, respond, run)


def register(app: App) -> None:
    """The digest's buttons and the advice modal (their commands route in handlers.commands)."""
    app.action(ActionId.DIGEST_EXPORT)(once(handle_export))
    app.action(ActionId.DIGEST_NUDGE)(once(handle_nudge))
    app.action(ActionId.ADVICE_HANDLED)(once(handle_advice_handled))
    app.action(ActionId.CELEBRATE_ME)(once(handle_celebrate))
    app.view(CallbackId.ADVICE_MODAL)(handle_advice_submitted)
