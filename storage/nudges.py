"""Queries for the nudge planner: what each check-in is about, set-based, and its ledger.

Every ``*_due`` query reads the rows one kind of check-in is about, for active people
only, in one statement (the planner's cost does not grow with the number of people it
does not nudge); ``only`` narrows it to one object, which is how a nudge's reason is
checked again just before it is sent: by the very definition that planned it, for a
few nudges at once (``only``: their objects), and the ``*_views`` read what their messages
show, a query per kind for a batch of nudges rather than a few per nudge.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from storage.insert_once import insert_once
from storage.models import (
    ActionItem,
    ActionOwner,
    Connection,
    Conversation,
    ConversationStatus,
    MentoringSession,
    MetLog,
    MetStatus,
    Person,
    PlannedNudge,
)

CHUNK = 500  # values in one IN (…)
# Made once: a fresh alias per call would defeat SQLAlchemy's statement cache.
_MENTEE = aliased(Person, name="mentee")
_MENTOR = aliased(Person, name="mentor")
_OTHER = aliased(Person, name="other")


@dataclass(frozen=True)
class Recipient:
    """What the planner needs of a person to nudge them."""

    slack_id: str
    tz: str | None
    is_active: bool
    muted: bool
    muted_until: date | None


def _active(person: Any) -> Any:
    return col(person.is_active).is_(True)


def agenda_due(
    *, now: datetime, until: datetime, session: Session, only: Collection[int] | None = None
) -> list[tuple[int, str]]:
    """(session id, mentee) of sessions scheduled in (now, until] with no agenda yet, in
    an active conversation."""
    mentee = _MENTEE
    statement = (
        select(col(MentoringSession.id), col(mentee.slack_id))
        .join(Conversation, col(Conversation.id) == col(MentoringSession.conversation_id))
        .join(mentee, col(mentee.id) == col(Conversation.mentee_id))
        .where(
            col(MentoringSession.scheduled_at) > now,
            col(MentoringSession.scheduled_at) <= until,
            col(MentoringSession.agenda_posted_at).is_(None),
            col(MentoringSession.held_at).is_(None),
            col(Conversation.status) == ConversationStatus.ACTIVE.value,
            _active(mentee),
        )
    )
    if only is not None:
        statement = statement.where(col(MentoringSession.id).in_(only))
    return [(int(sid), str(slack)) for sid, slack in session.execute(statement).all()]


def followups_due(
    *, held_before: datetime, since: datetime, session: Session, only: Collection[int] | None = None
) -> list[tuple[int, str]]:
    """(session id, mentee) of sessions held (or scheduled, in an active conversation) in
    [since, held_before) whose follow-ups are not posted."""
    mentee = _MENTEE
    held = and_(
        col(MentoringSession.held_at).is_not(None),
        col(MentoringSession.held_at) < held_before,
        col(MentoringSession.held_at) >= since,
    )
    scheduled = and_(
        col(MentoringSession.held_at).is_(None),
        col(MentoringSession.scheduled_at) < held_before,
        col(MentoringSession.scheduled_at) >= since,
        col(Conversation.status) == ConversationStatus.ACTIVE.value,
    )
    statement = (
        select(col(MentoringSession.id), col(mentee.slack_id))
        .join(Conversation, col(Conversation.id) == col(MentoringSession.conversation_id))
        .join(mentee, col(mentee.id) == col(Conversation.mentee_id))
        .where(
            col(MentoringSession.followups_posted_at).is_(None),
            or_(held, scheduled),
            _active(mentee),
        )
    )
    if only is not None:
        statement = statement.where(col(MentoringSession.id).in_(only))
    return [(int(sid), str(slack)) for sid, slack in session.execute(statement).all()]


def open_actions_due(
    *, first: date, last: date, session: Session, only: Collection[int] | None = None
) -> list[tuple[int, str, date]]:
    """(action id, its owner, due date) of open actions due in [first, last]."""
    mentee, mentor = _MENTEE, _MENTOR
    statement = (
        select(
            col(ActionItem.id),
            col(ActionItem.owner),
            col(ActionItem.due_date),
            col(mentee.slack_id),
            col(mentor.slack_id),
        )
        .join(MentoringSession, col(MentoringSession.id) == col(ActionItem.session_id))
        .join(Conversation, col(Conversation.id) == col(MentoringSession.conversation_id))
        .join(mentee, col(mentee.id) == col(Conversation.mentee_id))
        .join(mentor, col(mentor.id) == col(Conversation.mentor_id))
        .where(
            col(ActionItem.done_at).is_(None),
            col(ActionItem.due_date) >= first,
            col(ActionItem.due_date) <= last,
        )
    )
    if only is not None:
        statement = statement.where(col(ActionItem.id).in_(only))
    rows = session.execute(statement).all()
    owners = {
        aid: (mentor_id if owner == ActionOwner.MENTOR.value else mentee_id)
        for aid, owner, _, mentee_id, mentor_id in rows
    }
    active = _active_ids(owners.values(), session=session)
    return [
        (int(aid), owners[aid], due)
        for aid, _, due, _, _ in rows
        if owners[aid] in active and due is not None
    ]


def requests_waiting(
    *,
    waiting_since: datetime,
    not_before: datetime,
    session: Session,
    only: Collection[int] | None = None,
) -> list[tuple[int, str]]:
    """(conversation id, mentor) of requests waiting for their mentor since a moment in
    [not_before, waiting_since] (from the request, or from its passing on)."""
    mentor = _MENTOR
    since = func.coalesce(col(Conversation.passed_at), col(Conversation.created_at))
    statement = (
        select(col(Conversation.id), col(mentor.slack_id))
        .join(mentor, col(mentor.id) == col(Conversation.mentor_id))
        .where(
            col(Conversation.status) == ConversationStatus.REQUESTED.value,
            since <= waiting_since,
            since > not_before,
            _active(mentor),
        )
    )
    if only is not None:
        statement = statement.where(col(Conversation.id).in_(only))
    return [(int(cid), str(slack)) for cid, slack in session.execute(statement).all()]


def silent_conversations(
    *, quiet_since: datetime, now: datetime, session: Session, only: Collection[int] | None = None
) -> list[tuple[int, str, datetime]]:
    """(conversation id, mentee, last sign of life) of active conversations where nothing
    happened since ``quiet_since`` and no session is planned after ``now``."""
    mentee = _MENTEE
    statement = (
        select(
            col(Conversation.id),
            col(mentee.slack_id),
            col(Conversation.accepted_at),
            col(Conversation.status_changed_at),
            func.max(MentoringSession.created_at),
            func.max(MentoringSession.agenda_posted_at),
            func.max(MentoringSession.held_at),
            func.max(MentoringSession.followups_posted_at),
            func.max(MentoringSession.scheduled_at),
        )
        .join(mentee, col(mentee.id) == col(Conversation.mentee_id))
        .outerjoin(MentoringSession, col(MentoringSession.conversation_id) == col(Conversation.id))
        .where(
            col(Conversation.status) == ConversationStatus.ACTIVE.value,
            col(Conversation.status_changed_at) <= quiet_since,
            _active(mentee),
        )
        .group_by(col(Conversation.id), col(mentee.slack_id))
    )
    if only is not None:
        statement = statement.where(col(Conversation.id).in_(only))
    found = []
    for cid, slack, *moments in session.execute(statement).all():
        scheduled = _aware(moments[-1])
        if scheduled is not None and scheduled > now:
            continue  # a conversation is planned: not silent
        last = max(m for m in (_aware(x) for x in moments) if m is not None)
        if last <= quiet_since:
            found.append((int(cid), str(slack), last))
    return found


def newcomer_counts(
    *, started_after: date, today: date, session: Session, only: str | None = None
) -> list[tuple[str, date, int]]:
    """(person, start date, people connected with since it) of active people whose start
    date is in (started_after, today]."""
    statement = (
        select(
            col(Person.slack_id),
            col(Person.start_date),
            func.count(func.distinct(Connection.other_id)),
        )
        .outerjoin(
            Connection,
            and_(
                col(Connection.person_id) == col(Person.id),
                col(Connection.made_at) >= col(Person.start_date),
            ),
        )
        .where(
            col(Person.start_date) > started_after,
            col(Person.start_date) <= today,
            _active(Person),
        )
        .group_by(col(Person.id), col(Person.slack_id), col(Person.start_date))
    )
    if only is not None:
        statement = statement.where(col(Person.slack_id) == only)
    return [
        (str(slack), start, int(n)) for slack, start, n in session.execute(statement).all() if start
    ]


def mets_waiting(
    *, logged_before: datetime, session: Session, only: Collection[int] | None = None
) -> list[tuple[int, str]]:
    """(met log id, the person asked to confirm) of logged meetings pending since before
    ``logged_before``."""
    other = _OTHER
    statement = (
        select(col(MetLog.id), col(other.slack_id))
        .join(other, col(other.id) == col(MetLog.other_id))
        .where(
            col(MetLog.status) == MetStatus.PENDING.value,
            col(MetLog.created_at) <= logged_before,
            _active(other),
        )
    )
    if only is not None:
        statement = statement.where(col(MetLog.id).in_(only))
    return [(int(mid), str(slack)) for mid, slack in session.execute(statement).all()]


def new_people(
    *, since: datetime, session: Session, only: str | None = None
) -> list[tuple[str, date | None, datetime]]:
    """(person, start date, when they appeared) of active people who appeared after ``since``."""
    statement = select(col(Person.slack_id), col(Person.start_date), col(Person.created_at)).where(
        col(Person.created_at) > since, _active(Person)
    )
    if only is not None:
        statement = statement.where(col(Person.slack_id) == only)
    return [(str(s), start, created) for s, start, created in session.execute(statement).all()]


@dataclass(frozen=True)
class SessionRow:
    """What an agenda or follow-up reminder shows of its session."""

    conversation_id: int
    scheduled_at: datetime | None
    mentee: str
    mentee_tz: str | None
    mentor: str


def session_views(ids: Collection[int], *, session: Session) -> dict[int, SessionRow]:
    """Sessions ``ids`` with their conversation's mentee and mentor."""
    if not ids:
        return {}
    mentee, mentor = _MENTEE, _MENTOR
    statement = (
        select(
            col(MentoringSession.id),
            col(MentoringSession.conversation_id),
            col(MentoringSession.scheduled_at),
            col(mentee.slack_id),
            col(mentee.tz),
            col(mentor.slack_id),
        )
        .join(Conversation, col(Conversation.id) == col(MentoringSession.conversation_id))
        .join(mentee, col(mentee.id) == col(Conversation.mentee_id))
        .join(mentor, col(mentor.id) == col(Conversation.mentor_id))
        .where(col(MentoringSession.id).in_(ids))
    )
    return {
        int(sid): SessionRow(int(cid), _aware(at), str(ee), tz, str(er))
        for sid, cid, at, ee, tz, er in session.execute(statement).all()
    }


