"""Bookkeeping that keeps deliveries single: Slack event IDs."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class ProcessedEvent(SQLModel, table=True):
    """An Events API ``event_id`` already handled; Slack retries carry the same ID."""

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)
