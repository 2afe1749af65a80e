"""The engine: what a database error may carry into the logs."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.models import Conversation, Rating
from tests.factories import EPOCH, make_person

PRIVATE = "my manager keeps undermining me"


def test_a_database_error_never_carries_what_the_pair_wrote(engine: Engine) -> None:
    """Unexpected errors are logged with their traceback: a failed statement must not
    bring a question, an agenda, a follow-up or a comment along with it."""
    with Session(engine) as session:
        mentee = make_person(session, "U0ALICE01")
        mentor = make_person(session, "U0BOB0001", area="Design")
        assert mentee.id is not None and mentor.id is not None
        conversation = Conversation(
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            status="closed",
            questions=[PRIVATE],
            created_at=EPOCH,
            status_changed_at=EPOCH,
        )
        session.add(conversation)
        session.flush()
        assert conversation.id is not None
        for _ in range(2):
            session.add(
                Rating(
                    conversation_id=conversation.id,
                    person_id=mentee.id,
                    keep_open=True,
                    usefulness=5,
                    comment=PRIVATE,
                    answered_at=EPOCH,
                )
            )
        with pytest.raises(IntegrityError) as caught:
            session.flush()
    assert PRIVATE not in str(caught.value)