@dataclass(frozen=True)
class ActionRow:
    """What an action reminder shows of its action."""

    text: str
    due_date: date | None
    mentee: str
    mentor: str


def action_views(ids: Collection[int], *, session: Session) -> dict[int, ActionRow]:
    """Actions ``ids`` with their conversation's mentee and mentor."""
    if not ids:
        return {}
    mentee, mentor = _MENTEE, _MENTOR
    statement = (
        select(
            col(ActionItem.id),
            col(ActionItem.text),
            col(ActionItem.due_date),
            col(mentee.slack_id),
            col(mentor.slack_id),
        )
        .join(MentoringSession, col(MentoringSession.id) == col(ActionItem.session_id))
        .join(Conversation, col(Conversation.id) == col(MentoringSession.conversation_id))
        .join(mentee, col(mentee.id) == col(Conversation.mentee_id))
        .join(mentor, col(mentor.id) == col(Conversation.mentor_id))
        .where(col(ActionItem.id).in_(ids))
    )
    return {
        int(aid): ActionRow(str(text), due, str(ee), str(er))
        for aid, text, due, ee, er in session.execute(statement).all()
    }


def conversation_mentors(ids: Collection[int], *, session: Session) -> dict[int, str]:
    """The mentor of each of conversations ``ids``."""
    if not ids:
        return {}
    mentor = _MENTOR
    statement = (
        select(col(Conversation.id), col(mentor.slack_id))
        .join(mentor, col(mentor.id) == col(Conversation.mentor_id))
        .where(col(Conversation.id).in_(ids))
    )
    return {int(cid): str(slack) for cid, slack in session.execute(statement).all()}


