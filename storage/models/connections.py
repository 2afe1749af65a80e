"""Connections: distinct people someone has really talked to.

A row per direction (both people gain the connection) and per source; progress
counts distinct ``other_id``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class ConnectionSource(StrEnum):
    SESSION = "session"  # a session held through the bot
    MET = "met"  # a `/mentor met` confirmed by the other person


class Connection(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "other_id", "source"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    other_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    source: str = Field(max_length=20)
    made_at: datetime = Field(sa_type=UTCDateTime)
