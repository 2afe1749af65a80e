"""The end: after the last session or wrapped up sooner, and each one's private answer."""

from __future__ import annotations

from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.conversations import build_ending, build_on_call
from bot.blocks.help import build_notice
from bot.context import Deps
from bot.effects import Effect, dm, refresh_homes
from bot.flows.card import show_card
from bot.usecase import Done, run

THANKS = "Thank you: your answers stay private."


def ending_key(conversation_id: int, slack_id: str) -> str:
    """The outbox key of the one message each of the pair gets when their mentoring ends
    (the key its private questions have always had, so none is ever asked twice)."""
    return f"conversation:{conversation_id}:sunset:{slack_id}"


def ending(closed: svc.Closed) -> tuple[Effect, ...]:
    """One message to each of the pair: how it ended, thanks, and the private questions
    (keep the door open? how useful was it?). Their card says it ended, in place."""
    cid = closed.conversation_id
    return tuple(
        dm(ending_key(cid, me), me, build_ending(closed, for_slack_id=me))
        for me in dict.fromkeys((closed.mentee_slack_id, closed.mentor_slack_id))
    )


def wrap_up(
    deps: Deps, cid: int, user: str, note: str, *, claim: str | None = None
) -> Done[svc.Closed]:
    """Either of the pair ends it now: their card says so, and each gets one message."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.Closed, tuple[Effect, ...]]:
        closed = svc.wrap_up(s, cid, user, note, now=now)
        card = show_card(s, cid, max_sessions=deps.settings.max_sessions, event="ended")
        homes = refresh_homes(
            f"conversation:{cid}:closed", closed.mentee_slack_id, closed.mentor_slack_id
        )
        return closed, (*card, *ending(closed), *homes)

    return run(deps.open_session, work, now=now, claim=claim)


def rate(
    deps: Deps,
    cid: int,
    user: str,
    *,
    keep_open: bool,
    usefulness: int,
    comment: str,
    claim: str | None = None,
) -> Done[svc.RatingSaved]:
    """One's private answer; when both keep the door open, both hear they're on call."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.RatingSaved, tuple[Effect, ...]]:
        saved = svc.record_rating(
            s, cid, user, keep_open=keep_open, usefulness=usefulness, comment=comment, now=now
        )
        effects: list[Effect] = [dm(f"conversation:{cid}:rated:{user}", user, build_notice(THANKS))]
        if saved.on_call:
            for me, other in (
                (saved.mentee_slack_id, saved.mentor_slack_id),
                (saved.mentor_slack_id, saved.mentee_slack_id),
            ):
                effects.append(dm(f"conversation:{cid}:on-call:{me}", me, build_on_call(other)))
        effects += refresh_homes(
            f"conversation:{cid}:rated:{user}", saved.mentee_slack_id, saved.mentor_slack_id
        )
        return saved, tuple(effects)

    return run(deps.open_session, work, now=now, claim=claim)
