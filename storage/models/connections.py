"""Connections: distinct people someone has really talked to.

A row per direction (both people gain the connection) and per source; progress
counts distinct ``other_id``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, case, false
from sqlalchemy.sql.elements import Grouping
from sqlmodel import Field, SQLModel, col

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
    # The first row between these two people this way round, of any source (the earliest
    # made_at; the lower ID between two made at the same moment). record_connection keeps
    # it right, so the digest counts first connections without looking for earlier rows.
    first_of_pair: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class MetStatus(StrEnum):
    PENDING = "pending"  # waiting for the other person to confirm
    CONFIRMED = "confirmed"  # counted as a MET connection for both
    DECLINED = "declined"  # the other person said "Not me"
    LAPSED = "lapsed"  # unanswered for 14 days
    WITHDRAWN = "withdrawn"  # its confirmation request never reached the other person


class MetLog(SQLModel, table=True):
    """A `/mentor met @person` logged by one person, waiting for (or answered by) the other."""

    id: int | None = Field(default=None, primary_key=True)
    logger_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    other_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    note: str = Field(default="", max_length=500)
    status: str = Field(default=MetStatus.PENDING, max_length=20, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dm_channel: str | None = Field(default=None, max_length=32)
    dm_ts: str | None = Field(default=None, max_length=32)


# At most one pending met per pair, whoever logged it: the service checks first, this index
# decides between two logs made at the same moment (a double submit, or both logging it).
# (PostgreSQL wants an expression in an index within its own parentheses.)
_lower = col(MetLog.logger_id) < col(MetLog.other_id)
_first = Grouping(case((_lower, col(MetLog.logger_id)), else_=col(MetLog.other_id)))
_second = Grouping(case((_lower, col(MetLog.other_id)), else_=col(MetLog.logger_id)))
_pending = col(MetLog.status) == MetStatus.PENDING.value
Index(
    "uq_metlog_pending_pair",
    _first,
    _second,
    unique=True,
    sqlite_where=_pending,
    postgresql_where=_pending,
)


class TransitionKind(StrEnum):
    """Moments beyond the first months that deserve a fresh, smaller goal."""

    FIRST_TIME_SUPERVISOR = "first_time_supervisor"
    NEW_DISCIPLINE = "new_discipline"
    WORKING_OVERSEAS = "working_overseas"


class Transition(SQLModel, table=True):
    """A transition someone marked on the App Home; its goal and window are fixed at the start."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40)
    started_at: datetime = Field(sa_type=UTCDateTime)
    goal: int
    window_days: int
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # ended early by them
