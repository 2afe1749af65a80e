"""Every table, imported here so SQLModel.metadata (and Alembic) sees them all."""

from storage.models.base import UTCDateTime
from storage.models.connections import *  # noqa: F403
from storage.models.conversations import *  # noqa: F403
from storage.models.offers import *  # noqa: F403
from storage.models.people import Person
from storage.models.system import ProcessedEvent, SentNudge

__all__ = ["Person", "ProcessedEvent", "SentNudge", "UTCDateTime"]
