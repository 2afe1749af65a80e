"""`/mentor team` and its buttons and modals: the manager's check-in, the pulse reports answer.

Every listener names only who acted: the team is always the clicker's own, and a pulse
answer is taken only from someone the pulse was sent to (``bot.team`` checks both).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import replays
from bot.blocks.payload import STALE_FORM, Refused, ident, parse_click, parse_submission, require_id
from bot.blocks.requests import build_problem_view
from bot.blocks.team import (
    build_answer_saved,
    build_checkin_modal,
    build_checkin_saved,
    build_pulse_modal,
    build_pulse_sent,
    build_reminder_changed,
    build_team,
    parse_checkin_submission,
    parse_pulse_submission,
)
from bot.errors import MentorbotError
from bot.flows import team as flow
from bot.flows.notices import cause_of
from bot.ids import ActionId, CallbackId
from bot.team import ReminderMode
from handlers.command_context import CommandContext, deps_of, once
from handlers.conversations.common import guarded
from handlers.deliver import deliver
from handlers.dm import tell_clicker

logger = logging.getLogger(__name__)

NOTHING_CHANGED = "Nothing changed"


def team(ctx: CommandContext) -> None:
    """`/mentor team`: the check-in script, the team in counts, the pulse and the buttons
    (anyone without reports is told kindly what it is for)."""
    ctx.reply(build_team(flow.view(ctx.deps, ctx.user_id)))


# --- the manager's buttons ----------------------------------------------------------------


def handle_send_pulse(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """ "Send the pre-check-in pulse": a DM to each of the clicker's own reports."""
    ack()
    deps = deps_of(context)

    def send() -> None:
        done = flow.send_pulse(deps, parse_click(body).user_id)
        sent = build_pulse_sent(done.value, min_group=deps.settings.min_group)
        tell_clicker(context, body, respond, sent)
        deliver(context, done)

    guarded(context, body, respond, send)


def handle_record_checkin(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """ "Record notes from our check-in": the notes modal, for a manager."""
    ack()
    click = parse_click(body)

    def open_modal() -> None:
        today = flow.checkin_today(deps_of(context), click.user_id)
        client.views_open(trigger_id=click.trigger_id, view=build_checkin_modal(today))

    guarded(context, body, respond, open_modal)


def _set_reminder(mode: str, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    deps = deps_of(context)
    event = cause_of(context.get("delivery_key"))

    def change() -> None:
        done = flow.set_reminder(deps, parse_click(body).user_id, mode, event=event)
        status, zone = done.value
        payload = build_reminder_changed(status, days=deps.settings.checkin_days, tz=zone)
        tell_clicker(context, body, respond, payload)
        deliver(context, done)

    guarded(context, body, respond, change)


def handle_remind_monthly(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """ "Remind me monthly": the reminder on again."""
    ack()
    _set_reminder(ReminderMode.MONTHLY, body, respond, context)


def handle_stop_reminding(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """ "Stop reminding me": no more check-in reminders."""
    ack()
    _set_reminder(ReminderMode.STOP, body, respond, context)


def handle_snooze_reminder(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """ "Snooze a month", in the reminder."""
    ack()
    _set_reminder(ReminderMode.SNOOZE, body, respond, context)


def handle_checkin_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The notes modal: field errors back onto it; saved, it says what happened."""
    deps = deps_of(context)
    submission = parse_submission(body)
    try:
        today = flow.checkin_today(deps, submission.user_id)
        form = parse_checkin_submission(submission.form, today=today)
    except Refused as exc:
        if exc.errors:
            ack(response_action="errors", errors=exc.errors)
        else:
            ack(response_action="update", view=build_problem_view(NOTHING_CHANGED, str(exc)))
        return
    except MentorbotError as exc:  # not a manager (any more), or busy
        ack(response_action="update", view=build_problem_view(NOTHING_CHANGED, str(exc)))
        return
    try:
        done = flow.record_checkin(
            deps, submission.user_id, form, claim=replays.submission_key(body)
        )
    except replays.AlreadyHandled:
        logger.info("Skipped a repeated check-in submission")
        ack()
        return
    except MentorbotError as exc:
        ack(response_action="update", view=build_problem_view(NOTHING_CHANGED, str(exc)))
        return
    ack(response_action="update", view=build_checkin_saved(done.value))
    deliver(context, done)


# --- a report's pulse --------------------------------------------------------------------------


def handle_pulse_answer(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """ "Answer anonymously": the pulse's questions, with the person's answer so far."""
    ack()
    click = parse_click(body)

    def open_modal() -> None:
        pulse_id = require_id(click.value)
        invitation = flow.pulse_invitation(deps_of(context), pulse_id, click.user_id)
        client.views_open(trigger_id=click.trigger_id, view=build_pulse_modal(invitation))

    guarded(context, body, respond, open_modal)


def handle_pulse_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A pulse answer: saved (or changed) while the pulse is open, for whom it was sent to."""
    submission = parse_submission(body)
    pulse_id = ident(submission.metadata)
    if pulse_id is None:
        ack(response_action="update", view=build_problem_view(NOTHING_CHANGED, STALE_FORM))
        return
    try:
        form = parse_pulse_submission(submission.form)
    except Refused as exc:
        if exc.errors:
            ack(response_action="errors", errors=exc.errors)
        else:
            ack(response_action="update", view=build_problem_view(NOTHING_CHANGED, str(exc)))
        return
    try:
        done = flow.answer_pulse(
            deps_of(context),
            pulse_id,
            submission.user_id,
            form,
            claim=replays.submission_key(body),
        )
    except replays.AlreadyHandled:
        ack()
        return
    except MentorbotError as exc:
        ack(response_action="update", view=build_problem_view(NOTHING_CHANGED, str(exc)))
        return
    ack(response_action="update", view=build_answer_saved(done.value))


def register(app: App) -> None:
    """The manager's check-in and the pulse."""
    app.action(ActionId.TEAM_SEND_PULSE)(once(handle_send_pulse))
    app.action(ActionId.TEAM_RECORD_CHECKIN)(once(handle_record_checkin))
    app.action(ActionId.TEAM_REMIND_MONTHLY)(once(handle_remind_monthly))
    app.action(ActionId.TEAM_STOP_REMINDING)(once(handle_stop_reminding))
    app.action(ActionId.TEAM_SNOOZE_REMINDER)(once(handle_snooze_reminder))
    app.view(CallbackId.TEAM_CHECKIN_MODAL)(handle_checkin_submitted)
    app.action(ActionId.PULSE_ANSWER)(once(handle_pulse_answer))
    app.view(CallbackId.PULSE_ANSWER_MODAL)(handle_pulse_submitted)
