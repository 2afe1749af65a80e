"""Conversations: the agenda before, "we met" after, the follow-ups and their actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time

from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.conversations import build_agenda_posted, build_followups, build_session_logged
from bot.context import Deps
from bot.effects import Effect, refresh_homes, to_pair, update
from bot.flows.common import pair_channel
from bot.flows.sunset import sunset_prompts
from bot.usecase import Done, run


def followups_key(session_id: int) -> str:
    """The outbox key of a session's follow-ups in the group DM (their Done buttons)."""
    return f"session:{session_id}:followups"


def _logged(
    s: Session, logged: svc.SessionLogged, by: str
) -> tuple[tuple[Effect, ...], tuple[Effect, ...]]:
    """A session logged as held: (the pair told, the sunset when it was the last one)."""
    cid = logged.conversation_id
    channel = pair_channel(s, cid, logged.group_channel_id)
    pair = (logged.mentee_slack_id, logged.mentor_slack_id)
    key = f"conversation:{cid}:session:{logged.session_number}:held"
    told = to_pair(key, pair, build_session_logged(logged, by), channel=channel)
    sunset = sunset_prompts(svc.closed_summary(s, cid)) if logged.sunset else ()
    return told, sunset


def log_session(
    deps: Deps, cid: int, user: str, *, number: int | None, claim: str | None = None
) -> Done[svc.SessionLogged]:
    """ "We met": the session is logged; the pair is asked for the follow-ups."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.SessionLogged, tuple[Effect, ...]]:
        logged = svc.log_session(
            s, cid, user, number=number, now=now, max_sessions=deps.settings.max_sessions
        )
        cause = f"conversation:{cid}:session:{logged.session_number}:held"
        homes = refresh_homes(cause, logged.mentee_slack_id, logged.mentor_slack_id)
        told, sunset = _logged(s, logged, user)
        return logged, (*told, *sunset, *homes)

    return run(deps.open_session, work, now=now, claim=claim)


def post_agenda(
    deps: Deps,
    cid: int,
    user: str,
    questions: Sequence[str],
    *,
    on: date | None,
    at: time | None,
    zone: str | None = None,
    claim: str | None = None,
) -> Done[svc.AgendaView]:
    """The mentee's questions (and date) for the next session, shared with the pair."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.AgendaView, tuple[Effect, ...]]:
        posted = svc.post_agenda(
            s,
            cid,
            user,
            questions,
            on=on,
            at=at,
            now=now,
            max_sessions=deps.settings.max_sessions,
            zone=zone,
        )
        pair = (posted.mentee_slack_id, posted.mentor_slack_id)
        key = f"conversation:{cid}:session:{posted.session_number}:agenda:{now.timestamp():.6f}"
        channel = pair_channel(s, cid, posted.group_channel_id)
        return posted, (
            *to_pair(key, pair, build_agenda_posted(posted), channel=channel),
            *refresh_homes(key, *pair),
        )

    return run(deps.open_session, work, now=now, claim=claim)


def post_followups(
    deps: Deps,
    cid: int,
    user: str,
    number: int,
    outcomes: Mapping[int, str],
    actions: Sequence[svc.ActionDraft],
    *,
    claim: str | None = None,
) -> Done[svc.FollowupsPosted]:
    """The actions and how well each question was answered, shared with Done buttons."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.FollowupsPosted, tuple[Effect, ...]]:
        posted = svc.post_followups(
            s,
            cid,
            user,
            number,
            outcomes,
            actions,
            now=now,
            max_sessions=deps.settings.max_sessions,
        )
        result = posted.view
        pair = (result.mentee_slack_id, result.mentor_slack_id)
        told: tuple[Effect, ...] = ()
        sunset: tuple[Effect, ...] = ()
        if posted.logged is not None:
            told, sunset = _logged(s, posted.logged, user)
            still_active = not posted.logged.sunset
        else:
            still_active = svc.is_active(s, cid)
        channel = pair_channel(s, cid, result.group_channel_id)
        shared = to_pair(
            followups_key(result.session_id),
            pair,
            build_followups(result, active=still_active),
            channel=channel,
        )
        homes = refresh_homes(followups_key(result.session_id), *pair)
        return posted, (*told, *shared, *sunset, *homes)

    return run(deps.open_session, work, now=now, claim=claim)


def mark_action_done(
    deps: Deps, action_id: int, user: str, *, claim: str | None = None
) -> Done[svc.FollowupView]:
    """Tick an action off; the follow-ups message shows it."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.FollowupView, tuple[Effect, ...]]:
        result = svc.mark_action_done(s, action_id, user, now=now)
        active = svc.is_active(s, result.conversation_id)
        message = build_followups(result, active=active)
        key = f"action:{action_id}:done"
        if result.followup_channel and result.followup_ts:  # posted before the outbox
            shown = update(key, message, channel=result.followup_channel, ts=result.followup_ts)
        else:
            shown = update(key, message, target=followups_key(result.session_id))
        homes = refresh_homes(key, result.mentee_slack_id, result.mentor_slack_id)
        return result, (shown, *homes)

    return run(deps.open_session, work, now=now, claim=claim)
