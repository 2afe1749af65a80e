"""A check-in's last look before it goes: its reason checked again, its message rendered.

The outbox sender calls ``render_nudges`` for a few nudge rows of its claimed batch just
before their turn to be posted (``handlers.deliver``: a few seconds ahead at Slack's
pace). Each reason is checked again by the same query that planned it, narrowed to
those nudges' objects (one query per kind for the few, not a few per nudge): a nudge
whose reason went away (the agenda was posted, the request answered, the action done,
the person muted or gone) comes back as a ``Skip`` and is recorded skipped, never sent;
the others of the same batch are not affected. Messages are rendered from the database
as it is then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
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
from storage import nudges as store
from storage import team as team_store
from storage.db import SessionFactory, unit_of_work
from storage.people import get_by_slack_id, get_many


@dataclass(frozen=True)
class Skip:
    """Why a nudge is not sent after all."""

    reason: str


Rendered = dict[str, Any] | Skip
# (key, recipient) of a few nudge rows → what to post for each, or why not.
NudgeRenderer = Callable[[Sequence[tuple[str, str]]], Mapping[str, Rendered]]
Item = tuple[str, str, str]  # (key, object named by the key, recipient)
KindRenderer = Callable[[Session, Sequence[Item], Settings, datetime], dict[str, Rendered]]

GONE = "its reason went away"


def render_nudges(
    session: Session, nudges: Sequence[tuple[str, str]], *, settings: Settings, now: datetime
) -> dict[str, Rendered]:
    """The message for each nudge (key, recipient) still due at ``now``, else a Skip."""
    rendered: dict[str, Rendered] = {}
    people = store.recipients([recipient for _, recipient in nudges], session=session)
    by_kind: dict[NudgeKind, list[Item]] = defaultdict(list)
    for key, recipient in nudges:
        parsed = parse_key(key)
        person = people.get(recipient)
        if parsed is None:
            rendered[key] = Skip("not a nudge key")
        elif person is None or not person.is_active:
            rendered[key] = Skip("the person is not in the directory any more")
        elif planner.muted_on(
            person, now.astimezone(zone_of(person.tz, settings.default_tz)).date()
        ):
            rendered[key] = Skip("the person muted check-ins")
        else:
            by_kind[parsed.kind].append((key, parsed.object_id, recipient))
    for kind, items in by_kind.items():
        rendered.update(_RENDERERS[kind](session, items, settings, now))
    return rendered


def render_nudge(
    session: Session, key: str, recipient: str, *, settings: Settings, now: datetime
) -> Rendered:
    """The message for nudge ``key`` to ``recipient`` if it is still due at ``now``."""
    return render_nudges(session, [(key, recipient)], settings=settings, now=now)[key]


def renderer(
    open_session: SessionFactory, settings: Settings, clock: Callable[[], datetime]
) -> NudgeRenderer:
    """``render_nudges`` in a short read of its own, at the clock's now (for the sender)."""

    def render(nudges: Sequence[tuple[str, str]]) -> Mapping[str, Rendered]:
        with unit_of_work(open_session) as session:
            return render_nudges(session, nudges, settings=settings, now=clock())

    return render


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _ids(items: Sequence[Item]) -> list[int]:
    return sorted({n for _, obj, _ in items if (n := _int(obj)) is not None})


def _one_by_one(
    render: Callable[[Session, str, str, Settings, datetime], Rendered],
) -> KindRenderer:
    """A kind rare enough (or rich enough) to be checked and rendered one nudge at a time."""

    def render_all(
        s: Session, items: Sequence[Item], settings: Settings, now: datetime
    ) -> dict[str, Rendered]:
        return {key: render(s, obj, who, settings, now) for key, obj, who in items}

    return render_all


def _welcome(s: Session, _: str, who: str, settings: Settings, now: datetime) -> Rendered:
    person = get_by_slack_id(who, session=s)
    if person is None:
        return Skip(GONE)
    progress = load_progress(s, person, settings=settings, now=now)
    goal = next((g for g in progress.goals if g.kind == NEWCOMER), None)
    if goal is None:
        return build_welcome(WelcomeView(who, None))
    return build_welcome(WelcomeView(who, goal.goal, goal.window.ends_on))


def _sessions(
    due: Callable[[Session, list[int], datetime], list[tuple[int, str]]],
    build: Callable[[SessionView], dict[str, Any]],
) -> KindRenderer:
    """A reminder about a session (agenda, follow-ups): still due, to its mentee."""

    def render(
        s: Session, items: Sequence[Item], _: Settings, now: datetime
    ) -> dict[str, Rendered]:
        ids = _ids(items)
        still = {sid for sid, _ in due(s, ids, now)} if ids else set()
        views = store.session_views(still, session=s)
        rendered: dict[str, Rendered] = {}
        for key, obj, who in items:
            row = views.get(_int(obj) or 0)
            if row is None or row.mentee != who:
                rendered[key] = Skip(GONE)
                continue
            view = SessionView(row.conversation_id, row.mentor, row.scheduled_at, row.mentee_tz)
            rendered[key] = build(view)
        return rendered

    return render


def _agenda_due(s: Session, ids: list[int], now: datetime) -> list[tuple[int, str]]:
    return store.agenda_due(now=now, until=now + planner.AGENDA_AHEAD, session=s, only=ids)


def _followups_due(s: Session, ids: list[int], now: datetime) -> list[tuple[int, str]]:
    return store.followups_due(
        held_before=now - planner.FOLLOWUPS_AFTER,
        since=now - planner.FOLLOWUPS_AFTER - planner.STALE - timedelta(days=1),
        session=s,
        only=ids,
    )


