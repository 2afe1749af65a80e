"""What the coordinators' digest needs beyond the mentoring rows: advice asked, celebrations
agreed to.

An advice request keeps no text: what the mentor wrote goes to the coordinators by DM
and nowhere else; the row is only there so the digest can count the open ones. A
celebration is a person's own yes to being named in the digest for reaching a goal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from storage.models.base import UTCDateTime
from storage.models.connections import Connection
from storage.models.conversations import AgendaItem, Conversation, MentoringSession, Rating
from storage.models.people import Person


class AdviceRequest(SQLModel, table=True):
    """A mentor asked the coordinators for advice (the text went by DM, never stored)."""

    __tablename__ = "advice_request"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class Celebration(SQLModel, table=True):
    """Someone agreed to be celebrated in the digest for reaching ``goal``.

    ``goal`` names the goal and its window (``newcomer:2026-06-01``, a transition kind and
    its first day), so a later transition is a new goal; ``reached_at`` is when the last
    connection it needed was made.
    """

    __table_args__ = (UniqueConstraint("person_id", "goal"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    goal: str = Field(max_length=80)
    reached_at: datetime = Field(sa_type=UTCDateTime)
    consented_at: datetime = Field(sa_type=UTCDateTime, index=True)


# The digest counts what happened in a span of weeks: its range queries read these indexes,
# most of them covering what the query needs, not every row of a year of history. Declared
# here, with the digest that needs them, on the tables they index.
DIGEST_INDEXES = (
    Index(
        "ix_conversation_created_at",
        col(Conversation.created_at),
        col(Conversation.mentor_id),
        col(Conversation.mentee_id),
    ),
    Index("ix_conversation_accepted_at", col(Conversation.accepted_at)),
    Index(
        "ix_conversation_passed_at",
        col(Conversation.passed_at),
        col(Conversation.mentor_id),
        col(Conversation.passed_from_id),
    ),
    Index(
        "ix_conversation_status_responded_at",
        col(Conversation.status),
        col(Conversation.responded_at),
        col(Conversation.created_at),
    ),
    Index(
        "ix_conversation_status_changed_at",
        col(Conversation.status),
        col(Conversation.status_changed_at),
    ),
    Index(
        "ix_conversation_status_closed_at",
        col(Conversation.status),
        col(Conversation.closed_at),
        col(Conversation.accepted_at),
        col(Conversation.mentor_id),
    ),
    # A conversation's pair without reading its row (its questions and context are wide).
    Index(
        "ix_conversation_pair",
        col(Conversation.id),
        col(Conversation.mentee_id),
        col(Conversation.mentor_id),
    ),
    # A mentee's requests by when they were made: the requests re-routed after one expired.
    Index(
        "ix_conversation_mentee_created_at",
        col(Conversation.mentee_id),
        col(Conversation.created_at),
    ),
    # A person's area, for the silo table's two lookups per new connection.
    Index("ix_person_id_area", col(Person.id), col(Person.area)),
    # The areas' headcounts, without reading every person's row. Area first: led by
    # is_active, it drew SQLite to start matching's candidate statement from every active
    # person instead of the few offers asked for (a Home took 4 s at 50,000 people).
    Index("ix_person_area_active", col(Person.area), col(Person.is_active)),
    Index(
        "ix_mentoring_session_held_at",
        col(MentoringSession.held_at),
        col(MentoringSession.agenda_posted_at),
        col(MentoringSession.followups_posted_at),
    ),
    Index(
        "ix_mentoring_session_followups_posted_at",
        col(MentoringSession.followups_posted_at),
        col(MentoringSession.conversation_id),
        col(MentoringSession.followups_posted_by_id),
    ),
    Index(
        "ix_connection_made_at",
        col(Connection.made_at),
        col(Connection.person_id),
        col(Connection.other_id),
        col(Connection.first_of_pair),
    ),
    Index(
        "ix_connection_pair_made_at",
        col(Connection.person_id),
        col(Connection.other_id),
        col(Connection.made_at),
        col(Connection.first_of_pair),
    ),
    # A session's questions' outcomes, without reading the questions.
    Index("ix_agenda_item_session_outcome", col(AgendaItem.session_id), col(AgendaItem.outcome)),
    Index("ix_rating_answered_at", col(Rating.answered_at), col(Rating.usefulness)),
)
