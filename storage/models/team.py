"""A manager's team check-in: its notes, its anonymous pulse, and the monthly reminder.

A manager is anyone named as the ``manager_slack_id`` of an active person; they are keyed
by Slack ID (a manager need not be in the directory themselves).

Privacy is in the shape of the tables:

- ``TeamCheckin`` notes (``heard``, ``will_try``) are the manager's own: only they read
  them; coordinators count check-ins, never read them.
- A ``PulseAnswer`` carries no person. While its pulse is open, ``PulseInvite`` links each
  invited report to their answer (so they can change it, and cannot answer twice); when
  the pulse closes the invites are deleted and the answers rewritten in a random order,
  so nothing left says whose answer was whose, nor in which order they came.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class PulseUsage:
    """ "Are you using mentoring?" """

    OFTEN = "often"
    SOMETIMES = "sometimes"
    NOT_YET = "not_yet"


class PulseObstacle:
    """ "If not, what is in your way?" """

    NO_TIME = "no_time"
    WHO_TO_ASK = "who_to_ask"
    NOT_FOR_ME = "not_for_me"
    TEAM = "team"
    OTHER = "other"


class TeamCheckin(SQLModel, table=True):
    """A check-in a manager held with their team, with their private notes."""

    __tablename__ = "team_checkin"
    __table_args__ = (Index("ix_team_checkin_manager_held", "manager_slack_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    manager_slack_id: str = Field(max_length=32)
    held_on: date = Field(index=True)
    heard: str = Field(default="", sa_type=Text)  # private to the manager
    will_try: str = Field(default="", sa_type=Text)  # private unless ``shared``
    shared: bool = False  # "what we'll try" was sent to each report
    created_at: datetime = Field(sa_type=UTCDateTime)


# At most one pulse per manager not yet closed: sending a second waits for the first.
_UNCLOSED = text("closed_at IS NULL")


class TeamPulse(SQLModel, table=True):
    """A pre-check-in pulse a manager sent to their reports; open for 7 days, or until the
    manager records the check-in."""

    __tablename__ = "team_pulse"
    __table_args__ = (
        Index(
            "uq_team_pulse_unclosed",
            "manager_slack_id",
            unique=True,
            sqlite_where=_UNCLOSED,
            postgresql_where=_UNCLOSED,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    manager_slack_id: str = Field(max_length=32, index=True)
    opened_at: datetime = Field(sa_type=UTCDateTime, index=True)
    closes_at: datetime = Field(sa_type=UTCDateTime, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    invited: int  # how many reports it went to ("2 of 6 answered")


class PulseAnswer(SQLModel, table=True):
    """One answer to a pulse, linked to no one."""

    __tablename__ = "pulse_answer"

    id: int | None = Field(default=None, primary_key=True)
    pulse_id: int = Field(foreign_key="team_pulse.id", index=True, ondelete="CASCADE")
    usage: str = Field(max_length=20)  # PulseUsage
    how: str = Field(default="", sa_type=Text)
    obstacles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    in_the_way: str = Field(default="", sa_type=Text)


class PulseInvite(SQLModel, table=True):
    """Who an open pulse went to, and which answer is theirs: deleted when it closes."""

    __tablename__ = "pulse_invite"
    __table_args__ = (UniqueConstraint("pulse_id", "slack_id"),)

    id: int | None = Field(default=None, primary_key=True)
    pulse_id: int = Field(foreign_key="team_pulse.id", index=True, ondelete="CASCADE")
    slack_id: str = Field(max_length=32)
    answer_id: int | None = Field(default=None, foreign_key="pulse_answer.id", ondelete="SET NULL")


class CheckinReminder(SQLModel, table=True):
    """A manager's monthly check-in reminder: on unless ``stopped``; quiet until
    ``snoozed_until``; ``counting_from`` is when the last one was planned (or the reminder
    was turned back on): the next is due ``MENTORBOT_CHECKIN_DAYS`` after it at the earliest.
    No row: on, counting from the team's first day in the directory."""

    __tablename__ = "checkin_reminder"

    manager_slack_id: str = Field(primary_key=True, max_length=32)
    stopped: bool = False
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    counting_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