def _action(overdue: bool) -> KindRenderer:
    def render(
        s: Session, items: Sequence[Item], _: Settings, now: datetime
    ) -> dict[str, Rendered]:
        ids = _ids(items)
        today = now.date()
        owners = (
            {
                aid: owner
                for aid, owner, _ in store.open_actions_due(
                    first=today - planner.OVERDUE_FOR - timedelta(days=2),
                    last=today + timedelta(days=2),
                    session=s,
                    only=ids,
                )
            }
            if ids
            else {}
        )
        views = store.action_views(list(owners), session=s)
        rendered: dict[str, Rendered] = {}
        for key, obj, who in items:
            aid = _int(obj)
            item = views.get(aid) if aid is not None and owners.get(aid) == who else None
            if aid is None or item is None or item.due_date is None:
                rendered[key] = Skip(GONE)
                continue
            other = item.mentor if item.mentee == who else item.mentee
            view = ActionView(aid, item.text, item.due_date, other, overdue)
            rendered[key] = build_action_reminder(view)
        return rendered

    return render


def _request(s: Session, items: Sequence[Item], _: Settings, now: datetime) -> dict[str, Rendered]:
    ids = _ids(items)
    mentors = dict(
        store.requests_waiting(
            waiting_since=now - planner.REQUEST_AFTER,
            not_before=now - planner.REQUEST_EXPIRES,
            session=s,
            only=ids,
        )
        if ids
        else []
    )
    found = store.conversations_of([c for c, who in mentors.items()], session=s)
    slack = store.slack_ids_of(
        (
            pid
            for c in found.values()
            for pid in (c.mentee_id, c.mentor_id, c.passed_from_id)
            if pid is not None
        ),
        session=s,
    )
    rendered: dict[str, Rendered] = {}
    for key, obj, who in items:
        cid = _int(obj)
        conversation = found.get(cid) if cid is not None and mentors.get(cid) == who else None
        if conversation is None:
            rendered[key] = Skip(GONE)
            continue
        snapshot = svc.snapshot(s, conversation, slack=lambda pid: slack.get(pid or 0, "USLACKBOT"))
        rendered[key] = build_request_reminder(snapshot)
    return rendered


def _silent(s: Session, items: Sequence[Item], _: Settings, now: datetime) -> dict[str, Rendered]:
    ids = _ids(items)
    rows = (
        store.silent_conversations(
            quiet_since=now - planner.SILENT_AFTER, now=now, session=s, only=ids
        )
        if ids
        else []
    )
    silent = {cid: (slack, last) for cid, slack, last in rows}
    mentors = store.conversation_mentors(list(silent), session=s)
    rendered: dict[str, Rendered] = {}
    for key, obj, who in items:
        cid = _int(obj)
        found = silent.get(cid) if cid is not None else None
        mentor = mentors.get(cid) if cid is not None else None
        if cid is None or found is None or found[0] != who or mentor is None:
            rendered[key] = Skip(GONE)
            continue
        rendered[key] = build_silent_checkin(SilentView(cid, mentor, found[1]))
    return rendered


def _pace(
    s: Session, items: Sequence[Item], settings: Settings, now: datetime
) -> dict[str, Rendered]:
    """Rich and personal (progress, three suggested people): one person at a time, after
    one query for all the people of the batch."""
    people = get_many([who for _, _, who in items], session=s)
    rendered: dict[str, Rendered] = {}
    for key, _, who in items:
        person = people.get(who)
        if person is None:
            rendered[key] = Skip(GONE)
            continue
        progress = load_progress(s, person, settings=settings, now=now)
        goal = next((g for g in progress.goals if g.kind == NEWCOMER), None)
        if goal is None or goal.reached or goal.pace.on_pace:
            rendered[key] = Skip("on pace, or the goal is reached")
            continue
        suggestions = next_people(s, person, progress, settings=settings, now=now)
        view = PaceView(goal.count, goal.goal, goal.pace.rhythm, suggestions)
        rendered[key] = build_pace_checkin(view)
    return rendered


def _met(s: Session, items: Sequence[Item], _: Settings, now: datetime) -> dict[str, Rendered]:
    ids = _ids(items)
    waiting = dict(
        store.mets_waiting(logged_before=now - planner.MET_AFTER, session=s, only=ids)
        if ids
        else []
    )
    logs = store.met_views(list(waiting), session=s)
    rendered: dict[str, Rendered] = {}
    for key, obj, who in items:
        mid = _int(obj)
        log = logs.get(mid) if mid is not None and waiting.get(mid) == who else None
        if mid is None or log is None:
            rendered[key] = Skip(GONE)
            continue
        rendered[key] = build_met_checkin(MetView(mid, log[0], log[1]))
    return rendered


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


_RENDERERS: dict[NudgeKind, KindRenderer] = {
    NudgeKind.WELCOME: _one_by_one(_welcome),
    NudgeKind.COORDINATOR: _one_by_one(_coordinator),
    NudgeKind.AGENDA: _sessions(_agenda_due, build_agenda_reminder),
    NudgeKind.REQUEST: _request,
    NudgeKind.MET: _met,
    NudgeKind.ACTION_DUE: _action(overdue=False),
    NudgeKind.FOLLOWUPS: _sessions(_followups_due, build_followup_reminder),
    NudgeKind.ACTION_OVERDUE: _action(overdue=True),
    NudgeKind.SILENT: _silent,
    NudgeKind.BEHIND_PACE: _pace,
    NudgeKind.TEAM_CHECKIN: _one_by_one(_team_checkin),
}
