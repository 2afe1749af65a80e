"""Mentor offers, the topic catalogue, and counts of what people search for.

A person has at most one offer. Topics live in a catalogue keyed by their
normalised form (so "Presentations" and "presentation" are one topic); offers
link to topics through ``OfferTopic``. ``TopicDemand`` keeps counts only (never
who searched) for the coordinators' supply/demand table.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import UTCDateTime


class TopicKind:
    NEED = "need"  # a development need mentees often name
    TRANSITION = "transition"  # a transition where a mentor helps
    OFFERED = "offered"  # added by a mentor's free entry


class Topic(SQLModel, table=True):
    """A catalogue entry: ``key`` is the normalised form matching is done on."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True, index=True)
    label: str = Field(max_length=80)
    kind: str = Field(default=TopicKind.OFFERED, max_length=20)
    created_at: datetime = Field(sa_type=UTCDateTime)


class MentorOffer(SQLModel, table=True):
    """What a mentor offers. Paused while ``paused`` is set, or until ``paused_until``."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True, index=True, ondelete="CASCADE")
    help_with: str = Field(default="", max_length=2000)
    out_of_scope: str = Field(default="", max_length=2000)
    capacity: int = Field(default=2, ge=1, le=10)
    reverse_mentoring: bool = False
    paused: bool = False  # paused with no end date (until `/mentor resume`)
    paused_until: date | None = None  # requests come again from this date on
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class OfferTopic(SQLModel, table=True):
    """An offer covers a topic."""

    __table_args__ = (
        UniqueConstraint("offer_id", "topic_id"),
        Index("ix_offertopic_topic_offer", "topic_id", "offer_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="mentoroffer.id", index=True, ondelete="CASCADE")
    topic_id: int = Field(foreign_key="topic.id", ondelete="CASCADE")


class TopicDemand(SQLModel, table=True):
    """How often people searched for a topic on a day, and how often nobody matched."""

    __table_args__ = (UniqueConstraint("key", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, index=True)
    label: str = Field(max_length=120)  # the words as first searched, for the digest
    day: date = Field(index=True)
    searches: int = 0
    unmatched: int = 0
