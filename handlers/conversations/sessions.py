"""Sessions: agendas, "we met", follow-ups and their actions (and `/mentor agenda | followup`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.conversations import (
    FOLLOWUP_FIELDS,
    PURPOSES,
    FollowupSubmission,
    build_agenda_modal,
    build_choose_modal,
    build_followup_modal,
    parse_agenda_submission,
    parse_chosen_conversation,
    parse_followup_metadata,
    parse_followup_submission,
)
from bot.blocks.payload import (
    STALE_BUTTON,
    STALE_FORM,
    Refused,
    choice,
    idents,
    parse_click,
    parse_submission,
    require_id,
)
from bot.context import Deps
from bot.errors import MentorbotError
from bot.flows import sessions as flow
from bot.ids import ActionId, BlockId, CallbackId
from bot.usecase import Done, read
from handlers.command_context import CommandContext, deps_of, once
from handlers.conversations.common import (
    _conversation_of,
    _parsed,
    _tell,
    clicked,
    guarded,
    submitted,
)
from handlers.zones import ensure_zone

logger = logging.getLogger(__name__)
NO_AGENDA_CONVERSATION = (
    "You have no active mentoring conversation as a mentee yet. `/mentor find &lt;topic&gt;` "
    "finds a mentor; once they accept, `/mentor agenda` posts your questions."
)
NO_FOLLOWUP_CONVERSATION = (
    "There are no follow-ups to post: you have no active mentoring conversation as a mentee."
)


def _session_button(value: str) -> tuple[int, int | None]:
    """A step's button: ``cid:number`` (the card's: "We met", the agenda or the follow-ups of
    that conversation), or a bare conversation ID (the Home's, and older messages': the
    number then is whichever is next)."""
    if ":" not in value:
        return require_id(value), None
    cid, number = idents(value, 2)
    return cid, number


# --- slash commands --------------------------------------------------------------------------


def agenda(ctx: CommandContext) -> None:
    """`/mentor agenda`: post or edit the agenda of the next conversation."""
    _choose_then_draft(ctx, "agenda", svc.agenda_choices, NO_AGENDA_CONVERSATION)


def followup(ctx: CommandContext) -> None:
    """`/mentor followup`: post the actions of the last conversation."""
    _choose_then_draft(ctx, "followup", svc.followup_choices, NO_FOLLOWUP_CONVERSATION)


def _choose_then_draft(
    ctx: CommandContext,
    purpose: str,
    choices_of: Callable[[Session, str], list[svc.Choice]],
    nothing: str,
) -> None:
    """One conversation: its agenda or follow-up modal; several: a modal to choose one."""
    choices = read(ctx.deps.open_session, lambda s: choices_of(s, ctx.user_id))
    if not choices:
        ctx.notice(nothing)
        return
    if len(choices) > 1:
        view = build_choose_modal(purpose, choices)
    else:
        view = _draft_modal(ctx.deps, purpose, choices[0].conversation_id, ctx.user_id)
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)


def _draft_modal(
    deps: Deps, purpose: str, conversation_id: int, user: str, number: int | None = None
) -> dict[str, Any]:
    """The agenda ("agenda") or follow-up (otherwise) modal for one of ``user``'s
    conversations; ``number``: the conversation a card's button meant (stale once past)."""
    if purpose == "agenda":
        agenda_view = read(
            deps.open_session,
            lambda s: svc.agenda_draft(
                s, conversation_id, user, max_sessions=deps.settings.max_sessions, number=number
            ),
        )
        return build_agenda_modal(agenda_view)
    followup_view = read(
        deps.open_session,
        lambda s: svc.followup_draft(s, conversation_id, user, now=deps.clock(), number=number),
    )
    return build_followup_modal(followup_view)


def open_draft_modal(
    context: BoltContext, client: WebClient, body: dict[str, Any], respond: Respond, purpose: str
) -> None:
    """The agenda or follow-up modal of the clicked conversation, as the commands open it."""
    click = parse_click(body)

    def run() -> None:
        deps = deps_of(context)
        cid, number = _session_button(click.value)
        ensure_zone(deps, client, click.user_id)
        view = _draft_modal(deps, purpose, cid, click.user_id, number)
        client.views_open(trigger_id=click.trigger_id, view=view)

    guarded(context, body, respond, run)


# --- sessions ----------------------------------------------------------------------------


