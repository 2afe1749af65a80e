"""The engine: what a database error may carry into the logs."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import Conversation, Person, Rating
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


def test_a_write_that_cannot_get_the_lock_in_time_says_busy_and_changes_nothing(
    engine: Engine,
) -> None:
    """Another process holding SQLite's write lock (or a PostgreSQL row lock): a person's
    write waits at most ``wait`` seconds, then ``Busy``; nothing of it is kept."""
    import time

    from storage.db import Busy, session_factory, write_unit

    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL's lock_timeout is set the same way")
    open_session = session_factory(engine)
    with write_unit(open_session) as holder:  # the other process, mid-transaction
        make_person(holder, "U0HOLDER1")
        holder.flush()
        started = time.monotonic()
        with pytest.raises(Busy), write_unit(open_session, wait=0.3) as waiting:
            make_person(waiting, "U0WAITER1")
        waited = time.monotonic() - started
    assert 0.25 <= waited < 2.5
    with Session(engine) as session:
        assert list(session.exec(select(Person.slack_id)).all()) == ["U0HOLDER1"]
    with write_unit(open_session, wait=0.3) as again:  # the lock is free: it goes through
        make_person(again, "U0WAITER1")