def met_views(ids: Collection[int], *, session: Session) -> dict[int, tuple[str, datetime]]:
    """(who logged it, when) of met logs ``ids``."""
    if not ids:
        return {}
    logger = _OTHER
    statement = (
        select(col(MetLog.id), col(logger.slack_id), col(MetLog.created_at))
        .join(logger, col(logger.id) == col(MetLog.logger_id))
        .where(col(MetLog.id).in_(ids))
    )
    return {int(mid): (str(slack), at) for mid, slack, at in session.execute(statement).all()}


def conversations_of(ids: Collection[int], *, session: Session) -> dict[int, Conversation]:
    """Conversations ``ids``, in one query."""
    if not ids:
        return {}
    rows = session.execute(select(Conversation).where(col(Conversation.id).in_(ids)))
    return {int(c.id): c for c in rows.scalars().all() if c.id is not None}


def slack_ids_of(person_ids: Iterable[int], *, session: Session) -> dict[int, str]:
    """The Slack ID of each of ``person_ids``, in one query per chunk."""
    found: dict[int, str] = {}
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(col(Person.id), col(Person.slack_id)).where(
                col(Person.id).in_(ids[start : start + CHUNK])
            )
        )
        found.update((int(pid), str(slack)) for pid, slack in rows.all())
    return found


