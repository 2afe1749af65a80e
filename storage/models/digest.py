"""What the coordinators' digest needs beyond the mentoring rows: advice asked, celebrations
agreed to.

An advice request keeps no text: what the mentor wrote goes to the coordinators by DM
and nowhere else; the row is only there so the digest can count the open ones. A
celebration is a person's own yes to being named in the digest for reaching a goal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


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
