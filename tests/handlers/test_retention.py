"""MENTORBOT_RETENTION_DAYS: what pairs wrote is deleted once their conversation closed
longer ago; dates, outcomes and counts stay (progress and the digest keep working)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.context import Deps
from handlers import jobs
from storage.models import (
    ActionItem,
    AgendaItem,
    Conversation,
    ConversationStatus,
    MentoringSession,
    MetLog,
    OutboxMessage,
    Rating,
)
from tests.factories import make_person
from tests.mentors import conversation

SECRET = "okapi-velvet-2291"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"MENTORBOT_RETENTION_DAYS": "365"}


def _closed_conversation(
    session: Session, mentee: Any, mentor: Any, closed_days_ago: int, now: Any
) -> int:
    row = conversation(session, mentee, mentor, ConversationStatus.CLOSED)
    row.closed_at = now - timedelta(days=closed_days_ago)
    row.questions = [f"{SECRET} question"]
    row.context = f"{SECRET} context"
    row.info_question = f"{SECRET} info?"
    row.info_answer = f"{SECRET} info."
    session.add(row)
    session.flush()
    assert row.id is not None
    meeting = MentoringSession(
        conversation_id=row.id, number=1, created_at=row.created_at, held_at=row.created_at
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    session.add(
        AgendaItem(
            session_id=meeting.id, position=0, question=f"{SECRET} agenda", outcome="answered"
        )
    )
    session.add(
        ActionItem(session_id=meeting.id, position=0, text=f"{SECRET} action", owner="mentee")
    )
    session.add(
        Rating(
            conversation_id=row.id,
            person_id=mentee.id,
            usefulness=5,
            keep_open=True,
            comment=f"{SECRET} comment",
            answered_at=row.closed_at,
        )
    )
    session.flush()
    return row.id


def _texts(session: Session, cid: int) -> list[str]:
    row = session.get(Conversation, cid)
    assert row is not None
    meeting = session.exec(
        select(MentoringSession).where(MentoringSession.conversation_id == cid)
    ).one()
    agenda = session.exec(select(AgendaItem).where(AgendaItem.session_id == meeting.id)).one()
    action = session.exec(select(ActionItem).where(ActionItem.session_id == meeting.id)).one()
    rating = session.exec(select(Rating).where(Rating.conversation_id == cid)).one()
    return [
        *row.questions, row.context, row.info_question or "", row.info_answer or "",
        agenda.question, action.text, rating.comment or "",
    ]  # fmt: skip


def test_texts_of_conversations_closed_over_a_year_ago_are_deleted_and_counts_stay(
    deps: Deps, session: Session
) -> None:
    now = deps.clock()
    alice = make_person(session, "U0ALICE01", area="Sales", level=3)
    bob = make_person(session, "U0BOB0001", area="Design", level=4)
    cara = make_person(session, "U0CARA001", area="Legal", level=4)
    old = _closed_conversation(session, alice, bob, closed_days_ago=400, now=now)
    recent = _closed_conversation(session, alice, cara, closed_days_ago=100, now=now)
    session.add(
        MetLog(
            logger_id=alice.id,
            other_id=bob.id,
            note=f"{SECRET} old met",
            status="confirmed",
            created_at=now - timedelta(days=500),
        )
    )
    session.add(
        MetLog(
            logger_id=alice.id,
            other_id=cara.id,
            note=f"{SECRET} new met",
            status="confirmed",
            created_at=now - timedelta(days=10),
        )
    )
    for cid in (old, recent):  # each pair's card, kept by the outbox for its updates
        session.add(
            OutboxMessage(
                key=f"conversation:{cid}:welcome",
                kind="group",
                method="chat.postMessage",
                recipient=f"G{cid}",
                payload={"text": f"{SECRET} card"},
                status="failed",  # Slack refused the group DM: each got a copy by DM
                not_before=now - timedelta(days=500),
                created_at=now - timedelta(days=500),
                finished_at=now - timedelta(days=500),
            )
        )
        for person in (alice, bob if cid == old else cara):
            session.add(
                OutboxMessage(
                    key=f"conversation:{cid}:welcome:dm:{person.slack_id}",
                    kind="dm",
                    method="chat.postMessage",
                    recipient=person.slack_id,
                    payload={"text": f"{SECRET} card"},
                    status="sent",
                    not_before=now - timedelta(days=500),
                    created_at=now - timedelta(days=500),
                    finished_at=now - timedelta(days=500),
                )
            )
    session.commit()

    jobs.install(deps, client=None)  # type: ignore[arg-type]  # this job sends nothing
    jobs.delete_old_private_texts()
    jobs.delete_old_private_texts()  # a second run finds nothing more

    session.expire_all()
    assert not any(SECRET in text for text in _texts(session, old))
    assert all(SECRET in text for text in _texts(session, recent))
    notes = {m.note for m in session.exec(select(MetLog)).all()}
    assert notes == {"", f"{SECRET} new met"}
    kept = session.get(Conversation, old)
    assert kept is not None and kept.status == ConversationStatus.CLOSED
    agenda = session.exec(select(AgendaItem)).all()
    assert {a.outcome for a in agenda} == {"answered"}  # outcomes stay for the digest
    assert len(session.exec(select(Rating)).all()) == 2  # ratings stay, without comments
    cards = {m.key for m in session.exec(select(OutboxMessage)).all()}
    assert cards == {
        f"conversation:{recent}:welcome",
        f"conversation:{recent}:welcome:dm:U0ALICE01",
        f"conversation:{recent}:welcome:dm:U0CARA001",
    }
