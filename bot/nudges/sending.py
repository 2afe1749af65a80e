"""A check-in's last look before it goes: its reason checked again, its message rendered.

The outbox sender calls ``render_nudge`` for a nudge row just before posting it. The
reason is checked by the same query that planned it, narrowed to its one object: a
nudge whose reason went away (the agenda was posted, the request answered, the action
done, the person muted or gone) comes back as a ``Skip`` and is recorded skipped, never
sent. The message is rendered from the database as it is then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.digest import build_nudge
from bot.blocks.nudges import (
    ActionView,
    MetView,
    PaceView,
    SessionView,
    SilentView,
    WelcomeView,
    build_action_reminder,
    build_agenda_reminder,
    build_followup_reminder,
    build_met_checkin,
    build_pace_checkin,
    build_request_reminder,
    build_silent_checkin,
    build_welcome,
)
from bot.blocks.team import build_checkin_reminder
from bot.config import Settings
from bot.connections import load_progress
from bot.digest import DangerKind, sign_people
from bot.home import next_people
from bot.nudges import planner
from bot.nudges.hours import zone_of
from bot.nudges.kinds import NudgeKind, parse_key
from bot.progress import NEWCOMER
from storage import conversations as conversations_store
from storage import nudges as store
from storage import team as team_store
from storage.db import SessionFactory, unit_of_work
from storage.models import ActionItem, MentoringSession, MetLog, Person
from storage.people import get_by_slack_id


@dataclass(frozen=True)
class Skip:
    """Why a nudge is not sent after all."""

    reason: str


Rendered = dict[str, Any] | Skip
NudgeRenderer = Callable[[str, str], Rendered]

GONE = "its reason went away"


def render_nudge(
    session: Session, key: str, recipient: str, *, settings: Settings, now: datetime
) -> Rendered:
    """The message for nudge ``key`` to ``recipient`` if it is still due at ``now``."""
    parsed = parse_key(key)
    if parsed is None:
        return Skip("not a nudge key")
    people = store.recipients([recipient], session=session)
    person = people.get(recipient)
    if person is None or not person.is_active:
        return Skip("the person is not in the directory any more")
    zone = zone_of(person.tz, settings.default_tz)
    if planner.muted_on(person, now.astimezone(zone).date()):
        return Skip("the person muted check-ins")
    render = _RENDERERS[parsed.kind]
    return render(session, parsed.object_id, recipient, settings, now)


def renderer(
    open_session: SessionFactory, settings: Settings, clock: Callable[[], datetime]
) -> NudgeRenderer:
    """``render_nudge`` in a short read of its own, at the clock's now (for the sender)."""

    def render(key: str, recipient: str) -> Rendered:
        with unit_of_work(open_session) as session:
            return render_nudge(session, key, recipient, settings=settings, now=clock())

    return render


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _welcome(s: Session, _: str, who: str, settings: Settings, now: datetime) -> Rendered:
    person = get_by_slack_id(who, session=s)
    if person is None:
        return Skip(GONE)
    progress = load_progress(s, person, settings=settings, now=now)
    goal = next((g for g in progress.goals if g.kind == NEWCOMER), None)
    if goal is None:
        return build_welcome(WelcomeView(who, None))
    return build_welcome(WelcomeView(who, goal.goal, goal.window.ends_on))


def _session_view(s: Session, sid: int, who: str) -> SessionView | None:
    row = s.get(MentoringSession, sid)
    if row is None:
        return None
    conversation = conversations_store.get(row.conversation_id, session=s)
    if conversation is None:
        return None
    mentor = s.get(Person, conversation.mentor_id)
    mentee = s.get(Person, conversation.mentee_id)
    if mentor is None or mentee is None or mentee.slack_id != who:
        return None
    return SessionView(row.conversation_id, mentor.slack_id, row.scheduled_at, mentee.tz)


def _agenda(s: Session, obj: str, who: str, _: Settings, now: datetime) -> Rendered:
    sid = _int(obj)
    due = sid is not None and store.agenda_due(
        now=now, until=now + planner.AGENDA_AHEAD, session=s, only=sid
    )
    view = _session_view(s, sid, who) if due and sid is not None else None
    return build_agenda_reminder(view) if view else Skip(GONE)


def _followups(s: Session, obj: str, who: str, _: Settings, now: datetime) -> Rendered:
    sid = _int(obj)
    due = sid is not None and store.followups_due(
        held_before=now - planner.FOLLOWUPS_AFTER,
        since=now - planner.FOLLOWUPS_AFTER - planner.STALE - timedelta(days=1),
        session=s,
        only=sid,
    )
    view = _session_view(s, sid, who) if due and sid is not None else None
    return build_followup_reminder(view) if view else Skip(GONE)


