"""The outbox: every message the bot owes Slack, written with the change that caused it.

A row is ``pending`` until a sender claims it (``sending``, under a lease), then
``sent`` with Slack's (channel, ts), or ``skipped`` (too late) or ``failed`` (Slack
refused it for good) with the reason. Message text lives only in ``payload``: never
log it, never print it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class OutboxStatus(StrEnum):
    PENDING = "pending"  # due at not_before
    SENDING = "sending"  # claimed by lease_owner until lease_until
    SENT = "sent"
    SKIPPED = "skipped"  # its not_after passed before it could go
    FAILED = "failed"  # Slack refused it for good (last_error says why)


class OutboxMessage(SQLModel, table=True):
    """One effect to deliver: a DM, a group or channel post, a message update, a Home."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=16)
    method: str = Field(max_length=32)
    # A user ID, sorted user IDs joined by commas (a group DM), or a channel ID.
    recipient: str = Field(max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    priority: int = 0
    not_before: datetime = Field(sa_type=UTCDateTime)
    not_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=200)
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when an attempt may have reached Slack without us knowing (a crash, a timeout,
    # a dropped connection, a 5xx): the next attempt looks for the message first.
    in_doubt_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    # Rows owed once this one is sent ("then") or if it never can be ("otherwise"), as
    # ``storage.outbox`` writes them: inserted in the transaction that records the outcome.
    then_rows: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    otherwise_rows: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
