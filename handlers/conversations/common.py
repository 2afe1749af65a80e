"""What the conversation listeners share: reading a form, guarding a click, a submission.

A listener parses at the edge, calls one use case (``bot.flows``), answers the person
(ack, field errors, the next view, an ephemeral note) and hands what the use case wrote
to the outbox to ``handlers.deliver``. No listener posts, updates or publishes itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import conversations as svc
from bot import replays
from bot.blocks.help import MODAL_EXPIRED, build_notice
from bot.blocks.payload import (
    STALE_FORM,
    Refused,
    Submission,
    parse_click,
    parse_submission,
    require_id,
)
from bot.blocks.requests import build_problem_view
from bot.context import Deps
from bot.errors import MentorbotError, told
from bot.flows import card
from bot.usecase import Done, read
from handlers.command_context import deps_of, expired_trigger
from handlers.deliver import deliver
from handlers.dm import tell_clicker

logger = logging.getLogger(__name__)
T = TypeVar("T")


def _tell(context: BoltContext, body: dict[str, Any], respond: Respond, text: str) -> None:
    tell_clicker(context, body, respond, build_notice(text))


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


def _field_errors(
    exc: svc.FieldErrors, mapping: Mapping[str, str], fallback: str
) -> dict[str, str]:
    return {mapping.get(name, fallback): message for name, message in exc.errors.items()}


def _refusal(context: BoltContext, exc: MentorbotError, user: str) -> str:
    """What to tell someone whose action was refused: why and, when their click or form
    was about a step that is past, what to do now (only to one of the pair)."""
    deps = deps_of(context)
    text = told(exc, deps.settings.coordinators)
    if isinstance(exc, svc.StaleAction) and exc.conversation_id is not None and user:
        now = card.now_line(deps, exc.conversation_id, user)
        if now:
            text = f"{text}\n{now}"
    return text


def guarded(
    context: BoltContext, body: dict[str, Any], respond: Respond, fn: Callable[[], None]
) -> None:
    """Run a click's work; what it refuses (stale, someone else's, busy) is told kindly,
    a stale step with what to do now."""
    try:
        fn()
    except MentorbotError as exc:
        _tell(context, body, respond, _refusal(context, exc, parse_click(body).user_id))
    except SlackApiError as exc:
        if not expired_trigger(exc):
            raise
        logger.warning("A modal did not open in time")
        _tell(context, body, respond, MODAL_EXPIRED)


def clicked(
    context: BoltContext,
    body: dict[str, Any],
    respond: Respond,
    use_case: Callable[[], Done[Any]],
) -> None:
    """A click that changes state: one use case, then its messages delivered."""

    def run() -> None:
        deliver(context, use_case())

    guarded(context, body, respond, run)


def open_checked_modal(
    context: BoltContext,
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
    deps = deps_of(context)
    click = parse_click(body)

    def run() -> None:
        cid = require_id(click.value)
        checked = read(deps.open_session, lambda s: check(s, cid, click.user_id))
        client.views_open(trigger_id=click.trigger_id, view=build(cid, checked))

    guarded(context, body, respond, run)


def submitted(
    context: BoltContext,
    ack: Ack,
    body: dict[str, Any],
    use_case: Callable[[str | None], Done[T]],
    *,
    fields: Mapping[str, str] | None = None,
    fallback: str = "",
    refused: str = "Nothing changed",
) -> T | None:
    """Run a modal's use case, ack, then deliver what it wrote; None when nothing was done.

    ``use_case`` gets the submission's delivery key to claim in its transaction: a
    replay of a submission already saved is answered as the first was (the modal closes)
    and does nothing. With ``fields`` (field name → block ID, ``fallback`` for the rest),
    bad input goes back onto the modal's fields; any other refusal (a busy database too)
    replaces the modal with why. The ack never waits for Slack: only for the one
    transaction.
    """
    try:
        done = use_case(replays.submission_key(body))
    except replays.AlreadyHandled:
        logger.info("Skipped a repeated modal submission")
        ack()
        return None
    except MentorbotError as exc:
        if fields is not None and isinstance(exc, svc.FieldErrors):
            ack(response_action="errors", errors=_field_errors(exc, fields, fallback))
        else:
            why = _refusal(context, exc, parse_submission(body).user_id)
            ack(response_action="update", view=build_problem_view(refused, why))
        return None
    ack()
    deliver(context, done)
    return done.value


class TextUseCase(Protocol):
    """A use case taking one text a person typed about one conversation."""

    def __call__(
        self, deps: Deps, cid: int, user: str, text: str, /, *, claim: str | None = None
    ) -> Done[Any]: ...


def text_submitted(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    field: tuple[str, int],
    use_case: TextUseCase,
    *,
    fields: Mapping[str, str] | None = None,
) -> None:
    """A one-field modal (``field``: its block ID and longest text) about the conversation
    in its metadata: read it, run ``use_case`` on what was typed, answer, deliver."""
    deps = deps_of(context)
    submission = parse_submission(body)
    block_id, max_length = field
    parsed = _parsed(ack, lambda: _text_of(submission, block_id, max_length))
    if parsed is None:
        return
    cid, text = parsed
    submitted(
        context,
        ack,
        body,
        lambda key: use_case(deps, cid, submission.user_id, text, claim=key),
        fields=fields,
        fallback=block_id,
    )
