"""Every table, imported here so SQLModel.metadata (and Alembic) sees them all."""

from storage.models.base import UTCDateTime
from storage.models.connections import (
    Connection,
    ConnectionSource,
    MetLog,
    MetStatus,
    Transition,
    TransitionKind,
)
from storage.models.conversations import (
    OPEN_REQUEST_STATUSES,
    TRANSITIONS,
    ActionItem,
    ActionOwner,
    AgendaItem,
    CloseReason,
    Conversation,
    ConversationStatus,
    MentoringSession,
    Rating,
    SessionOutcome,
    may_move,
)
from storage.models.digest import AdviceRequest, Celebration
from storage.models.nudges import PlannedNudge
from storage.models.offers import MentorOffer, OfferTopic, Topic, TopicDemand, TopicKind
from storage.models.outbox import OutboxMessage, OutboxStatus
from storage.models.people import Person
from storage.models.system import ProcessedEvent
from storage.models.team import (
    CheckinReminder,
    PulseAnswer,
    PulseInvite,
    PulseObstacle,
    PulseUsage,
    TeamCheckin,
    TeamPulse,
)

__all__ = [
    "OPEN_REQUEST_STATUSES",
    "TRANSITIONS",
    "ActionItem",
    "ActionOwner",
    "AdviceRequest",
    "AgendaItem",
    "CheckinReminder",
    "Celebration",
    "CloseReason",
    "Connection",
    "ConnectionSource",
    "Conversation",
    "ConversationStatus",
    "MentorOffer",
    "MentoringSession",
    "MetLog",
    "MetStatus",
    "OfferTopic",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PlannedNudge",
    "ProcessedEvent",
    "PulseAnswer",
    "PulseInvite",
    "PulseObstacle",
    "PulseUsage",
    "Rating",
    "SessionOutcome",
    "TeamCheckin",
    "TeamPulse",
    "Topic",
    "TopicDemand",
    "TopicKind",
    "Transition",
    "TransitionKind",
    "UTCDateTime",
    "may_move",
]
