"""Nudges: the check-ins the planner decided to send, one row per nudge and per person-day.

A row is written in the transaction that puts the nudge in the outbox (same ``key``), and
kept after the outbox forgets the message, so a nudge is planned once ever. The unique
(person, day) pair is the rule "at most one nudge per person per day", decided by the
database even when two planners run at once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class PlannedNudge(SQLModel, table=True):
    """One nudge planned for ``person_slack_id`` on ``day`` (their own calendar day)."""

    __tablename__ = "planned_nudge"
    __table_args__ = (UniqueConstraint("person_slack_id", "day"),)

    key: str = Field(primary_key=True, max_length=200)  # also its outbox row's key
    kind: str = Field(max_length=32)
    person_slack_id: str = Field(max_length=32)
    day: date
    planned_at: datetime = Field(sa_type=UTCDateTime)
