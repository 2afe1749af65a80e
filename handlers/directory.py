"""`/mentor find | ask | offer | pause | resume`, mentor offers and the directory."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replays
from bot.blocks.find import (
    build_ask_refused,
    build_ask_usage,
    build_ask_warnings,
    build_find_prompt,
    build_search_answer,
    mentor_cards,
)
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
    short_text,
)
from bot.blocks.requests import TOPIC_MAX
from bot.context import Deps
from bot.directory import apply_slack_user
from bot.errors import MentorbotError
from bot.ids import ActionId, CallbackId
from bot.matching import check_ask, directory_person, find_mentors
from bot.offers import (
    OfferInvalid,
    form_data,
    offer_problems,
    offer_summary,
    parse_pause_date,
    popular_topics,
    save_offer,
    set_paused,
)
from bot.offers import pause as pause_offer
from bot.offers import (
    resume as resume_offer,
)
from bot.topics import normalise
from handlers.command_context import CommandContext, expired_trigger, split_mention
from handlers.conversations import open_request_modal
from handlers.dm import send_dm, tell_clicker
from handlers.home import refresh_home
from storage.db import unit_of_work

logger = logging.getLogger(__name__)

FIND_TOPIC_ACTION = re.compile(rf"^{re.escape(ActionId.FIND_TOPIC)}(?::\d+)?$")
ALTERNATIVES = 3


def _find_payload(deps: Deps, user_id: str, words: str) -> dict[str, Any]:
    """The answer to a search: results, the topic prompt, or no match."""
    now = deps.clock()
    with unit_of_work(deps.open_session) as session:
        mentee = directory_person(session, user_id)
        if not normalise(words):
            return build_find_prompt(popular_topics(session, now=now, limit=8))
        result = find_mentors(
            session, mentee, words, now=now, max_level_gap=deps.settings.max_level_gap
        )
        has_offer = offer_summary(session, mentee, now=now) is not None
    return build_search_answer(result, has_offer=has_offer)


def find(ctx: CommandContext) -> None:
    """`/mentor find <words>`: up to five mentors outside your area, with reasons."""
    ctx.reply(_find_payload(ctx.deps, ctx.user_id, ctx.args))


@dataclass(frozen=True)
class AskRequest:
    mentor_slack_id: str
    topic: str | None


def parse_ask(args: str) -> AskRequest | None:
    """`<@U123|name> optional topic` -> AskRequest; anything else -> None."""
    found = split_mention(args)
    if found is None:
        return None
    mentor, rest = found
    return AskRequest(mentor, " ".join(rest.split())[:200] or None)


def ask(ctx: CommandContext) -> None:
    """`/mentor ask @person [topic]`: check, explain, then open the request modal."""
    request = parse_ask(ctx.args)
    if request is None:
        ctx.reply(build_ask_usage(ctx.args))
        return
    with unit_of_work(ctx.deps.open_session) as session:
        check = check_ask(
            session,
            ctx.user_id,
            request.mentor_slack_id,
            request.topic,
            now=ctx.deps.clock(),
            max_level_gap=ctx.deps.settings.max_level_gap,
            alternatives=ALTERNATIVES,
        )
    eligibility, mentor_slack_id = check.eligibility, check.mentor_slack_id
    if not eligibility.allowed:
        ctx.reply(
            build_ask_refused(
                mentor_slack_id, eligibility.blockers, mentor_cards(check.alternatives)
            )
        )
        return
    open_request_modal(
        ctx.client,
        ctx.deps,
        trigger_id=ctx.trigger_id,
        mentee_slack_id=ctx.user_id,
        mentor_slack_id=mentor_slack_id,
        topic=request.topic,
    )
    if eligibility.warnings:
        ctx.reply(build_ask_warnings(mentor_slack_id, eligibility.warnings))


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


def register(app: App, deps: Deps) -> None:
    """Actions, views and events of the directory surface."""

    @app.action(FIND_TOPIC_ACTION)
    def handle_find_topic(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """A topic button under a find answer: search that topic."""
        ack()
        click = parse_click(body)
        try:
            topic = short_text(click.value, TOPIC_MAX)
            if topic is None:
                raise Refused(STALE_BUTTON)
            payload = _find_payload(deps, click.user_id, topic)
        except MentorbotError as exc:
            payload = build_notice(str(exc))
        tell_clicker(client, body, respond, payload)

    @app.action(ActionId.OFFER_EDIT)
    def handle_offer_edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Edit/Offer button (Home tab or a message): open the offer modal."""
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

    @app.action(ActionId.OFFER_TOGGLE_PAUSE)
    def handle_toggle_pause(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Pause/Resume button: reach the state it asks for, then refresh the Home tab."""
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

    @app.view(CallbackId.OFFER_MODAL)
    def handle_offer_submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """The offer modal: field errors back to the modal, else save and confirm by DM."""
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

    @app.event("user_change")
    def handle_user_change(event: dict[str, Any]) -> None:
        """A profile changed or someone was deactivated in Slack: keep the directory current."""
        user = event.get("user")
        if isinstance(user, dict):
            with unit_of_work(deps.open_session) as session:
                apply_slack_user(session, user, now=deps.clock())
