"""Requests, conversations, sessions, follow-ups and the sunset.

Every button carries IDs only; each listener re-checks in the database who may do
what (``bot.conversations`` raises when a click is stale or someone else's) and
answers the clicker privately when nothing changed. Content (questions, agendas,
follow-ups, comments) is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import conversations as svc
from bot import replays
from bot.blocks.conversations import (
    CLOSE_NOTE_MAX,
    FOLLOWUP_FIELDS,
    PURPOSES,
    FollowupSubmission,
    build_agenda_modal,
    build_agenda_posted,
    build_choose_modal,
    build_close_modal,
    build_closed_early_note,
    build_followup_modal,
    build_followups,
    build_on_call,
    build_pair_welcome,
    build_session_logged,
    build_sunset_modal,
    build_sunset_prompt,
    parse_agenda_submission,
    parse_chosen_conversation,
    parse_followup_metadata,
    parse_followup_submission,
    parse_sunset_submission,
)
from bot.blocks.help import MODAL_EXPIRED, build_notice
from bot.blocks.payload import (
    STALE_BUTTON,
    STALE_FORM,
    Refused,
    Submission,
    choice,
    idents,
    parse_click,
    parse_submission,
    require_id,
    short_text,
    slack_user,
)
from bot.blocks.requests import (
    DECLINE_REASON_MAX,
    INFO_ANSWER_MAX,
    INFO_QUESTION_MAX,
    REQUEST_FIELDS,
    TOPIC_MAX,
    RequestModalMeta,
    build_decline_modal,
    build_info_answer_modal,
    build_info_question_modal,
    build_info_requested,
    build_pass_modal,
    build_problem_view,
    build_request_card,
    build_request_card_answered,
    build_request_declined,
    build_request_modal,
    build_request_passed,
    build_request_sent,
    parse_request_submission,
)
from bot.context import Deps
from bot.errors import MentorbotError
from bot.ids import ActionId, BlockId, CallbackId, parse_request_button_value
from handlers.command_context import CommandContext, expired_trigger
from handlers.dm import send_dm, tell_clicker
from handlers.home import refresh_home
from storage.db import unit_of_work

logger = logging.getLogger(__name__)

T = TypeVar("T")

NO_AGENDA_CONVERSATION = (
    "You have no active mentoring conversation as a mentee yet. `/mentor find &lt;topic&gt;` "
    "finds a mentor; once they accept, `/mentor agenda` posts your questions."
)
ANSWER_SENT = "Thanks: <@{mentor}> has your answer."
ANSWER_SAVED = (
    "Thanks: your answer is saved, but I couldn't send it to <@{mentor}> in Slack just now. "
    "Your request is waiting for them on their Home tab."
)
NO_FOLLOWUP_CONVERSATION = (
    "There are no follow-ups to post: you have no active mentoring conversation as a mentee."
)


# --- small helpers ------------------------------------------------------------------------


def _use_case(deps: Deps, fn: Callable[[Session], T]) -> T:
    """Run one use case in one session (committed once)."""
    with unit_of_work(deps.open_session) as session:
        return fn(session)


def _post(client: WebClient, channel: str | None, payload: dict[str, Any]) -> tuple[str, str]:
    """Post to ``channel``; ("", "") when there is none or Slack refuses (logged)."""
    if not channel:
        return "", ""
    try:
        response = client.chat_postMessage(channel=channel, **payload)
    except SlackApiError:
        logger.exception("Failed to post in a group DM")
        return "", ""
    return channel, str(response["ts"])


def _share(
    client: WebClient, channel: str | None, pair: Iterable[str], payload: dict[str, Any]
) -> tuple[str, str]:
    """Post to the pair's group DM; without one, or when Slack refuses it, DM each of them."""
    posted = _post(client, channel, payload)
    if posted[1]:
        return posted
    for slack_id in pair:
        send_dm(client, slack_id, payload)
    return "", ""


def _update(
    client: WebClient, channel: str | None, ts: str | None, payload: dict[str, Any]
) -> None:
    """Replace a message the bot posted earlier (so stale buttons disappear)."""
    if not channel or not ts:
        return
    try:
        client.chat_update(channel=channel, ts=ts, **payload)
    except SlackApiError:
        logger.exception("Failed to update an earlier message")