def handle_log_session(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """ "We met": the session is logged; the mentee is asked for the follow-ups."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)

    def log() -> Done[svc.SessionLogged]:
        cid, number = _session_button(click.value)
        return flow.log_session(deps, cid, click.user_id, number=number)

    clicked(context, body, respond, log)


def handle_open_agenda(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the agenda modal for the next session (mentee only)."""
    ack()
    open_draft_modal(context, client, body, respond, "agenda")


def handle_agenda_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Save the agenda (and date) and share it in the pair's group DM."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    today = deps.clock().date()
    parsed = _parsed(
        ack,
        lambda: (
            _conversation_of(submission),
            parse_agenda_submission(submission.form, today=today),
        ),
    )
    if parsed is None:
        return
    cid, agenda = parsed
    submitted(
        context,
        ack,
        body,
        lambda key: flow.post_agenda(
            deps,
            cid,
            user,
            agenda.questions,
            on=agenda.on,
            at=agenda.at,
            zone=agenda.zone,
            claim=key,
        ),
        fields=FOLLOWUP_FIELDS,
        fallback=BlockId.AGENDA_QUESTIONS,
    )


def handle_open_followup(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Open the follow-up modal for the last (or just held) session."""
    ack()
    open_draft_modal(context, client, body, respond, "followup")


def handle_add_action_row(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """One more action row in the follow-up modal (up to ten)."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)
    try:
        if not click.in_view:  # only the follow-up modal has this button
            raise Refused(STALE_BUTTON)
        cid, _, rows = parse_followup_metadata(click.metadata)
        draft = read(
            deps.open_session,
            lambda s: svc.followup_draft(s, cid, click.user_id, now=deps.clock()),
        )
    except MentorbotError as exc:
        _tell(context, body, respond, str(exc))
        return
    try:
        client.views_update(
            view_id=click.view_id,
            hash=click.view_hash or None,
            view=build_followup_modal(draft, rows + 1),
        )
    except SlackApiError as exc:
        if exc.response.get("error") != "hash_conflict":
            raise
        # A double click: the first one already added the row.
        logger.info("Ignored a second 'Add another action' on an outdated modal")


def handle_followup_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Store the actions and outcomes; share them in the group DM with Done buttons."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id
    today = deps.clock().date()

    def read_followups() -> tuple[tuple[int, int, int], FollowupSubmission]:
        meta = parse_followup_metadata(submission.metadata)
        return meta, parse_followup_submission(submission.form, meta[2], today=today)

    parsed = _parsed(ack, read_followups)
    if parsed is None:
        return
    (cid, number, _), followups = parsed
    first_action = f"{BlockId.ACTION_TEXT_PREFIX}1"
    first_outcome = next(
        (b for b in submission.form.block_ids() if b.startswith(BlockId.OUTCOME_PREFIX)),
        first_action,
    )
    submitted(
        context,
        ack,
        body,
        lambda key: flow.post_followups(
            deps, cid, user, number, followups.outcomes, followups.actions, claim=key
        ),
        fields={**FOLLOWUP_FIELDS, "outcomes": first_outcome},
        fallback=first_action,
    )


def handle_action_done(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Tick an action item off (from the follow-up message or the Home tab)."""
    deps = deps_of(context)
    ack()
    click = parse_click(body)

    clicked(
        context,
        body,
        respond,
        lambda: flow.mark_action_done(deps, require_id(click.value), click.user_id),
    )


def handle_choose_conversation(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """With several conversations: the chosen one's agenda or follow-up modal."""
    deps = deps_of(context)
    submission = parse_submission(body)
    user = submission.user_id

    def read_choice() -> tuple[str, int]:
        purpose = choice(submission.metadata, PURPOSES)
        if purpose is None:
            raise Refused(STALE_FORM)
        return purpose, parse_chosen_conversation(submission.form)

    parsed = _parsed(ack, read_choice)
    if parsed is None:
        return
    purpose, chosen = parsed
    try:
        next_view = _draft_modal(deps, purpose, chosen, user)
    except MentorbotError as exc:
        ack(response_action="errors", errors={BlockId.CHOOSE_CONVERSATION: str(exc)})
        return
    ack(response_action="update", view=next_view)


def register(app: App) -> None:
    """Actions and views of an active conversation's sessions."""
    app.action(ActionId.LOG_SESSION)(once(handle_log_session))
    app.action(ActionId.OPEN_AGENDA)(once(handle_open_agenda))
    app.view(CallbackId.AGENDA_MODAL)(handle_agenda_submission)
    app.action(ActionId.OPEN_FOLLOWUP)(once(handle_open_followup))
    app.action(ActionId.ADD_ACTION_ROW)(once(handle_add_action_row))
    app.view(CallbackId.FOLLOWUP_MODAL)(handle_followup_submission)
    app.action(ActionId.ACTION_DONE)(once(handle_action_done))
    app.view(CallbackId.CHOOSE_CONVERSATION_MODAL)(handle_choose_conversation)
