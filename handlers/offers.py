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
    build_offer_saved,
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
from bot.ids import ActionId, CallbackId
from bot.matching import directory_person
from bot.offers import (
    OfferInvalid,
    form_data,
    offer_problems,
    offer_summary,
    parse_pause_date,
    save_offer,
    set_paused,
)
from bot.offers import pause as pause_offer
from bot.offers import (
    resume as resume_offer,
)
from handlers.command_context import CommandContext, deps_of, expired_trigger
from handlers.dm import send_dm
from handlers.home import refresh_home
from storage.db import unit_of_work

logger = logging.getLogger(__name__)


def _open_offer_modal(client: WebClient, deps: Deps, user_id: str, trigger_id: str) -> None:
    with unit_of_work(deps.open_session) as session:
        person = directory_person(session, user_id)
        data = form_data(session, person, now=deps.clock())
    client.views_open(trigger_id=trigger_id, view=build_offer_modal(data))


def offer(ctx: CommandContext) -> None:
    """`/mentor offer`: open the offer modal (pre-filled when editing)."""
    _open_offer_modal(ctx.client, ctx.deps, ctx.user_id, ctx.trigger_id)


def pause(ctx: CommandContext) -> None:
    """`/mentor pause [date]`: stop receiving requests until the date or until resumed."""
    now = ctx.deps.clock()
    until = parse_pause_date(ctx.args, today=now.date())
    with unit_of_work(ctx.deps.open_session) as session:
        person = directory_person(session, ctx.user_id)
        summary = pause_offer(session, person, until, now=now)
    ctx.reply(build_pause_changed(summary))
    refresh_home(ctx.client, ctx.deps, ctx.user_id)


def resume(ctx: CommandContext) -> None:
    """`/mentor resume`: receive requests again."""
    with unit_of_work(ctx.deps.open_session) as session:
        person = directory_person(session, ctx.user_id)
        summary, was_paused = resume_offer(session, person, now=ctx.deps.clock())
    ctx.reply(build_pause_changed(summary, was_paused=was_paused))
    refresh_home(ctx.client, ctx.deps, ctx.user_id)


def _from_view(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view"


def handle_offer_edit(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Edit/Offer button (Home tab or a message): open the offer modal."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)
    user_id = click.user_id
    try:
        _open_offer_modal(client, deps, user_id, click.trigger_id)
    except MentorbotError as exc:
        send_dm(client, user_id, build_notice(str(exc)))
    except SlackApiError as exc:
        logger.exception("Failed to open the offer modal")
        if expired_trigger(exc):
            send_dm(client, user_id, build_notice(MODAL_EXPIRED))


def handle_toggle_pause(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Pause/Resume button: reach the state it asks for, then refresh the Home tab."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)
    user_id = click.user_id
    wanted_pause = click.value != "resume"
    changed = False
    try:
        if choice(click.value, ("pause", "resume")) is None:
            raise Refused(STALE_BUTTON)
        with unit_of_work(deps.open_session) as session:
            summary, changed = set_paused(
                session, directory_person(session, user_id), wanted_pause, now=deps.clock()
            )
        payload = build_pause_changed(summary, was_paused=None if changed else wanted_pause)
    except MentorbotError as exc:
        payload = build_notice(str(exc))
    if _from_view(body):
        if not changed:  # the Home tab has no thread to answer in: say it by DM
            send_dm(client, user_id, payload)
    else:
        respond(response_type="ephemeral", replace_original=False, **payload)
    refresh_home(client, deps, user_id)


def handle_offer_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The offer modal: field errors back to the modal, else save and confirm by DM."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user_id = submission.user_id
    form, errors = parse_offer_submission(submission.form)
    now = deps.clock()
    if not errors:
        with unit_of_work(deps.open_session) as session:
            problems = offer_problems(session, form, today=now.date())
        errors = field_errors(problems)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        with unit_of_work(deps.open_session) as session:
            replays.claim(session, replays.submission_key(body), now=now)
            person = directory_person(session, user_id)
            created = offer_summary(session, person, now=now) is None
            summary = save_offer(session, person, form, now=now)
        payload = build_offer_saved(summary, created=created)
    except replays.AlreadyHandled:  # a replay of a saved offer: confirmed already
        logger.info("Skipped a repeated offer submission")
        return
    except OfferInvalid as exc:  # validated above; kept for a race with another edit
        payload = build_notice(str(exc))
    except MentorbotError as exc:
        payload = build_notice(str(exc))
    send_dm(client, user_id, payload)
    refresh_home(client, deps, user_id)


def register(app: App) -> None:
    """Actions and views of mentor offers."""
    app.action(ActionId.OFFER_EDIT)(handle_offer_edit)
    app.action(ActionId.OFFER_TOGGLE_PAUSE)(handle_toggle_pause)
    app.view(CallbackId.OFFER_MODAL)(handle_offer_submitted)