def _refresh(client: WebClient, deps: Deps, slack_ids: Iterable[str | None]) -> None:
    for slack_id in dict.fromkeys(s for s in slack_ids if s):
        try:
            refresh_home(client, deps, slack_id)
        except Exception:
            logger.exception("Failed to refresh a Home tab")


def _tell(client: WebClient, body: dict[str, Any], respond: Respond, text: str) -> None:
    tell_clicker(client, body, respond, build_notice(text))


def _refuse(ack: Ack, exc: Refused) -> None:
    """Refused modal input: errors on its fields, or the modal replaced by why."""
    if exc.errors:
        ack(response_action="errors", errors=exc.errors)
    else:
        ack(response_action="update", view=build_problem_view("Nothing changed", str(exc)))


def _parsed(ack: Ack, parse: Callable[[], T]) -> T | None:
    """Read a submission at the edge; None (after a kind refusal) when it can't be read."""
    try:
        return parse()
    except Refused as exc:
        _refuse(ack, exc)
        return None


def _conversation_of(submission: Submission) -> int:
    """The conversation a modal is about: its private_metadata."""
    return require_id(submission.metadata, STALE_FORM)


def _text_of(submission: Submission, block_id: str, max_length: int) -> tuple[int, str]:
    """A one-field modal: (its conversation, the text typed)."""
    cid = _conversation_of(submission)
    text = submission.form.text(block_id, max_length=max_length)
    submission.form.check()
    return cid, text


def _session_button(value: str) -> tuple[int, int | None]:
    """ "We met": ``cid:number``, or a bare conversation ID (the number then is the next)."""
    if ":" not in value:
        return require_id(value), None
    cid, number = idents(value, 2)
    return cid, number


def _field_errors(
    exc: svc.FieldErrors, mapping: Mapping[str, str], fallback: str
) -> dict[str, str]:
    return {mapping.get(name, fallback): message for name, message in exc.errors.items()}


# --- the request modal (the contract with find / ask) ---------------------------------------


def open_request_modal(
    client: WebClient,
    deps: Deps,
    *,
    trigger_id: str,
    mentee_slack_id: str,
    mentor_slack_id: str,
    topic: str | None = None,
) -> None:
    """Open the request modal for ``mentee_slack_id`` asking ``mentor_slack_id``."""
    client.views_open(trigger_id=trigger_id, view=build_request_modal(mentor_slack_id, topic))


def _send_card(client: WebClient, deps: Deps, request: svc.RequestSnapshot) -> bool:
    """DM the mentor the request card and remember where it is; False when Slack refused.

    The request stays saved either way: the mentor's Home tab lists it with its buttons.
    """
    channel, ts = send_dm(client, request.mentor_slack_id, build_request_card(request))
    if not ts:
        return False
    _use_case(
        deps,
        lambda s: svc.remember_mentor_dm(s, request.conversation_id, channel=channel, ts=ts),
    )
    return True


def _answered_card(client: WebClient, request: svc.RequestSnapshot, outcome: str) -> None:
    _update(
        client,
        request.mentor_dm_channel,
        request.mentor_dm_ts,
        build_request_card_answered(request, outcome),
    )


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
    choices = _use_case(ctx.deps, lambda s: choices_of(s, ctx.user_id))
    if not choices:
        ctx.notice(nothing)
        return
    if len(choices) > 1:
        view = build_choose_modal(purpose, choices)
    else:
        view = _draft_modal(ctx.deps, purpose, choices[0].conversation_id, ctx.user_id)
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)


def _draft_modal(deps: Deps, purpose: str, conversation_id: int, user: str) -> dict[str, Any]:
    """The agenda ("agenda") or follow-up (otherwise) modal for one of ``user``'s conversations."""
    if purpose == "agenda":
        agenda_view = _use_case(
            deps,
            lambda s: svc.agenda_draft(
                s, conversation_id, user, max_sessions=deps.settings.max_sessions
            ),
        )
        return build_agenda_modal(agenda_view)
    followup_view = _use_case(
        deps, lambda s: svc.followup_draft(s, conversation_id, user, now=deps.clock())
    )
    return build_followup_modal(followup_view)


