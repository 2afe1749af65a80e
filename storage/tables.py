"""The models' Core tables, for statements built once and run many times.

Building an ORM statement costs more than running it for the small indexed queries a
search makes (a quarter of a millisecond each, against a few hundredths for SQLite), so
the queries on a hot path are built once at import from these tables, with
``bindparam`` for what changes, and return plain rows.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlmodel import SQLModel

from storage.models import Connection, Conversation, MentorOffer, OfferTopic, Person, Topic


def table(model: type[SQLModel]) -> Table:
    """The Core table behind ``model``."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


PERSON = table(Person)
OFFER = table(MentorOffer)
OFFER_TOPIC = table(OfferTopic)
TOPIC = table(Topic)
CONVERSATION = table(Conversation)
CONNECTION = table(Connection)
