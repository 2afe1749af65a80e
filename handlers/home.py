"""The App Home tab: published on `app_home_opened` and after anything it shows changes."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replays
from bot.blocks.help import MODAL_EXPIRED, build_notice
from bot.blocks.home import FIND_TOPIC_MAX, build_find_answer, build_find_modal, build_home
from bot.blocks.payload import STALE_BUTTON, choice, parse_click, parse_submission
from bot.connections import TRANSITION_LABELS
from bot.context import Deps
from bot.errors import MentorbotError
from bot.home import end_transition_goal, load_home_state, mark_transition, search_mentors
from bot.ids import ActionId, BlockId, CallbackId
from handlers.command_context import deps_of, expired_trigger
from handlers.dm import send_dm
from storage.db import unit_of_work

logger = logging.getLogger(__name__)

TOPIC_MISSING = "Tell me in a few words what you'd like help with."


def refresh_home(client: WebClient, deps: Deps, slack_id: str) -> None:
    """Re-publish ``slack_id``'s Home tab after anything it shows has changed."""
    try:
        with unit_of_work(deps.open_session) as session:
            state = load_home_state(session, slack_id, settings=deps.settings, now=deps.clock())
        client.views_publish(user_id=slack_id, view=build_home(state))
    except Exception:
        # The Home is a side view: its failure must not undo the action that changed it.
        logger.exception("Failed to refresh the Home tab of %s", slack_id)


def handle_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Publish the Home tab when someone opens it."""
    deps = deps_of(context)
    if event.get("tab", "home") == "home" and event.get("user"):
        refresh_home(client, deps, str(event["user"]))


def handle_find_mentor(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """ "Find a mentor" on the Home: ask what they'd like help with."""
    ack()
    click = parse_click(body)
    try:
        client.views_open(trigger_id=click.trigger_id, view=build_find_modal())
    except SlackApiError as exc:
        logger.exception("Failed to open the find modal")
        if expired_trigger(exc):  # the Home has no thread to answer in: say it by DM
            send_dm(client, click.user_id, build_notice(MODAL_EXPIRED))


def handle_find_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The find modal: send who can help as a DM (its buttons open the request modal)."""
    deps = deps_of(context)
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
    ack()
    user = submission.user_id
    try:
        with unit_of_work(deps.open_session) as session:
            # A replay neither answers twice nor counts the search twice.
            replays.claim(session, replays.submission_key(body), now=deps.clock())
            search = search_mentors(session, user, topic, settings=deps.settings, now=deps.clock())
    except replays.AlreadyHandled:
        logger.info("Skipped a repeated find submission")
        return
    except MentorbotError as exc:
        send_dm(client, user, {"text": str(exc)})
        return
    send_dm(client, user, build_find_answer(search))


def handle_transition(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A transition picked on the Home: start its fresh goal."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)
    user = click.user_id
    if choice(click.selected, TRANSITION_LABELS) is None:
        send_dm(client, user, build_notice(STALE_BUTTON))
        return
    try:
        with unit_of_work(deps.open_session) as session:
            mark_transition(session, user, click.selected, settings=deps.settings, now=deps.clock())
    except MentorbotError:
        logger.info("Transition picked by %s, who is not in the directory", user)
    refresh_home(client, deps, user)


def handle_transition_end(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """ "End this goal" on the Home."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)
    user = click.user_id
    if choice(click.value, TRANSITION_LABELS) is None:
        send_dm(client, user, build_notice(STALE_BUTTON))
        return
    try:
        with unit_of_work(deps.open_session) as session:
            end_transition_goal(session, user, click.value, now=deps.clock())
    except MentorbotError:
        logger.info("Transition ended by %s, who is not in the directory", user)
    refresh_home(client, deps, user)


def register(app: App) -> None:
    """`app_home_opened` and the Home tab's own buttons."""
    app.event("app_home_opened")(handle_home_opened)
    app.action(ActionId.HOME_FIND_MENTOR)(handle_find_mentor)
    app.view(CallbackId.HOME_FIND_MODAL)(handle_find_submitted)
    app.action(ActionId.HOME_TRANSITION)(handle_transition)
    app.action(ActionId.HOME_TRANSITION_END)(handle_transition_end)