def recipients(slack_ids: Iterable[str], *, session: Session) -> dict[str, Recipient]:
    """Time zone, mute and whether they are still here, of each of ``slack_ids``."""
    found: dict[str, Recipient] = {}
    for chunk in _chunks(sorted(set(slack_ids))):
        rows = session.execute(
            select(
                col(Person.slack_id),
                col(Person.tz),
                col(Person.is_active),
                col(Person.nudges_muted),
                col(Person.nudges_muted_until),
            ).where(col(Person.slack_id).in_(chunk))
        ).all()
        for slack, tz, active, muted, until in rows:
            found[slack] = Recipient(slack, tz, bool(active), bool(muted), until)
    return found


def planned_keys(keys: Iterable[str], *, session: Session) -> set[str]:
    """Those of ``keys`` already planned (sent, skipped or on their way)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(keys))):
        rows = session.execute(
            select(col(PlannedNudge.key)).where(col(PlannedNudge.key).in_(chunk))
        )
        found.update(rows.scalars().all())
    return found


def days_taken(slack_ids: Iterable[str], *, first: date, session: Session) -> set[tuple[str, date]]:
    """(person, day) pairs from ``first`` on on which a nudge is already planned."""
    found: set[tuple[str, date]] = set()
    for chunk in _chunks(sorted(set(slack_ids))):
        rows = session.execute(
            select(col(PlannedNudge.person_slack_id), col(PlannedNudge.day)).where(
                col(PlannedNudge.person_slack_id).in_(chunk), col(PlannedNudge.day) >= first
            )
        )
        found.update((str(s), d) for s, d in rows.all())
    return found


def claim_day(
    key: str, kind: str, slack_id: str, day: date, *, session: Session, now: datetime
) -> bool:
    """Plan nudge ``key`` as ``slack_id``'s one nudge of ``day``, in the caller's
    transaction; False when that key was planned before or the day is taken (the database
    decides between two planners at once)."""
    row = {"key": key, "kind": kind, "person_slack_id": slack_id, "day": day, "planned_at": now}
    return insert_once(session, PlannedNudge, [row], key=None) == 1


def claim_days(
    claims: Sequence[tuple[str, str, str, date]], *, session: Session, now: datetime
) -> set[str]:
    """``claim_day`` for many (key, kind, person, day) at once, in a few multi-row
    statements: the keys claimed here (not those planned before, nor whose day is taken)."""
    if not claims:
        return set()
    table: Any = PlannedNudge.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert_: Any = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = insert_(table).on_conflict_do_nothing().returning(table.c.key)
    rows = [
        {"key": key, "kind": kind, "person_slack_id": slack_id, "day": day, "planned_at": now}
        for key, kind, slack_id, day in claims
    ]
    connection = session.connection()
    claimed: set[str] = set()
    for start in range(0, len(rows), CHUNK):
        claimed.update(connection.execute(statement, rows[start : start + CHUNK]).scalars())
    return claimed


def set_mute(
    slack_id: str, *, muted: bool, until: date | None, session: Session, now: datetime
) -> bool:
    """Mute (until a day, or until unmuted) or unmute ``slack_id``; False if unknown."""
    person = (
        session.execute(select(Person).where(col(Person.slack_id) == slack_id)).scalars().first()
    )
    if person is None:
        return False
    person.nudges_muted = muted
    person.nudges_muted_until = until if muted else None
    person.updated_at = now
    session.add(person)
    return True


def _active_ids(slack_ids: Iterable[str], *, session: Session) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(set(slack_ids))):
        rows = session.execute(
            select(col(Person.slack_id)).where(col(Person.slack_id).in_(chunk), _active(Person))
        )
        found.update(rows.scalars().all())
    return found


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _aware(value: datetime | str | None) -> datetime | None:
    """Aggregates (max) come back from SQLite as text, without the column's type."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
