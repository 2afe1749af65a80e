"""The personal-data map: every table and column that refers to a person, in one place.

`/mentor export` reads through it (every row about the person) and `/mentor forget-me`
acts through it (what goes, what stays), and retention empties the private texts it
names. ``tests/storage/test_personal_data.py`` fails when a table gains a column that
refers to a person (a foreign key to ``person.id``, a Slack user ID, a recipient) and
this map does not name it.

A person who is forgotten keeps a *tombstone*: their ``person`` row with every personal
field emptied and a random Slack ID, so that the other person of a pair keeps their own
conversation, their own texts and an anonymous count in their connection total, and
rows shared by two people still have someone at the other end. Nothing in the database
can lead back to the person any more.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Select, String, Table, and_, cast, delete, func, select, update
from sqlmodel import Session, SQLModel

import storage.models  # noqa: F401  (registers every table)
from storage.models import ConversationStatus, Person

Forget = Literal["delete", "keep", "tombstone"]


@dataclass(frozen=True)
class Ref:
    """Rows of ``table`` about a person, found through ``column`` (their ``person.id``,
    or their Slack ID when ``by`` is "slack_id"), possibly through parent tables (``via``:
    (column here, parent table) pairs, each parent joined on its ``id``).

    ``forget``: "delete" the rows; "keep" them (shared with someone else: they point to
    the tombstone) emptying ``texts``, the columns this person wrote; "tombstone" is the
    person row itself.
    """

    table: str
    column: str
    forget: Forget
    by: Literal["id", "slack_id"] = "id"
    via: tuple[tuple[str, str], ...] = ()
    texts: tuple[str, ...] = ()
    mentions: bool = False  # ``column`` holds text that may name them (a message payload)


_SESSION = (("session_id", "mentoring_session"),)
_CONVERSATION = (("conversation_id", "conversation"),)

# Every reference to a person. Order matters for forgetting: children before parents.
MAP: tuple[Ref, ...] = (
    # What a person wrote inside a pair's conversation (their own texts go, the other's stay).
    Ref("agenda_item", "mentee_id", "keep", via=(*_SESSION, *_CONVERSATION), texts=("question",)),
    Ref("action_item", "followups_posted_by_id", "keep", via=_SESSION, texts=("text",)),
    Ref("action_item", "done_by_id", "keep"),
    Ref("mentoring_session", "logged_by_id", "keep"),
    Ref("mentoring_session", "followups_posted_by_id", "keep"),
    Ref("mentoring_session", "mentee_id", "keep", via=_CONVERSATION),
    Ref("mentoring_session", "mentor_id", "keep", via=_CONVERSATION),
    Ref("rating", "person_id", "delete"),
    Ref("conversation", "mentee_id", "keep", texts=("questions", "context", "info_answer")),
    Ref("conversation", "mentor_id", "keep", texts=("info_question", "decline_reason")),
    Ref("conversation", "passed_from_id", "keep"),
    Ref("conversation", "closed_by_id", "keep"),
    # A met log: the logger's note is theirs; the row is the other person's history too.
    Ref("metlog", "logger_id", "keep", texts=("note",)),
    Ref("metlog", "other_id", "keep"),
    # Their own connections go; someone else's connection with them stays (anonymous).
    Ref("connection", "person_id", "delete"),
    Ref("connection", "other_id", "keep"),
    Ref("mentoroffer", "person_id", "delete"),
    # Asking the coordinators for advice (its text was never stored), and a celebration.
    Ref("advice_request", "person_id", "delete"),
    Ref("advice_request", "closed_by_id", "keep"),
    Ref("celebration", "person_id", "delete"),
    Ref("transition", "person_id", "delete"),
    Ref("planned_nudge", "person_slack_id", "delete", by="slack_id"),
    # A manager's team check-ins: their notes, their reminder, their pulses (whose answers,
    # anonymous, go with them); a report's invite links them to their answer: it goes, and
    # the answer stays anonymous, as it becomes when a pulse closes.
    Ref("team_checkin", "manager_slack_id", "delete", by="slack_id"),
    Ref("checkin_reminder", "manager_slack_id", "delete", by="slack_id"),
    Ref(
        "pulse_invite",
        "manager_slack_id",
        "delete",
        by="slack_id",
        via=(("pulse_id", "team_pulse"),),
    ),
    Ref(
        "pulse_answer",
        "manager_slack_id",
        "delete",
        by="slack_id",
        via=(("pulse_id", "team_pulse"),),
    ),
    Ref("team_pulse", "manager_slack_id", "delete", by="slack_id"),
    Ref("pulse_invite", "slack_id", "delete", by="slack_id"),
    Ref("outbox", "recipient", "delete", by="slack_id"),
    Ref("outbox", "payload", "delete", by="slack_id", mentions=True),  # messages naming them
    Ref("person", "manager_slack_id", "keep", by="slack_id"),  # their reports: link emptied
    Ref("person", "id", "tombstone"),
)

# Columns that look like they could refer to a person but do not, with why.
NOT_A_PERSON: dict[tuple[str, str], str] = {
    ("outbox", "channel"): "a channel the sender posted to (a DM's ID is not the person's)",
    ("outbox", "lease_owner"): "a sender process",
    ("conversation", "group_channel_id"): "the pair's group DM (a channel ID)",
    ("conversation", "mentor_dm_channel"): "a DM channel ID",
    ("metlog", "dm_channel"): "a DM channel ID",
    ("mentoring_session", "followup_channel"): "a channel ID",
}

# Private texts a pair wrote, emptied for conversations closed longer ago than
# MENTORBOT_RETENTION_DAYS: (table, column, path to the conversation).
PRIVATE_TEXTS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("conversation", "questions", ()),
    ("conversation", "context", ()),
    ("conversation", "info_question", ()),
    ("conversation", "info_answer", ()),
    ("conversation", "decline_reason", ()),
    ("agenda_item", "question", (*_SESSION, *_CONVERSATION)),
    ("action_item", "text", (*_SESSION, *_CONVERSATION)),
    ("rating", "comment", _CONVERSATION),
)


# A conversation that ended: closed after its sessions, or a request that was declined,
# expired or withdrawn (when it ended: ``closed_at``, else its last status change).
ENDED = (
    ConversationStatus.CLOSED,
    ConversationStatus.DECLINED,
    ConversationStatus.EXPIRED,
    ConversationStatus.WITHDRAWN,
)


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _empty(table: Table, column: str) -> Any:
    """What an emptied text column holds: NULL where allowed, else an empty value."""
    col = table.c[column]
    if col.nullable:
        return None
    return [] if col.type.__class__.__name__ == "JSON" else ""


def _joined(name: str, via: tuple[tuple[str, str], ...]) -> tuple[Select[Any], Table]:
    """SELECT the ids of table ``name`` joined through ``via`` to its last parent; with
    that parent (the table itself when ``via`` is empty), for the caller's WHERE."""
    table = _table(name)
    statement = select(table.c.id)
    current = table
    for column, parent in via:
        joined = _table(parent)
        statement = statement.join(joined, current.c[column] == joined.c.id)
        current = joined
    return statement, current


