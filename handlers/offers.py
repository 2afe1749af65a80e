"""`/mentor offer | pause | resume` and the offer buttons and modal: offering to mentor."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replays
from bot.blocks.help import MODAL_EXPIRED, build_notice
from bot.blocks.offer import (
    build_offer_modal,
    build_pause_changed,
    field_errors,
    parse_offer_submission,
)
from bot.blocks.payload import (
    STALE_BUTTON,
    Refused,
    choice,
    parse_click,
    parse_submission,
)
from bot.context import Deps
from bot.errors import MentorbotError
from bot.flows import offers as flow
from bot.flows.notices import cause_of
from bot.ids import ActionId, CallbackId
from bot.matching import directory_person
from bot.offers import form_data, offer_problems, parse_pause_date
from bot.usecase import read
from handlers.command_context import CommandContext, deps_of, expired_trigger, once
from handlers.deliver import deliver
from handlers.dm import tell_by_dm

logger = logging.getLogger(__name__)


def _open_offer_modal(
    client: WebClient, deps: Deps, user_id: str, trigger_id: str, typed: str = ""
) -> None:
    data = read(
        deps.open_session,
        lambda session: form_data(
            session, directory_person(session, user_id), now=deps.clock(), typed=typed
        ),
    )
    client.views_open(trigger_id=trigger_id, view=build_offer_modal(data))


def offer(ctx: CommandContext) -> None:
    """`/mentor offer [topics]`: open the offer modal (pre-filled when editing, and with
    the topics typed)."""
    _open_offer_modal(ctx.client, ctx.deps, ctx.user_id, ctx.trigger_id, ctx.args)


def pause(ctx: CommandContext) -> None:
    """`/mentor pause [date]`: stop receiving requests until the date or until resumed."""
    until = parse_pause_date(ctx.args, today=ctx.deps.clock().date())
    done = flow.pause(ctx.deps, ctx.user_id, until)
    ctx.reply(build_pause_changed(done.value))
    deliver(ctx.context, done)


def resume(ctx: CommandContext) -> None:
    """`/mentor resume`: receive requests again."""
    done = flow.resume(ctx.deps, ctx.user_id)
    ctx.reply(build_pause_changed(done.value.summary, was_paused=done.value.changed))
    deliver(ctx.context, done)


def _from_view(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view"


def handle_offer_edit(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Edit/Offer button (Home tab or a message): open the offer modal."""
    ack()
    click = parse_click(body)
    user_id = click.user_id
    try:
        _open_offer_modal(client, deps_of(context), user_id, click.trigger_id)
    except MentorbotError as exc:
        tell_by_dm(context, user_id, build_notice(str(exc)))
    except SlackApiError as exc:
        logger.exception("Failed to open the offer modal")
        if expired_trigger(exc):
            tell_by_dm(context, user_id, build_notice(MODAL_EXPIRED))


def handle_toggle_pause(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """Pause/Resume button: reach the state it asks for, then refresh the Home tab."""
    ack()
    click = parse_click(body)
    user_id = click.user_id
    wanted_pause = click.value != "resume"
    from_view = _from_view(body)
    try:
        if choice(click.value, ("pause", "resume")) is None:
            raise Refused(STALE_BUTTON)
        done = flow.toggle_pause(
            deps_of(context),
            user_id,
            wanted_pause,
            event=cause_of(context.get("delivery_key")),
            answer_by_dm=from_view,
        )
    except MentorbotError as exc:
        # Nothing changed; the Home is refreshed all the same (a stale button shows what
        # is true now), and the Home tab has no thread to answer in: it is said by DM.
        notice = build_notice(str(exc))
        if from_view:
            tell_by_dm(context, user_id, notice, refresh_home=True)
        else:
            respond(response_type="ephemeral", replace_original=False, **notice)
            tell_by_dm(context, user_id, None, refresh_home=True)
        return
    if not from_view:
        changed = done.value.changed
        payload = build_pause_changed(
            done.value.summary, was_paused=None if changed else wanted_pause
        )
        respond(response_type="ephemeral", replace_original=False, **payload)
    deliver(context, done)


def handle_offer_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The offer modal: field errors back to the modal, else save and confirm by DM."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user_id = submission.user_id
    form, errors = parse_offer_submission(submission.form)
    if not errors:
        today = deps.clock().date()
        problems = read(
            deps.open_session, lambda session: offer_problems(session, form, today=today)
        )
        errors = field_errors(problems)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    key = replays.submission_key(body)
    cause = f"offer:{cause_of(key)}"
    try:
        done = flow.save(deps, user_id, form, claim=key, event=cause)
    except replays.AlreadyHandled:  # a replay of a saved offer: confirmed already
        logger.info("Skipped a repeated offer submission")
        return
    except MentorbotError as exc:  # OfferInvalid: validated above, kept for a race
        tell_by_dm(context, user_id, build_notice(str(exc)), refresh_home=True, cause=cause)
        return
    deliver(context, done)


def register(app: App) -> None:
    """Actions and views of mentor offers."""
    app.action(ActionId.OFFER_EDIT)(once(handle_offer_edit))
    app.action(ActionId.OFFER_TOGGLE_PAUSE)(once(handle_toggle_pause))
    app.view(CallbackId.OFFER_MODAL)(handle_offer_submitted)
