"""The App Home tab: published on `app_home_opened` and after anything it shows changes."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replays
from bot.blocks.help import MODAL_EXPIRED, build_notice
from bot.blocks.home import (
    FIND_TOPIC_MAX,
    LEARNING_MAX,
    build_find_modal,
    build_find_results_view,
    build_learning_modal,
)
from bot.blocks.payload import STALE_BUTTON, choice, parse_click, parse_submission
from bot.connections import TRANSITION_LABELS
from bot.errors import MentorbotError
from bot.flows import home as flow
from bot.flows.notices import cause_of
from bot.ids import ActionId, BlockId, CallbackId
from handlers.command_context import deps_of, expired_trigger, once
from handlers.deliver import deliver
from handlers.dm import tell_by_dm
from handlers.zones import ensure_zone

logger = logging.getLogger(__name__)

TOPIC_MISSING = "Tell me in a few words what you'd like help with."


def handle_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Publish the Home tab when someone opens it (once per event)."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    ensure_zone(deps_of(context), client, str(event["user"]))
    event_id = body.get("event_id") if isinstance(body.get("event_id"), str) else None
    cause = cause_of(event_id or context.get("delivery_key"))
    try:
        done = flow.open_home(deps_of(context), str(event["user"]), event=cause)
    except MentorbotError:  # busy: the next opening publishes it
        logger.warning("Could not refresh a Home on opening (busy)")
        return
    deliver(context, done)


def handle_find_mentor(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """ "Find a mentor" on the Home: ask what they'd like help with."""
    ack()
    click = parse_click(body)
    try:
        client.views_open(trigger_id=click.trigger_id, view=build_find_modal())
    except SlackApiError as exc:
        logger.exception("Failed to open the find modal")
        if expired_trigger(exc):  # the Home has no thread to answer in: say it by DM
            tell_by_dm(context, click.user_id, build_notice(MODAL_EXPIRED))


def handle_find_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The find modal: who can help, shown in the modal (its buttons push the request modal)."""
    submission = parse_submission(body)
    form = submission.form
    typed = form.text(
        BlockId.HOME_FIND_TOPIC,
        max_length=FIND_TOPIC_MAX,
        action_id=ActionId.HOME_FIND_TOPIC_INPUT,
    )
    topic = " ".join(typed.split())
    if not topic:
        form.errors.setdefault(BlockId.HOME_FIND_TOPIC, TOPIC_MISSING)
    if form.errors:
        ack(response_action="errors", errors=form.errors)
        return
    user = submission.user_id
    key = replays.submission_key(body)
    try:
        # A replay gets the same answer; the search is counted once.
        view = flow.find(deps_of(context), user, topic, claim=key).value
    except MentorbotError as exc:
        view = build_find_results_view(topic, build_notice(str(exc)))
    ack(response_action="update", view=view)


def handle_learning(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """ "I'd like to learn about…" on the Home: its form, filled with what they said before."""
    ack()
    click = parse_click(body)
    try:
        current = flow.learning_of(deps_of(context), click.user_id)
        client.views_open(trigger_id=click.trigger_id, view=build_learning_modal(current))
    except SlackApiError as exc:
        logger.exception("Failed to open the learning modal")
        if expired_trigger(exc):
            tell_by_dm(context, click.user_id, build_notice(MODAL_EXPIRED))


def handle_learning_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Save what they would like to learn about; the Home refreshes with who offers it."""
    submission = parse_submission(body)
    text = submission.form.text(
        BlockId.HOME_LEARNING, max_length=LEARNING_MAX, action_id=ActionId.HOME_LEARNING_INPUT
    )
    if submission.form.errors:
        ack(response_action="errors", errors=submission.form.errors)
        return
    try:
        done = flow.set_learning(
            deps_of(context), submission.user_id, text, claim=replays.submission_key(body)
        )
    except replays.AlreadyHandled:
        ack()
        return
    except MentorbotError as exc:
        ack(response_action="errors", errors={BlockId.HOME_LEARNING: str(exc)[:150]})
        return
    ack()
    deliver(context, done)


def _transition_click(body: dict[str, Any], context: BoltContext, picked: str, start: bool) -> None:
    user = parse_click(body).user_id
    if choice(picked, TRANSITION_LABELS) is None:
        tell_by_dm(context, user, build_notice(STALE_BUTTON))
        return
    deps, event = deps_of(context), cause_of(context.get("delivery_key"))
    try:
        if start:
            done = flow.start_transition(deps, user, picked, event=event)
        else:
            done = flow.end_transition(deps, user, picked, event=event)
    except MentorbotError as exc:  # busy: nothing changed; the Home has no thread to answer in
        tell_by_dm(context, user, build_notice(str(exc)))
        return
    deliver(context, done)


def handle_transition(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A transition picked on the Home: start its fresh goal."""
    ack()
    _transition_click(body, context, parse_click(body).selected, start=True)


def handle_transition_end(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """ "End this goal" on the Home."""
    ack()
    _transition_click(body, context, parse_click(body).value, start=False)


def register(app: App) -> None:
    """`app_home_opened` and the Home tab's own buttons."""
    app.event("app_home_opened")(once(handle_home_opened))
    app.action(ActionId.HOME_FIND_MENTOR)(once(handle_find_mentor))
    app.view(CallbackId.HOME_FIND_MODAL)(handle_find_submitted)
    app.action(ActionId.HOME_LEARNING)(once(handle_learning))
    app.view(CallbackId.HOME_LEARNING_MODAL)(handle_learning_submitted)
    app.action(ActionId.HOME_TRANSITION)(once(handle_transition))
    app.action(ActionId.HOME_TRANSITION_END)(once(handle_transition_end))
