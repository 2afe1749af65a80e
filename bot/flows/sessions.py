"""Conversations: the agenda before, "we met" after, the follow-ups and their actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time

from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.conversations import build_agenda_posted, build_followups, build_session_logged
from bot.context import Deps
from bot.effects import Effect, refresh_homes, to_pair, update
from bot.flows.card import show_card
from bot.flows.common import pair_channel
from bot.flows.sunset import ending
from bot.usecase import Done, run


def followups_key(session_id: int) -> str:
    """The outbox key of a session's follow-ups in the group DM (ticked in place)."""
    return f"session:{session_id}:followups"


def _logged(s: Session, logged: svc.SessionLogged, by: str) -> tuple[Effect, ...]:
    """A session logged as held: the pair told in words (unless its follow-ups, posted at
    the same time, say it), and, when it was the last one, the ending instead."""
    cid = logged.conversation_id
    if logged.sunset:
        return ending(svc.closed_summary(s, cid))
    if logged.already_followed_up:
        return ()
    channel = pair_channel(s, cid, logged.group_channel_id)
    pair = (logged.mentee_slack_id, logged.mentor_slack_id)
    key = f"conversation:{cid}:session:{logged.session_number}:held"
    return to_pair(key, pair, build_session_logged(logged, by), channel=channel)


def log_session(
    deps: Deps, cid: int, user: str, *, number: int | None, claim: str | None = None
) -> Done[svc.SessionLogged]:
    """ "We met": the session is logged; the card asks for the follow-ups (or, after the
    last one, the ending)."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.SessionLogged, tuple[Effect, ...]]:
        max_sessions = deps.settings.max_sessions
        logged = svc.log_session(s, cid, user, number=number, now=now, max_sessions=max_sessions)
        cause = f"conversation:{cid}:session:{logged.session_number}:held"
        homes = refresh_homes(cause, logged.mentee_slack_id, logged.mentor_slack_id)
        card = show_card(
            s, cid, max_sessions=max_sessions, event=f"session:{logged.session_number}:held"
        )
        return logged, (*card, *_logged(s, logged, user), *homes)

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
        stamp = f"{now.timestamp():.6f}"
        key = f"conversation:{cid}:session:{posted.session_number}:agenda:{stamp}"
        channel = pair_channel(s, cid, posted.group_channel_id)
        card = show_card(
            s,
            cid,
            max_sessions=deps.settings.max_sessions,
            event=f"session:{posted.session_number}:agenda:{stamp}",
        )
        return posted, (
            *card,
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
    """The actions and how well each question was answered, shared with the pair; the card
    moves on to the next conversation or wrapping up (or, after the last one, the ending)."""
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
        ended = _logged(s, posted.logged, user) if posted.logged is not None else ()
        channel = pair_channel(s, cid, result.group_channel_id)
        shared = to_pair(
            followups_key(result.session_id),
            pair,
            build_followups(result, active=svc.is_active(s, cid)),
            channel=channel,
        )
        card = show_card(
            s,
            cid,
            max_sessions=deps.settings.max_sessions,
            event=f"followups:{result.session_id}",
        )
        homes = refresh_homes(followups_key(result.session_id), *pair)
        return posted, (*card, *shared, *ended, *homes)

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
