"""A directory of realistic shape for matching tests: areas, levels, managers, mentor offers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from bot.offers import apply_offer
from bot.people import MentorColumns
from storage import offers as offers_store
from storage.connections import record_connection
from storage.models import ConnectionSource, Conversation, ConversationStatus, Person
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def offer(
    session: Session,
    person: Person,
    topics: tuple[str, ...] = ("Presentations",),
    *,
    capacity: int = 2,
    reverse: bool = False,
    paused: bool = False,
    paused_until: date | None = None,
    help_with: str = "",
) -> Person:
    apply_offer(session, person, MentorColumns(topics, capacity, reverse), NOW)
    if paused or paused_until or help_with:
        assert person.id is not None
        offers_store.save_offer(
            person.id,
            {"paused": paused, "paused_until": paused_until, "help_with": help_with},
            session=session,
            now=NOW,
        )
    return person


def conversation(
    session: Session,
    mentee: Person,
    mentor: Person,
    status: ConversationStatus = ConversationStatus.ACTIVE,
    *,
    answered_after: timedelta | None = None,
) -> Conversation:
    assert mentee.id is not None and mentor.id is not None
    created = NOW - timedelta(days=30)
    row = Conversation(
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        status=status,
        created_at=created,
        status_changed_at=created,
        responded_at=created + answered_after if answered_after else None,
    )
    session.add(row)
    session.flush()
    return row


def build_directory(session: Session) -> dict[str, Person]:
    """Alice (Engineering, level 3) and everyone around her; see each line for why they exist."""
    p: dict[str, Person] = {}

    def person(slack_id: str, area: str | None, level: int | None, **kw: object) -> Person:
        p[slack_id] = make_person(session, slack_id, area=area, level=level, **kw)  # type: ignore[arg-type]
        return p[slack_id]

    # Alice's reporting line: CTO -> Emma -> Alice -> Junior -> Mia.
    person("U0CTO0001", "Leadership", 7)
    person("U0EMMA001", "Platform", 5, manager="U0CTO0001")
    alice = person("U0ALICE01", "Engineering", 3, manager="U0EMMA001")
    person("U0JUNIOR1", "Sales", 3, manager="U0ALICE01")
    person("U0MIA0001", "Design", 3, manager="U0JUNIOR1")
    for chain_member in ("U0CTO0001", "U0EMMA001", "U0JUNIOR1", "U0MIA0001"):
        offer(session, p[chain_member], capacity=3)

    # Eligible for Alice.
    offer(session, person("U0BOB0001", "Sales", 4), ("Presentations", "Negotiation"))
    offer(session, person("U0LEO0001", "Marketing", 4), ("Public speaking",), capacity=3)
    offer(session, person("U0DAN0001", "Finance", 1), capacity=3, reverse=True)
    kate = offer(session, person("U0KATE001", "Design", 3), capacity=3)
    record_connection(alice.id or 0, kate.id or 0, ConnectionSource.MET, session=session, now=NOW)

    # Not eligible for Alice, each for one reason.
    offer(session, person("U0CAROL01", "  ENGINEERING ", 4))  # her own area
    offer(session, person("U0ERIN001", "Design", 2))  # junior, no reverse mentoring
    offer(session, person("U0FRANK01", "Finance", 6))  # three levels above
    grace = offer(session, person("U0GRACE01", "People", 5), capacity=1)  # full
    conversation(session, person("U0PAUL001", "Sales", 2), grace)
    offer(session, person("U0HEIDI01", "Design", 3), paused_until=NOW.date() + timedelta(days=5))
    offer(session, person("U0IVAN001", "Sales", 4), paused=True)
    offer(session, person("U0JUDY001", "Sales", 5, is_active=False))  # left the company

    # A senior colleague for reverse mentoring.
    person("U0SENIOR1", "Executive", 7)
    # Someone not offering anything.
    person("U0NOBODY1", "Legal", 4)
    session.flush()
    return p