def _ids(ref: Ref, person: Person) -> Select[Any]:
    """SELECT the ids of ``ref.table``'s rows about ``person``."""
    statement, current = _joined(ref.table, ref.via)
    if ref.mentions:
        return statement.where(cast(current.c[ref.column], String).contains(person.slack_id))
    value = person.slack_id if ref.by == "slack_id" else person.id
    return statement.where(current.c[ref.column] == value)


def _keyed(ref: Ref) -> bool:
    return "id" in _table(ref.table).c


def rows_about(person: Person, *, session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row the map names for ``person``, table by table (for their export);
    messages that only mention them are not theirs to take."""
    found: dict[str, dict[Any, dict[str, Any]]] = {}
    for ref in MAP:
        if ref.mentions:
            continue
        table = _table(ref.table)
        if _keyed(ref):
            chosen: Any = table.c.id.in_(_ids(ref, person))
        else:  # keyed by the Slack ID itself (planned nudges)
            chosen = table.c[ref.column] == person.slack_id
        for row in session.execute(select(table).where(chosen)).mappings():
            plain = _plain(row)
            found.setdefault(ref.table, {})[plain.get("id") or tuple(plain.values())] = plain
    return {name: list(rows.values()) for name, rows in found.items()}


def forget(person: Person, *, session: Session) -> None:
    """Delete the person's own data and texts; leave a tombstone (see the module)."""
    for ref in MAP:
        table = _table(ref.table)
        if ref.forget == "tombstone":
            _tombstone(person, session=session)
        elif not _keyed(ref):  # keyed by the Slack ID itself (planned nudges)
            session.execute(delete(table).where(table.c[ref.column] == person.slack_id))
        elif ref.forget == "delete":
            session.execute(delete(table).where(table.c.id.in_(_ids(ref, person))))
        elif ref.texts:
            emptied = {column: _empty(table, column) for column in ref.texts}
            session.execute(update(table).where(table.c.id.in_(_ids(ref, person))).values(emptied))
        elif ref.table == "person":  # their reports: the manager link is emptied
            session.execute(
                update(table)
                .where(table.c[ref.column] == person.slack_id)
                .values({ref.column: None})
            )
    session.expire_all()


def _tombstone(person: Person, *, session: Session) -> None:
    table = _table("person")
    keep = {"id", "created_at", "updated_at"}
    emptied = {
        column.name: _empty(table, column.name)
        for column in table.columns
        if column.name not in keep and column.nullable
    }
    session.execute(
        update(table)
        .where(table.c.id == person.id)
        .values(
            {
                **emptied,
                "slack_id": f"X{secrets.token_hex(8).upper()}",  # not a Slack ID shape (U/W…)
                "name": "",
                "is_active": False,
                "nudges_muted": True,
            }
        )
    )


@dataclass(frozen=True)
class Scrubbed:
    conversations: list[int]  # whose texts were emptied
    notes: int  # met notes emptied

    @property
    def count(self) -> int:
        return max(len(self.conversations), self.notes)


def scrub_private_texts(closed_before: datetime, *, session: Session, limit: int) -> Scrubbed:
    """Empty the private texts of up to ``limit`` conversations that ended before
    ``closed_before`` that still have some, and of up to ``limit`` met logs made before
    it (``limit``: call again while ``count`` reaches it)."""
    conversation = _table("conversation")
    due = (
        select(conversation.c.id)
        .where(
            conversation.c.status.in_(ENDED),
            func.coalesce(conversation.c.closed_at, conversation.c.status_changed_at)
            < closed_before,
            _has_texts(conversation),
        )
        .order_by(conversation.c.id)
        .limit(limit)
    )
    ids = list(session.execute(due).scalars())
    metlog = _table("metlog")
    notes = list(
        session.execute(
            select(metlog.c.id)
            .where(metlog.c.created_at < closed_before, metlog.c.note != "")
            .order_by(metlog.c.id)
            .limit(limit)
        ).scalars()
    )
    if notes:
        session.execute(update(metlog).where(metlog.c.id.in_(notes)).values(note=""))
    if not ids:
        return Scrubbed([], len(notes))
    for name, column, via in PRIVATE_TEXTS:
        table = _table(name)
        if not via:
            rows: Any = table.c.id.in_(ids)
        else:
            statement, conversations = _joined(name, via)
            rows = table.c.id.in_(statement.where(conversations.c.id.in_(ids)))
        session.execute(update(table).where(rows).values({column: _empty(table, column)}))
    return Scrubbed(ids, len(notes))


def _has_texts(conversation: Table) -> Any:
    """Conversations whose texts were not emptied yet (their questions are the marker)."""
    return and_(
        conversation.c.questions.is_not(None), cast(conversation.c.questions, String) != "[]"
    )


def person_columns() -> Iterator[tuple[str, str]]:
    """Every (table, column) the map names."""
    for ref in MAP:
        yield ref.table, ref.column


def _plain(row: Any) -> dict[str, Any]:
    return {key: _json(value) for key, value in dict(row).items()}


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_json(v) for v in value]
    return value
