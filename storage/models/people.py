"""The directory: everyone who can mentor or be mentored."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class Person(SQLModel, table=True):
    """An employee, keyed by Slack user ID; HR fields come from the CSV, the rest from Slack."""

    id: int | None = Field(default=None, primary_key=True)
    slack_id: str = Field(max_length=32, unique=True, index=True)
    email: str | None = Field(default=None, max_length=320, index=True)
    name: str = Field(default="", max_length=200)
    area: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    level: int | None = None
    manager_slack_id: str | None = Field(default=None, max_length=32, index=True)
    start_date: date | None = None
    location: str | None = Field(default=None, max_length=200)
    tz: str | None = Field(default=None, max_length=64)
    is_active: bool = True
    nudges_muted: bool = False
    # Muted until this day (their own calendar): nudges start again on it; None: until unmuted.
    nudges_muted_until: date | None = None
    # "I'd like to learn about…" as typed on the Home, and its normalised topic key.
    learning: str | None = Field(default=None, max_length=200)
    learning_key: str | None = Field(default=None, max_length=200, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
