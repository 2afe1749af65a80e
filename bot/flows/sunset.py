"""The end: the last session or an early close, and each one's private answer."""

from __future__ import annotations

from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.conversations import build_closed_early_note, build_on_call, build_sunset_prompt
from bot.blocks.help import build_notice
from bot.context import Deps
from bot.effects import Effect, PostToChannel, dm, refresh_homes
from bot.flows.common import pair_channel
from bot.usecase import Done, run

THANKS = "Thank you: your answers stay private."


def sunset_prompts(closed: svc.Closed) -> tuple[Effect, ...]:
    """Ask both, privately, whether to keep the door open and how useful it was."""
    cid = closed.conversation_id
    return tuple(
        dm(
            f"conversation:{cid}:sunset:{me}",
            me,
            build_sunset_prompt(cid, other, closed.topic),
        )
        for me, other in (
            (closed.mentee_slack_id, closed.mentor_slack_id),
            (closed.mentor_slack_id, closed.mentee_slack_id),
        )
    )


def close_early(
    deps: Deps, cid: int, user: str, note: str, *, claim: str | None = None
) -> Done[svc.Closed]:
    """Close now: a kind note to the other, a line in the group DM, and the sunset."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.Closed, tuple[Effect, ...]]:
        closed = svc.close_early(s, cid, user, note, now=now)
        other = closed.mentor_slack_id if user == closed.mentee_slack_id else closed.mentee_slack_id
        effects: list[Effect] = [
            dm(
                f"conversation:{cid}:closed:note",
                other,
                build_closed_early_note(closed, for_slack_id=other),
            )
        ]
        channel = pair_channel(s, cid, closed.group_channel_id)
        if channel:
            line = build_notice(f"<@{user}> closed this mentoring conversation. Thank you both.")
            effects.append(
                PostToChannel(
                    key=f"conversation:{cid}:closed:pair",
                    channel=channel,
                    text=line["text"],
                    blocks=tuple(line.get("blocks") or ()),
                )
            )
        effects += sunset_prompts(closed)
        effects += refresh_homes(
            f"conversation:{cid}:closed", closed.mentee_slack_id, closed.mentor_slack_id
        )
        return closed, tuple(effects)

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
