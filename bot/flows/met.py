"""`/mentor met`: a meeting logged by one, confirmed (or not) by the other.

The confirmation request is a DM keyed ``met:{id}:confirm``: the lapse job updates it
through that key. If Slack refuses it for good, the logger is told nothing was logged,
and the log is withdrawn when either of them next logs the other (``log_met``'s
``unsent``), so it never blocks them.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.blocks.connections import (
    build_met_answered_for_logger,
    build_met_confirmation_request,
)
from bot.blocks.help import build_notice
from bot.connections import MetAnswer, MetRequest, answer_met, log_met
from bot.context import Deps
from bot.effects import Effect, dm, refresh_homes
from bot.usecase import Done, run
from storage.models import MetStatus
from storage.outbox import state_of

MET_NOT_SENT = (
    "I couldn't reach <@{other}> just now, so nothing was logged. Please try again in a minute."
)
NEVER_SENT = ("failed", "skipped")


def confirm_key(met_id: int) -> str:
    """The outbox key of a logged meeting's confirmation request to the other person."""
    return f"met:{met_id}:confirm"


def log(deps: Deps, logger: str, other: str, note: str, *, other_is_bot: bool) -> Done[MetRequest]:
    """Log the meeting and ask the other person to confirm it, by DM."""
    now = deps.clock()

    def work(s: Session) -> tuple[MetRequest, tuple[Effect, ...]]:
        def unsent(met_id: int) -> bool:
            state = state_of(confirm_key(met_id), session=s)
            return state is not None and state[0] in NEVER_SENT

        request = log_met(s, logger, other, note, now=now, other_is_bot=other_is_bot, unsent=unsent)
        met = request.met_id
        not_sent = dm(
            f"met:{met}:not-sent",
            request.logger_slack_id,
            build_notice(MET_NOT_SENT.format(other=request.other_slack_id)),
        )
        ask = dm(
            confirm_key(met),
            request.other_slack_id,
            build_met_confirmation_request(request),
            otherwise=(not_sent,),
        )
        homes = refresh_homes(f"met:{met}:logged", request.other_slack_id, request.logger_slack_id)
        return request, (ask, *homes)

    return run(deps.open_session, work, now=now)


def answer(deps: Deps, met_id: int, user: str, *, confirm: bool) -> Done[MetAnswer]:
    """The other person's Confirm or Not me: the logger is told, both Homes refreshed.
    A click after the lapse only lapses it (the clicker is answered in place)."""
    now = deps.clock()

    def work(s: Session) -> tuple[MetAnswer, tuple[Effect, ...]]:
        result = answer_met(s, met_id, user, confirm=confirm, now=now)
        if result.status == MetStatus.LAPSED:
            return result, ()
        event = f"met:{met_id}:answered"
        told = dm(event, result.logger_slack_id, build_met_answered_for_logger(result))
        return result, (told, *refresh_homes(event, result.other_slack_id, result.logger_slack_id))

    return run(deps.open_session, work, now=now)
