"""Mentoring requests and the conversations they become.

The core columns of ``Conversation`` are what matching and progress rely on; the
rest (the request's questions, sessions, agendas, follow-ups, ratings) belong to
the conversation surface. Questions, agendas, follow-ups and comments are private
to the pair: never log them, never put them in a digest.

The conversation's status is a state machine, and ``TRANSITIONS`` is all of it:

    requested ──ask for info──▶ info_requested ──mentee answers──▶ requested
    requested / info_requested ──pass on──▶ requested (a new mentor, same request)
    requested / info_requested ──accept──▶ active ──last session held, or wrapped up──▶ closed
    requested / info_requested ──decline──▶ declined
    requested / info_requested ──7 days unanswered──▶ expired
    requested / info_requested ──the mentee withdraws──▶ withdrawn
    declined, expired, withdrawn, closed: final (a pair who want more start a new request)

Every status change goes through ``storage.conversations.compare_and_set_status``, which
refuses a move the table does not list, exactly as it refuses one somebody else beat it to.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class ConversationStatus(StrEnum):
    REQUESTED = "requested"  # sent, waiting for the mentor
    INFO_REQUESTED = "info_requested"  # the mentor asked the mentee for more information
    ACTIVE = "active"  # accepted: counts against the mentor's capacity
    DECLINED = "declined"
    EXPIRED = "expired"  # unanswered for 7 days
    CLOSED = "closed"  # sunset reached or wrapped up
    WITHDRAWN = "withdrawn"  # the mentee took the request back before an answer


OPEN_REQUEST_STATUSES = (ConversationStatus.REQUESTED, ConversationStatus.INFO_REQUESTED)

_FROM_OPEN_REQUEST = frozenset(
    {
        ConversationStatus.REQUESTED,  # answered the mentor's question, or passed on
        ConversationStatus.ACTIVE,
        ConversationStatus.DECLINED,
        ConversationStatus.EXPIRED,
        ConversationStatus.WITHDRAWN,
    }
)

# Where each status may go next (see the module docstring); final statuses go nowhere.
TRANSITIONS: dict[ConversationStatus, frozenset[ConversationStatus]] = {
    ConversationStatus.REQUESTED: _FROM_OPEN_REQUEST | {ConversationStatus.INFO_REQUESTED},
    ConversationStatus.INFO_REQUESTED: _FROM_OPEN_REQUEST,
    ConversationStatus.ACTIVE: frozenset({ConversationStatus.CLOSED}),
    ConversationStatus.DECLINED: frozenset(),
    ConversationStatus.EXPIRED: frozenset(),
    ConversationStatus.CLOSED: frozenset(),
    ConversationStatus.WITHDRAWN: frozenset(),
}


def may_move(current: str, status: str) -> bool:
    """Whether ``TRANSITIONS`` lets a conversation go from ``current`` to ``status``."""
    try:
        return ConversationStatus(status) in TRANSITIONS[ConversationStatus(current)]
    except ValueError:  # a status the machine does not know
        return False


# A pair (mentee → mentor) has at most one open request or active conversation at a time:
# the service checks first, this index decides between two requests sent at the same moment.
_OPEN_OR_ACTIVE = text(
    "status IN ("
    + ", ".join(f"'{s.value}'" for s in (*OPEN_REQUEST_STATUSES, ConversationStatus.ACTIVE))
    + ")"
)


class CloseReason(StrEnum):
    SUNSET = "sunset"  # the last allowed session was held
    EARLY = "early"  # one of the pair closed it before (before "wrap up" was its name)
    WRAPPED_UP = "wrapped_up"  # one of the pair wrapped up before the last session


class Conversation(SQLModel, table=True):
    """A request from a mentee to a mentor and, once accepted, their conversations."""

    __table_args__ = (
        Index(
            "uq_conversation_open_pair",
            "mentee_id",
            "mentor_id",
            unique=True,
            sqlite_where=_OPEN_OR_ACTIVE,
            postgresql_where=_OPEN_OR_ACTIVE,
        ),
        # A mentor's load and answer speed, read for every candidate a find ranks: without
        # it a planner may pick a status-first index and walk every active conversation
        # for each candidate (seconds at 200,000 people).
        Index(
            "ix_conversation_mentor_status",
            "mentor_id",
            "status",
            "responded_at",
            "created_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    mentee_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    mentor_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    status: str = Field(default=ConversationStatus.REQUESTED, max_length=20, index=True)
    topic: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    status_changed_at: datetime = Field(sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    on_call: bool = False  # both kept the door open after the sunset

    # The request (private to the pair).
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    context: str = Field(default="", sa_type=Text)
    format: str = Field(default="call", max_length=20)
    info_question: str | None = Field(default=None, sa_type=Text)
    info_answer: str | None = Field(default=None, sa_type=Text)
    passed_from_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    passed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decline_reason: str | None = Field(default=None, sa_type=Text)
    # Where the bot talks to the pair and to the mentor about the request.
    group_channel_id: str | None = Field(default=None, max_length=32)
    mentor_dm_channel: str | None = Field(default=None, max_length=32)
    mentor_dm_ts: str | None = Field(default=None, max_length=32)
    # The outbox key of the request card the mentor has now (updated once answered).
    card_key: str | None = Field(default=None, max_length=200)
    # The end.
    close_reason: str | None = Field(default=None, max_length=20)
    closed_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class SessionOutcome(StrEnum):
    ANSWERED = "answered"
    PARTLY = "partly"
    NOT_YET = "not_yet"


class ActionOwner(StrEnum):
    MENTEE = "mentee"
    MENTOR = "mentor"


class MentoringSession(SQLModel, table=True):
    """One conversation of the pair: planned (agenda, date), then held, then followed up."""

    __tablename__ = "mentoring_session"
    __table_args__ = (UniqueConstraint("conversation_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True, ondelete="CASCADE")
    number: int  # 1, 2, 3 …
    created_at: datetime = Field(sa_type=UTCDateTime)
    scheduled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agenda_posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    held_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    logged_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    followups_posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followups_posted_by_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="SET NULL"
    )
    followup_channel: str | None = Field(default=None, max_length=32)
    followup_ts: str | None = Field(default=None, max_length=32)


class AgendaItem(SQLModel, table=True):
    """A question on a session's agenda and, after the session, how well it was answered."""

    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="mentoring_session.id", index=True, ondelete="CASCADE")
    position: int
    question: str = Field(sa_type=Text)
    outcome: str | None = Field(default=None, max_length=20)  # SessionOutcome


class ActionItem(SQLModel, table=True):
    """A follow-up action from a session, owned by the mentee or the mentor."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="mentoring_session.id", index=True, ondelete="CASCADE")
    position: int
    text: str = Field(sa_type=Text)
    owner: str = Field(default=ActionOwner.MENTEE, max_length=10)
    due_date: date | None = None
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class Rating(SQLModel, table=True):
    """One person's private answer at the end: keep the door open? how useful, 1–5?"""

    __table_args__ = (UniqueConstraint("conversation_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    keep_open: bool
    usefulness: int
    comment: str = Field(default="", sa_type=Text)
    answered_at: datetime = Field(sa_type=UTCDateTime)
