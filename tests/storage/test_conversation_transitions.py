"""The conversation state machine: the table is what the one status change allows."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta
from itertools import count, product

import pytest
from sqlmodel import Session

from storage import conversations as store
from storage.models import TRANSITIONS, Conversation, ConversationStatus
from tests.factories import make_person

THEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOW = THEN + timedelta(days=1)
STATUSES = tuple(ConversationStatus)
_numbers = count(1)


def _conversation(session: Session, status: ConversationStatus) -> Conversation:
    n = next(_numbers)
    mentee = make_person(session, f"U0MENTEE{n:04d}", area="Sales")
    mentor = make_person(session, f"U0MENTOR{n:04d}", area="Design")
    assert mentee.id is not None and mentor.id is not None
    conversation = Conversation(
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        status=status,
        topic="public speaking",
        created_at=THEN,
        status_changed_at=THEN,
    )
    session.add(conversation)
    session.commit()
    return conversation


def _move(session: Session, conversation: Conversation, status: ConversationStatus) -> bool:
    assert conversation.id is not None
    moved = store.compare_and_set_status(
        conversation.id,
        expected_status=conversation.status,
        expected_mentor_id=conversation.mentor_id,
        status=status,
        session=session,
        now=NOW,
    )
    session.commit()
    session.refresh(conversation)
    return moved


def _paths_from_requested() -> dict[ConversationStatus, list[ConversationStatus]]:
    """The shortest walk through the table from "requested" to every status it reaches."""
    paths = {ConversationStatus.REQUESTED: [ConversationStatus.REQUESTED]}
    todo = deque([ConversationStatus.REQUESTED])
    while todo:
        current = todo.popleft()
        for following in sorted(TRANSITIONS[current]):
            if following not in paths:
                paths[following] = [*paths[current], following]
                todo.append(following)
    return paths


def test_the_table_names_every_status_and_only_statuses() -> None:
    assert set(TRANSITIONS) == set(STATUSES)
    assert all(set(targets) <= set(STATUSES) for targets in TRANSITIONS.values())


def test_declined_expired_withdrawn_and_closed_are_final() -> None:
    final = {s for s, targets in TRANSITIONS.items() if not targets}
    assert final == {
        ConversationStatus.DECLINED,
        ConversationStatus.EXPIRED,
        ConversationStatus.WITHDRAWN,
        ConversationStatus.CLOSED,
    }


def test_only_a_waiting_request_can_be_withdrawn() -> None:
    into = {s for s, targets in TRANSITIONS.items() if ConversationStatus.WITHDRAWN in targets}
    assert into == {ConversationStatus.REQUESTED, ConversationStatus.INFO_REQUESTED}


@pytest.mark.parametrize(("current", "target"), list(product(STATUSES, STATUSES)))
def test_a_status_change_happens_exactly_when_the_table_allows_it(
    session: Session, current: ConversationStatus, target: ConversationStatus
) -> None:
    conversation = _conversation(session, current)
    moved = _move(session, conversation, target)
    if target in TRANSITIONS[current]:
        assert moved
        assert (conversation.status, conversation.status_changed_at) == (target, NOW)
    else:
        assert not moved
        assert (conversation.status, conversation.status_changed_at) == (current, THEN)


def test_a_status_the_machine_does_not_know_is_refused_and_changes_nothing(
    session: Session,
) -> None:
    conversation = _conversation(session, ConversationStatus.REQUESTED)
    assert conversation.id is not None
    assert not store.compare_and_set_status(
        conversation.id,
        expected_status=conversation.status,
        expected_mentor_id=conversation.mentor_id,
        status="archived",
        session=session,
        now=NOW,
    )
    session.commit()
    session.refresh(conversation)
    assert (conversation.status, conversation.status_changed_at) == ("requested", THEN)


def test_every_status_is_reachable_from_requested_through_the_status_change(
    session: Session,
) -> None:
    paths = _paths_from_requested()
    assert set(paths) == set(STATUSES)
    for status, path in paths.items():
        conversation = _conversation(session, ConversationStatus.REQUESTED)
        for step in path[1:]:
            assert _move(session, conversation, step), (status, path)
        assert conversation.status == status