def _action(overdue: bool) -> Callable[[Session, str, str, Settings, datetime], Rendered]:
    def render(s: Session, obj: str, who: str, settings: Settings, now: datetime) -> Rendered:
        aid = _int(obj)
        if aid is None:
            return Skip(GONE)
        today = now.date()
        rows = store.open_actions_due(
            first=today - planner.OVERDUE_FOR - timedelta(days=2),
            last=today + timedelta(days=2),
            session=s,
            only=aid,
        )
        if not rows or rows[0][1] != who:
            return Skip(GONE)
        item = s.get(ActionItem, aid)
        row = s.get(MentoringSession, item.session_id) if item else None
        conversation = conversations_store.get(row.conversation_id, session=s) if row else None
        if item is None or conversation is None or item.due_date is None:
            return Skip(GONE)
        mentee = s.get(Person, conversation.mentee_id)
        mentor = s.get(Person, conversation.mentor_id)
        if mentee is None or mentor is None:
            return Skip(GONE)
        other = mentor.slack_id if mentee.slack_id == who else mentee.slack_id
        return build_action_reminder(ActionView(aid, item.text, item.due_date, other, overdue))

    return render


def _request(s: Session, obj: str, who: str, _: Settings, now: datetime) -> Rendered:
    cid = _int(obj)
    rows = (
        store.requests_waiting(
            waiting_since=now - planner.REQUEST_AFTER,
            not_before=now - planner.REQUEST_EXPIRES,
            session=s,
            only=cid,
        )
        if cid is not None
        else []
    )
    if not rows or rows[0][1] != who or cid is None:
        return Skip(GONE)
    conversation = conversations_store.get(cid, session=s)
    if conversation is None:
        return Skip(GONE)
    return build_request_reminder(svc.snapshot(s, conversation))


def _silent(s: Session, obj: str, who: str, _: Settings, now: datetime) -> Rendered:
    cid = _int(obj)
    rows = (
        store.silent_conversations(
            quiet_since=now - planner.SILENT_AFTER, now=now, session=s, only=cid
        )
        if cid is not None
        else []
    )
    if not rows or rows[0][1] != who or cid is None:
        return Skip(GONE)
    conversation = conversations_store.get(cid, session=s)
    mentor = s.get(Person, conversation.mentor_id) if conversation else None
    if mentor is None:
        return Skip(GONE)
    return build_silent_checkin(SilentView(cid, mentor.slack_id, rows[0][2]))


def _pace(s: Session, _: str, who: str, settings: Settings, now: datetime) -> Rendered:
    person = get_by_slack_id(who, session=s)
    if person is None:
        return Skip(GONE)
    progress = load_progress(s, person, settings=settings, now=now)
    goal = next((g for g in progress.goals if g.kind == NEWCOMER), None)
    if goal is None or goal.reached or goal.pace.on_pace:
        return Skip("on pace, or the goal is reached")
    suggestions = next_people(s, person, progress, settings=settings, now=now)
    return build_pace_checkin(PaceView(goal.count, goal.goal, goal.pace.rhythm, suggestions))


def _met(s: Session, obj: str, who: str, _: Settings, now: datetime) -> Rendered:
    mid = _int(obj)
    rows = (
        store.mets_waiting(logged_before=now - planner.MET_AFTER, session=s, only=mid)
        if mid is not None
        else []
    )
    if not rows or rows[0][1] != who or mid is None:
        return Skip(GONE)
    log = s.get(MetLog, mid)
    logger = s.get(Person, log.logger_id) if log else None
    if log is None or logger is None:
        return Skip(GONE)
    return build_met_checkin(MetView(mid, logger.slack_id, log.created_at))


def _team_checkin(s: Session, _: str, who: str, settings: Settings, now: datetime) -> Rendered:
    """Still worth sending: the manager neither stopped nor snoozed it, nor recorded a
    check-in in the meantime, and still has a team."""
    rows = team_store.manager_rows(session=s, managers=[who])
    if not rows:
        return Skip(GONE)
    row = rows[0]
    recent = now - timedelta(days=settings.checkin_days)
    if (
        row.stopped
        or (row.snoozed_until is not None and row.snoozed_until > now)
        or (row.last_checkin_on is not None and row.last_checkin_on > recent.date())
    ):
        return Skip(GONE)
    return build_checkin_reminder(
        row.team_size, min_group=settings.min_group, days=settings.checkin_days
    )


def _coordinator(s: Session, obj: str, who: str, _: Settings, now: datetime) -> Rendered:
    """A coordinator's note: still sent only if the danger sign still holds for ``who``."""
    sign, _dash, number = obj.rpartition("-")
    object_id = _int(number)
    if object_id is None or sign not in {k.value for k in DangerKind}:
        return Skip("not a danger sign")
    found = sign_people(s, DangerKind(sign), object_id)
    if found is None or found[0].slack_id != who or not found[2]:
        return Skip(GONE)
    return build_nudge(DangerKind(sign), found[1].slack_id)


_RENDERERS: dict[NudgeKind, Callable[[Session, str, str, Settings, datetime], Rendered]] = {
    NudgeKind.WELCOME: _welcome,
    NudgeKind.COORDINATOR: _coordinator,
    NudgeKind.AGENDA: _agenda,
    NudgeKind.REQUEST: _request,
    NudgeKind.MET: _met,
    NudgeKind.ACTION_DUE: _action(overdue=False),
    NudgeKind.FOLLOWUPS: _followups,
    NudgeKind.ACTION_OVERDUE: _action(overdue=True),
    NudgeKind.SILENT: _silent,
    NudgeKind.BEHIND_PACE: _pace,
    NudgeKind.TEAM_CHECKIN: _team_checkin,
}
