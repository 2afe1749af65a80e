"""Bookkeeping that keeps deliveries single: Slack event IDs and nudge keys."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class ProcessedEvent(SQLModel, table=True):
    """An Events API ``event_id`` already handled; Slack retries carry the same ID."""

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)


class SentNudge(SQLModel, table=True):
    """A nudge that went out; the key makes every nudge single, even with two schedulers."""

    key: str = Field(primary_key=True, max_length=200)
    person_slack_id: str = Field(max_length=32, index=True)
    sent_at: datetime = Field(sa_type=UTCDateTime)
