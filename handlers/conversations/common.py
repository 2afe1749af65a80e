"""What the conversation listeners share: one use case per session, posting, guards."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from slack_bolt import Ack, Respond
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
    require_id,
)
from bot.blocks.requests import (
    build_problem_view,
)
from bot.context import Deps
from bot.errors import MentorbotError
from handlers.command_context import expired_trigger
from handlers.dm import send_dm, tell_clicker
from handlers.home import refresh_home
from storage.db import unit_of_work

logger = logging.getLogger(__name__)
T = TypeVar("T")


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


def _field_errors(
    exc: svc.FieldErrors, mapping: Mapping[str, str], fallback: str
) -> dict[str, str]:
    return {mapping.get(name, fallback): message for name, message in exc.errors.items()}


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
    deps: Deps,
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


def submitted(
    deps: Deps,
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