# --- what happens after a state change (shared by clicks and the expiry job) ----------------


def announce_sunset(client: WebClient, closed: svc.Closed) -> None:
    """Ask both, privately, whether to keep the door open and how useful it was."""
    for me, other in (
        (closed.mentee_slack_id, closed.mentor_slack_id),
        (closed.mentor_slack_id, closed.mentee_slack_id),
    ):
        send_dm(client, me, build_sunset_prompt(closed.conversation_id, other, closed.topic))


def register(app: App, deps: Deps) -> None:
    """Actions and views of the conversation surface."""

    def guarded(
        client: WebClient, body: dict[str, Any], respond: Respond, fn: Callable[[], None]
    ) -> None:
        try:
            fn()
        except MentorbotError as exc:
            _tell(client, body, respond, str(exc))
        except SlackApiError as exc:
            if not expired_trigger(exc):
                raise
            logger.warning("A modal did not open in time")
            _tell(client, body, respond, MODAL_EXPIRED)

    def open_checked_modal(
        client: WebClient,
        body: dict[str, Any],
        respond: Respond,
        check: Callable[[Session, int, str], T],
        build: Callable[[int, T], dict[str, Any]],
    ) -> None:
        """A button whose value is a conversation ID opens a modal once the database agrees.

        ``check`` re-reads who may do what (raising when the click is stale or someone
        else's, and the clicker is told why); ``build`` makes the modal from its answer.
        """
        click = parse_click(body)

        def run() -> None:
            cid = require_id(click.value)
            checked = _use_case(deps, lambda s: check(s, cid, click.user_id))
            client.views_open(trigger_id=click.trigger_id, view=build(cid, checked))

        guarded(client, body, respond, run)

    def open_draft_modal(
        client: WebClient, body: dict[str, Any], respond: Respond, purpose: str
    ) -> None:
        """The agenda or follow-up modal of the clicked conversation, as the commands open it."""
        click = parse_click(body)

        def run() -> None:
            view = _draft_modal(deps, purpose, require_id(click.value), click.user_id)
            client.views_open(trigger_id=click.trigger_id, view=view)

        guarded(client, body, respond, run)

    def submitted(
        ack: Ack,
        body: dict[str, Any],
        use_case: Callable[[Session], T],
        *,
        fields: Mapping[str, str] | None = None,
        fallback: str = "",
        refused: str = "Nothing changed",
    ) -> T | None:
        """Run a modal's use case, then ack; None when nothing was done.

        With ``fields`` (field name → block ID, ``fallback`` for the rest), bad input goes
        back onto the modal's fields; any other refusal replaces the modal with why. A
        replay of a submission already saved is answered as the first was (the modal
        closes) and does nothing: the submission is claimed in the use case's transaction.
        """
        key = replays.submission_key(body)

        def once(s: Session) -> T:
            replays.claim(s, key, now=deps.clock())
            return use_case(s)

        try:
            result = _use_case(deps, once)
        except replays.AlreadyHandled:
            logger.info("Skipped a repeated modal submission")
            ack()
            return None
        except MentorbotError as exc:
            if fields is not None and isinstance(exc, svc.FieldErrors):
                ack(response_action="errors", errors=_field_errors(exc, fields, fallback))
            else:
                ack(response_action="update", view=build_problem_view(refused, str(exc)))
            return None
        ack()
        return result

    # --- asking ------------------------------------------------------------------------

    @app.action(ActionId.REQUEST_CONVERSATION)
    def handle_request_conversation(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """ "Request a conversation" (find results, suggestions): open the request modal."""
        ack()
        click = parse_click(body)
        user = click.user_id

        def run() -> None:
            mentor, topic = parse_request_button_value(click.value)
            if slack_user(mentor) is None or (topic and short_text(topic, TOPIC_MAX) is None):
                raise Refused(STALE_BUTTON)
            _use_case(
                deps,
                lambda s: svc.check_can_request(
                    s,
                    user,
                    mentor,
                    now=deps.clock(),
                    max_level_gap=deps.settings.max_level_gap,
                ),
            )
            open_request_modal(
                client,
                deps,
                trigger_id=click.trigger_id,
                mentee_slack_id=user,
                mentor_slack_id=mentor,
                topic=topic,
            )

        guarded(client, body, respond, run)

    @app.view(CallbackId.REQUEST_MODAL)
    def handle_request_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """The mentee sends the request: validate, re-check the mentor, DM them the card."""
        submission = parse_submission(body)
        user = submission.user_id
        read = _parsed(
            ack,
            lambda: (
                RequestModalMeta.load(submission.metadata),
                parse_request_submission(submission.form),
            ),
        )
        if read is None:
            return
        meta, form = read
        request = submitted(
            ack,
            body,
            lambda s: svc.create_request(
                s,
                user,
                meta.mentor_slack_id,
                form,
                now=deps.clock(),
                max_level_gap=deps.settings.max_level_gap,
            ),
            fields=REQUEST_FIELDS,
            fallback=BlockId.REQUEST_QUESTIONS,
            refused="Request not sent",
        )
        if request is None:
            return
        delivered = _send_card(client, deps, request)
        send_dm(
            client,
            user,
            build_request_sent(request.mentor_slack_id, request.topic, delivered=delivered),
        )
        _refresh(client, deps, [user, request.mentor_slack_id])

    # --- the mentor answers ----------------------------------------------------------------

    def _open_pair_channel(client: WebClient, agenda_view: svc.AgendaView) -> None:
        """The pair's group DM with the bot; if Slack refuses it, each gets the welcome by DM."""
        cid = agenda_view.conversation_id
        users = f"{agenda_view.mentee_slack_id},{agenda_view.mentor_slack_id}"
        pair = (agenda_view.mentee_slack_id, agenda_view.mentor_slack_id)
        try:
            channel = str(client.conversations_open(users=users)["channel"]["id"])
        except SlackApiError:
            logger.exception("Failed to open a group DM; sending the welcome by DM instead")
            channel = ""
        # Remembered only once Slack took the welcome there; else each gets it by DM.
        channel, _ = _share(client, channel, pair, build_pair_welcome(agenda_view))
        if channel:
            _use_case(deps, lambda s: svc.remember_group_channel(s, cid, channel))

    @app.action(ActionId.ACCEPT_REQUEST)
    def handle_accept(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """Accept: open the pair's group DM and post the agenda there."""
        ack()
        click = parse_click(body)
        user = click.user_id

        def run() -> None:
            cid = require_id(click.value)
            agenda_view = _use_case(
                deps,
                lambda s: svc.accept_request(
                    s, cid, user, now=deps.clock(), max_sessions=deps.settings.max_sessions
                ),
            )
            _open_pair_channel(client, agenda_view)
            request = _use_case(deps, lambda s: svc.request_snapshot(s, cid))
            _answered_card(
                client,
                request,
                f"Accepted: the agenda is in your group DM with <@{request.mentee_slack_id}>.",
            )
            _refresh(client, deps, [agenda_view.mentee_slack_id, agenda_view.mentor_slack_id])

        guarded(client, body, respond, run)

    @app.action(ActionId.ASK_MORE_INFO)
    def handle_ask_more_info(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Open the modal where the mentor writes their question."""
        ack()
        open_checked_modal(
            client,
            body,
            respond,
            lambda s, cid, user: svc.check_mentor_can_answer(s, cid, user, info=True),
            lambda cid, request: build_info_question_modal(cid, request.mentee_slack_id),
        )

    @app.view(CallbackId.INFO_QUESTION_MODAL)
    def handle_info_question(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """The mentor's question goes to the mentee, with a button to answer."""
        submission = parse_submission(body)
        user = submission.user_id
        read = _parsed(ack, lambda: _text_of(submission, BlockId.INFO_QUESTION, INFO_QUESTION_MAX))
        if read is None:
            return
        cid, question = read
        request = submitted(
            ack,
            body,
            lambda s: svc.ask_for_info(s, cid, user, question, now=deps.clock()),
            fields=REQUEST_FIELDS,
            fallback=BlockId.INFO_QUESTION,
        )
        if request is None:
            return
        send_dm(
            client,
            request.mentee_slack_id,
            build_info_requested(cid, request.mentor_slack_id, question),
        )
        _answered_card(client, request, "You asked for more info; the answer will come here.")
        _refresh(client, deps, [request.mentee_slack_id, request.mentor_slack_id])

    @app.action(ActionId.ANSWER_INFO)
    def handle_answer_info(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Open the modal where the mentee answers the mentor's question."""
        ack()
        open_checked_modal(
            client,
            body,
            respond,
            svc.check_mentee_can_answer_info,
            lambda cid, request: build_info_answer_modal(
                cid, request.mentor_slack_id, request.info_question or ""
            ),
        )

    @app.view(CallbackId.INFO_ANSWER_MODAL)
    def handle_info_answer(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """The answer is added to the request, which goes back to the mentor."""
        submission = parse_submission(body)
        user = submission.user_id
        read = _parsed(ack, lambda: _text_of(submission, BlockId.INFO_ANSWER, INFO_ANSWER_MAX))
        if read is None:
            return
        cid, answer = read
        request = submitted(
            ack,
            body,
            lambda s: svc.answer_info(s, cid, user, answer, now=deps.clock()),
            fields=REQUEST_FIELDS,
            fallback=BlockId.INFO_ANSWER,
        )
        if request is None:
            return
        _answered_card(client, request, "The mentee answered: see the updated request below.")
        delivered = _send_card(client, deps, request)
        thanks = ANSWER_SENT if delivered else ANSWER_SAVED
        send_dm(client, user, build_notice(thanks.format(mentor=request.mentor_slack_id)))
        _refresh(client, deps, [user, request.mentor_slack_id])

    @app.action(ActionId.PASS_REQUEST)
    def handle_pass(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """Open the modal where the mentor names a colleague."""
        ack()
        open_checked_modal(
            client,
            body,
            respond,
            svc.check_mentor_can_answer,
            lambda cid, _request: build_pass_modal(cid),
        )

    @app.view(CallbackId.PASS_MODAL)
    def handle_pass_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Hand the request to the colleague; tell the mentee."""
        submission = parse_submission(body)
        user = submission.user_id

        def read_pass() -> tuple[int, str]:
            cid = _conversation_of(submission)
            to = submission.form.user(BlockId.PASS_TO) or ""
            submission.form.check()
            return cid, to

        read = _parsed(ack, read_pass)
        if read is None:
            return
        cid, to = read

        def pass_on(s: Session) -> tuple[svc.RequestSnapshot, svc.Passed]:
            before = svc.check_mentor_can_answer(s, cid, user)  # where the old card is
            return before, svc.pass_request(s, cid, user, to, now=deps.clock())

        done = submitted(ack, body, pass_on, fields=REQUEST_FIELDS, fallback=BlockId.PASS_TO)
        if done is None:
            return
        before, passed = done
        request = passed.request
        _answered_card(client, before, f"Passed on to <@{request.mentor_slack_id}>.")
        _send_card(client, deps, request)
        send_dm(
            client,
            request.mentee_slack_id,
            build_request_passed(
                passed.old_mentor_slack_id, request.mentor_slack_id, request.topic
            ),
        )
        _refresh(
            client,
            deps,
            [request.mentee_slack_id, passed.old_mentor_slack_id, request.mentor_slack_id],
        )

    @app.action(ActionId.DECLINE_REQUEST)
    def handle_decline(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """Open the modal asking (optionally) for a short reason."""
        ack()
        open_checked_modal(
            client,
            body,
            respond,
            svc.check_mentor_can_answer,
            lambda cid, _request: build_decline_modal(cid),
        )

    @app.view(CallbackId.DECLINE_MODAL)
    def handle_decline_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Decline: tell the mentee, with the next best mentors a click away."""
        submission = parse_submission(body)
        user = submission.user_id
        read = _parsed(
            ack, lambda: _text_of(submission, BlockId.DECLINE_REASON, DECLINE_REASON_MAX)
        )
        if read is None:
            return
        cid, reason = read
        answered = submitted(
            ack,
            body,
            lambda s: svc.decline_request(
                s, cid, user, reason, now=deps.clock(), max_level_gap=deps.settings.max_level_gap
            ),
        )
        if answered is None:
            return
        request = answered.request
        _answered_card(client, request, "Declined. Thank you for answering.")
        send_dm(
            client,
            request.mentee_slack_id,
            build_request_declined(
                request.mentor_slack_id, request.topic, reason or None, answered.suggestions
            ),
        )
        _refresh(client, deps, [request.mentee_slack_id, request.mentor_slack_id])

    # --- sessions ----------------------------------------------------------------------------

    @app.action(ActionId.LOG_SESSION)
    def handle_log_session(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """ "We met": the session is logged; the mentee is asked for the follow-ups."""
        ack()
        click = parse_click(body)
        user = click.user_id

        def run() -> None:
            cid, number = _session_button(click.value)
            logged = _use_case(
                deps,
                lambda s: svc.log_session(
                    s,
                    cid,
                    user,
                    number=number,
                    now=deps.clock(),
                    max_sessions=deps.settings.max_sessions,
                ),
            )
            _after_logged(client, logged, user)
            _refresh(client, deps, [logged.mentee_slack_id, logged.mentor_slack_id])

        guarded(client, body, respond, run)

    def _after_logged(client: WebClient, logged: svc.SessionLogged, by: str) -> None:
        pair = (logged.mentee_slack_id, logged.mentor_slack_id)
        _share(client, logged.group_channel_id, pair, build_session_logged(logged, by))
        if logged.sunset:
            closed = _use_case(deps, lambda s: svc.closed_summary(s, logged.conversation_id))
            announce_sunset(client, closed)

    @app.action(ActionId.OPEN_AGENDA)
    def handle_open_agenda(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Open the agenda modal for the next session (mentee only)."""
        ack()
        open_draft_modal(client, body, respond, "agenda")

    @app.view(CallbackId.AGENDA_MODAL)
    def handle_agenda_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Save the agenda (and date) and share it in the pair's group DM."""
        submission = parse_submission(body)
        user = submission.user_id
        today = deps.clock().date()
        read = _parsed(
            ack,
            lambda: (
                _conversation_of(submission),
                parse_agenda_submission(submission.form, today=today),
            ),
        )
        if read is None:
            return
        cid, agenda = read
        posted = submitted(
            ack,
            body,
            lambda s: svc.post_agenda(
                s,
                cid,
                user,
                agenda.questions,
                on=agenda.on,
                at=agenda.at,
                now=deps.clock(),
                max_sessions=deps.settings.max_sessions,
            ),
            fields=FOLLOWUP_FIELDS,
            fallback=BlockId.AGENDA_QUESTIONS,
        )
        if posted is None:
            return
        pair = (posted.mentee_slack_id, posted.mentor_slack_id)
        _share(client, posted.group_channel_id, pair, build_agenda_posted(posted))
        _refresh(client, deps, [posted.mentee_slack_id, posted.mentor_slack_id])

    @app.action(ActionId.OPEN_FOLLOWUP)
    def handle_open_followup(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Open the follow-up modal for the last (or just held) session."""
        ack()
        open_draft_modal(client, body, respond, "followup")

    @app.action(ActionId.ADD_ACTION_ROW)
    def handle_add_action_row(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """One more action row in the follow-up modal (up to ten)."""
        ack()
        click = parse_click(body)
        try:
            if not click.in_view:  # only the follow-up modal has this button
                raise Refused(STALE_BUTTON)
            cid, _, rows = parse_followup_metadata(click.metadata)
            draft = _use_case(
                deps, lambda s: svc.followup_draft(s, cid, click.user_id, now=deps.clock())
            )
        except MentorbotError as exc:
            _tell(client, body, respond, str(exc))
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

    @app.view(CallbackId.FOLLOWUP_MODAL)
    def handle_followup_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Store the actions and outcomes; share them in the group DM with Done buttons."""
        submission = parse_submission(body)
        user = submission.user_id
        today = deps.clock().date()

        def read_followups() -> tuple[tuple[int, int, int], FollowupSubmission]:
            meta = parse_followup_metadata(submission.metadata)
            return meta, parse_followup_submission(submission.form, meta[2], today=today)

        read = _parsed(ack, read_followups)
        if read is None:
            return
        (cid, number, _), followups = read
        first_action = f"{BlockId.ACTION_TEXT_PREFIX}1"
        first_outcome = next(
            (b for b in submission.form.block_ids() if b.startswith(BlockId.OUTCOME_PREFIX)),
            first_action,
        )
        posted = submitted(
            ack,
            body,
            lambda s: svc.post_followups(
                s,
                cid,
                user,
                number,
                followups.outcomes,
                followups.actions,
                now=deps.clock(),
                max_sessions=deps.settings.max_sessions,
            ),
            fields={**FOLLOWUP_FIELDS, "outcomes": first_outcome},
            fallback=first_action,
        )
        if posted is None:
            return
        result = posted.view
        pair = (result.mentee_slack_id, result.mentor_slack_id)
        if posted.logged is not None:
            _share(client, result.group_channel_id, pair, build_session_logged(posted.logged, user))
        still_active = posted.logged is None or not posted.logged.sunset
        if posted.logged is None:
            still_active = _use_case(deps, lambda s: svc.is_active(s, cid))
        channel, ts = _share(
            client, result.group_channel_id, pair, build_followups(result, active=still_active)
        )
        if ts:
            _use_case(
                deps,
                lambda s: svc.remember_followup_message(
                    s, result.session_id, channel=channel, ts=ts
                ),
            )
        if posted.logged is not None and posted.logged.sunset:
            announce_sunset(client, _use_case(deps, lambda s: svc.closed_summary(s, cid)))
        _refresh(client, deps, [result.mentee_slack_id, result.mentor_slack_id])

    @app.action(ActionId.ACTION_DONE)
    def handle_action_done(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Tick an action item off (from the follow-up message or the Home tab)."""
        ack()
        click = parse_click(body)

        def run() -> None:
            action_id = require_id(click.value)
            result = _use_case(
                deps,
                lambda s: svc.mark_action_done(s, action_id, click.user_id, now=deps.clock()),
            )
            active = _use_case(deps, lambda s: svc.is_active(s, result.conversation_id))
            _update(
                client,
                result.followup_channel,
                result.followup_ts,
                build_followups(result, active=active),
            )
            _refresh(client, deps, [result.mentee_slack_id, result.mentor_slack_id])

        guarded(client, body, respond, run)

    # --- the end -------------------------------------------------------------------------------

    @app.action(ActionId.CLOSE_EARLY)
    def handle_close_early(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Open the close-early modal (either of the pair)."""
        ack()
        open_checked_modal(client, body, respond, svc.check_can_close, build_close_modal)

    @app.view(CallbackId.CLOSE_EARLY_MODAL)
    def handle_close_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Close now: a kind note to the other, and the private end-of-relationship questions."""
        submission = parse_submission(body)
        user = submission.user_id
        read = _parsed(ack, lambda: _text_of(submission, BlockId.CLOSE_NOTE, CLOSE_NOTE_MAX))
        if read is None:
            return
        cid, note = read
        closed = submitted(
            ack, body, lambda s: svc.close_early(s, cid, user, note, now=deps.clock())
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

    @app.action(ActionId.OPEN_SUNSET)
    def handle_open_sunset(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Open the private keep-the-door-open and rating modal."""
        ack()
        open_checked_modal(client, body, respond, svc.check_can_rate, build_sunset_modal)

    @app.view(CallbackId.SUNSET_MODAL)
    def handle_sunset_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Store the private answer; when both keep the door open, tell both they're on call."""
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

    @app.view(CallbackId.CHOOSE_CONVERSATION_MODAL)
    def handle_choose_conversation(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """With several conversations: the chosen one's agenda or follow-up modal."""
        submission = parse_submission(body)
        user = submission.user_id

        def read_choice() -> tuple[str, int]:
            purpose = choice(submission.metadata, PURPOSES)
            if purpose is None:
                raise Refused(STALE_FORM)
            return purpose, parse_chosen_conversation(submission.form)

        read = _parsed(ack, read_choice)
        if read is None:
            return
        purpose, chosen = read
        try:
            next_view = _draft_modal(deps, purpose, chosen, user)
        except MentorbotError as exc:
            ack(response_action="errors", errors={BlockId.CHOOSE_CONVERSATION: str(exc)})
            return
        ack(response_action="update", view=next_view)
