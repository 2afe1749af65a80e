"""Mentoring requests and the conversations they become.

The issue on conversations extends these tables (sessions, agendas, follow-ups,
ratings); the core columns below are what matching and progress rely on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class ConversationStatus(StrEnum):
    REQUESTED = "requested"  # sent, waiting for the mentor
    INFO_REQUESTED = "info_requested"  # the mentor asked the mentee for more information
    ACTIVE = "active"  # accepted: counts against the mentor's capacity
    DECLINED = "declined"
    EXPIRED = "expired"  # unanswered for 7 days
    CLOSED = "closed"  # sunset reached or closed early


OPEN_REQUEST_STATUSES = (ConversationStatus.REQUESTED, ConversationStatus.INFO_REQUESTED)


class Conversation(SQLModel, table=True):
    """A request from a mentee to a mentor and, once accepted, their conversations."""

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
