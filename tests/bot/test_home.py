"""What the App Home loads for one person: its cost does not grow with their history."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from bot.connections import log_met
from bot.context import Deps
from bot.home import load_home_state, load_progress_state
from storage.connections import record_connection
from storage.models import (
    ActionItem,
    ConnectionSource,
    Conversation,
    ConversationStatus,
    MentoringSession,
)
from storage.people import get_by_slack_id
from tests.conftest import START
from tests.dbstate import company_wide_reads, statements_run
from tests.factories import make_person


def _newcomer(deps: Deps) -> None:
    """A newcomer in Engineering with a three-level reporting line."""
    with deps.open_session() as session:
        for level in range(3):
            make_person(session, f"U0BOSS{level:03d}", manager=f"U0BOSS{level + 1:03d}")
        make_person(
            session, "U0ALICE01", manager="U0BOSS000", start_date=(START - timedelta(30)).date()
        )
        session.commit()


def _home_queries(deps: Deps, more: range) -> int:
    """Connect the newcomer with ``more`` people (in other areas, each with a reporting line
    of their own, each having declined a request of theirs passed on by their lead), have
    as many others ask them to confirm a meeting and owe them an action from a mentoring
    conversation, then count the queries their Home takes."""
    with deps.open_session() as session:
        me = get_by_slack_id("U0ALICE01", session=session)
        assert me is not None and me.id is not None
        for n in more:
            lead = make_person(session, f"U0LEAD{n:03d}", area=f"Area {n}", manager="U0BOSS001")
            other = make_person(
                session, f"U0PEER{n:03d}", area=f"Area {n}", manager=f"U0LEAD{n:03d}"
            )
            assert other.id is not None
            record_connection(me.id, other.id, ConnectionSource.SESSION, session=session, now=START)
            session.add(  # an earlier request of mine that they declined
                Conversation(
                    mentee_id=me.id,
                    mentor_id=other.id,
                    status=ConversationStatus.DECLINED,
                    created_at=START,
                    status_changed_at=START,
                    passed_from_id=lead.id,
                )
            )
            stranger = make_person(session, f"U0NEW{n:04d}", area=f"Area {n}")
            log_met(session, stranger.slack_id, "U0ALICE01", "", now=START)
            mentored = Conversation(  # they asked me; we met once and an action is open
                mentee_id=stranger.id,
                mentor_id=me.id,
                status=ConversationStatus.CLOSED,
                created_at=START,
                status_changed_at=START,
            )
            session.add(mentored)
            session.flush()
            held = MentoringSession(
                conversation_id=mentored.id, number=1, created_at=START, held_at=START
            )
            session.add(held)
            session.flush()
            session.add(ActionItem(session_id=held.id, position=1, text="Send the slides"))
        session.commit()
    with deps.open_session() as session, statements_run(deps.engine) as statements:
        state = load_home_state(session, "U0ALICE01", settings=deps.settings, now=START)
    assert state.progress is not None
    assert state.progress.progress.total == more.stop
    assert state.progress.progress.outside_area_total == more.stop
    assert len(state.progress.waiting) == more.stop
    assert state.progress.conversations is not None
    assert len(state.progress.conversations.requests) == more.stop
    assert len(state.progress.conversations.actions) == more.stop
    return len(statements)


def test_the_home_takes_as_many_queries_for_twenty_connections_as_for_two(deps: Deps) -> None:
    _newcomer(deps)
    few = _home_queries(deps, range(0, 2))
    many = _home_queries(deps, range(2, 20))
    assert many == few, f"{few} queries with 2 connections, {many} with 20"


@pytest.mark.skipif(
    bool(os.environ.get("MENTORBOT_TEST_DATABASE_URL")), reason="reads SQLite's query plans"
)
def test_the_home_and_progress_read_a_persons_own_conversations_not_all_in_a_status(
    deps: Deps,
) -> None:
    """A filter on status beside ``mentee_id = ? OR mentor_id = ?`` had SQLite read every
    active conversation in the company: the Home got slower as the company grew."""
    _newcomer(deps)
    _home_queries(deps, range(0, 2))
    with deps.open_session() as session, statements_run(deps.engine) as statements:
        load_home_state(session, "U0ALICE01", settings=deps.settings, now=START)
        me = get_by_slack_id("U0ALICE01", session=session)
        assert me is not None
        load_progress_state(session, me, settings=deps.settings, now=START)
    assert company_wide_reads(deps.engine, statements) == {}
