"""The expiry and lapse jobs over many rows: set-based batches, each row changed and told once,
and people's clicks never waiting behind a run."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlmodel import Session, col, select

from bot import conversations as svc
from bot.batch_jobs import EXPIRY_BATCH, expire_requests_in_batches
from bot.context import Deps
from bot.slack import build_client
from handlers import jobs
from handlers.deliver import build_sender
from storage.db import unit_of_work
from storage.models import (
    Conversation,
    ConversationStatus,
    MetLog,
    MetStatus,
    OutboxMessage,
    Person,
)
from tests.bulk import conversation_row, insert_conversations, insert_people, person_row
from tests.conftest import START, FakeClock
from tests.dbstate import statements_run
from tests.fakeslack import FakeSlack

DUE = 500
MENTORS = 5


def _people(session: Session, prefix: str, n: int, area: str) -> list[int]:
    rows = [
        person_row(f"U{prefix}{i:06d}", START, name=f"{prefix} {i}", area=area) for i in range(n)
    ]
    return insert_people(session, rows)


def _conversations(
    session: Session,
    pairs: list[tuple[int, int]],
    status: ConversationStatus,
    created: datetime,
    *,
    passed_at: datetime | None = None,
) -> list[int]:
    rows = [
        conversation_row(mentee, mentor, status, created, n=n, passed_at=passed_at)
        for n, (mentee, mentor) in enumerate(pairs)
    ]
    return insert_conversations(session, rows)


def _arrange(session: Session, *, due: int = DUE) -> dict[str, list[int]]:
    """``due`` requests 8 days old (from 100 mentees to 5 mentors each) among fresh ones,
    recently passed ones and closed ones."""
    mentees = _people(session, "MENTEE", 100, "Engineering")
    mentors = _people(session, "MENTOR", MENTORS, "Design")
    others = _people(session, "OTHERS", 3, "Sales")
    old = START - timedelta(days=8)
    pairs = [(m, t) for t in mentors for m in mentees][:due]
    arranged = {
        "due": _conversations(session, pairs, ConversationStatus.REQUESTED, old),
        "fresh": _conversations(
            session,
            [(m, t) for t in others[:2] for m in mentees],
            ConversationStatus.REQUESTED,
            START - timedelta(days=1),
        ),
        "passed": _conversations(
            session,
            [(m, others[2]) for m in mentees],
            ConversationStatus.INFO_REQUESTED,
            old,
            passed_at=START - timedelta(days=2),
        ),
        "closed": _conversations(session, pairs * 4, ConversationStatus.CLOSED, old),
    }
    session.commit()
    return arranged


def _statuses(session: Session, ids: list[int]) -> set[str]:
    session.expire_all()
    rows = session.exec(select(Conversation.status).where(col(Conversation.id).in_(ids))).all()
    return set(rows)


def _outbox_keys(session: Session) -> list[str]:
    """The messages written (Home refreshes aside: ``_home_refreshes``)."""
    return list(session.exec(select(OutboxMessage.key).where(OutboxMessage.kind != "home")).all())


def _home_refreshes(session: Session) -> list[str]:
    """Whose Home tabs are refreshed, once per row written."""
    rows = session.exec(select(OutboxMessage.recipient).where(OutboxMessage.kind == "home"))
    return sorted(rows.all())


def _install_with_running_sender(deps: Deps) -> None:
    """As in `mentorbot scheduler`: a sender of this process is woken, the job sends nothing."""
    client = build_client(deps.settings)
    jobs.install(deps, client, sender=build_sender(deps.open_session, client, clock=deps.clock))


def test_five_hundred_due_requests_among_many_others_expire_in_batches_each_told_once(
    deps: Deps, session: Session, fake_slack: FakeSlack
) -> None:
    rows = _arrange(session)
    _install_with_running_sender(deps)

    with statements_run(deps.engine) as seen:
        jobs.expire_requests()

    assert _statuses(session, rows["due"]) == {ConversationStatus.EXPIRED}
    assert _statuses(session, rows["fresh"]) == {ConversationStatus.REQUESTED}
    assert _statuses(session, rows["passed"]) == {ConversationStatus.INFO_REQUESTED}
    assert _statuses(session, rows["closed"]) == {ConversationStatus.CLOSED}
    updates = [s for s in seen if re.match(r"\s*UPDATE conversation\b", s)]
    assert len(updates) == -(-DUE // EXPIRY_BATCH)  # one compare-and-set per batch
    keys = _outbox_keys(session)
    assert sorted(keys) == sorted(
        [f"request:{cid}:expired:to-mentee" for cid in rows["due"]]
        + [f"request:{cid}:expired:card" for cid in rows["due"]]
    )

    refreshed = _home_refreshes(session)
    assert len(refreshed) == len(set(refreshed))  # each person's Home once per run
    with deps.open_session() as db:
        due = db.exec(select(Conversation).where(col(Conversation.id).in_(rows["due"]))).all()
        people = {p.id: p.slack_id for p in db.exec(select(Person)).all()}
    assert set(refreshed) == {people[c.mentee_id] for c in due} | {people[c.mentor_id] for c in due}

    jobs.expire_requests()  # again: nothing is due, nobody is told twice
    assert sorted(_outbox_keys(session)) == sorted(keys)


def test_two_runs_at_once_expire_and_tell_each_request_once(deps: Deps, session: Session) -> None:
    rows = _arrange(session, due=450)
    changed: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        for batch in expire_requests_in_batches(
            deps.open_session, now=deps.clock(), max_level_gap=2
        ):
            changed.append(batch.changed)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(changed) == 450  # compare-and-set: no request counted by both runs
    assert _statuses(session, rows["due"]) == {ConversationStatus.EXPIRED}
    keys = _outbox_keys(session)
    assert len(keys) == len(set(keys)) == 2 * 450


def test_a_mentor_accepting_while_the_job_runs_waits_well_under_a_second(
    deps: Deps, session: Session, clock: FakeClock
) -> None:
    _arrange(session)
    mentees = _people(session, "CLICK", 40, "Sales")
    mentor = session.exec(select(Person).where(Person.slack_id == "UMENTOR000000")).one()
    assert mentor.id is not None
    waiting = _conversations(
        session, [(m, mentor.id) for m in mentees], ConversationStatus.REQUESTED, START
    )
    session.commit()
    _install_with_running_sender(deps)
    job = threading.Thread(target=jobs.expire_requests)
    clicks: list[float] = []

    job.start()
    for cid in waiting:
        if not job.is_alive():
            break
        began = time.monotonic()
        with unit_of_work(deps.open_session) as s:
            svc.accept_request(s, cid, mentor.slack_id, now=clock(), max_sessions=3)
        clicks.append(time.monotonic() - began)
        time.sleep(0.02)
    job.join(timeout=120)

    assert len(clicks) >= 3, "the job ended before the clicks could overlap it"
    assert max(clicks) < 1.0, clicks
    assert _statuses(session, waiting[: len(clicks)]) == {ConversationStatus.ACTIVE}


def test_four_hundred_unconfirmed_meetings_lapse_in_batches_each_dm_replaced_once(
    deps: Deps, session: Session
) -> None:
    loggers = _people(session, "LOGGER", 40, "Engineering")
    others = _people(session, "OTHER", 10, "Design")
    created = START - timedelta(days=15)
    rows = [
        {
            "logger_id": a,
            "other_id": b,
            "note": "",
            "status": MetStatus.PENDING.value,
            "created_at": created,
            "dm_channel": f"D{b:08d}",
            "dm_ts": f"{a}.{b:06d}",
        }
        for a in loggers
        for b in others
    ]
    session.execute(insert(MetLog), rows)
    session.commit()
    _install_with_running_sender(deps)

    with statements_run(deps.engine) as seen:
        jobs.lapse_met_requests()
        jobs.lapse_met_requests()

    session.expire_all()
    assert set(session.exec(select(MetLog.status)).all()) == {MetStatus.LAPSED}
    assert len([s for s in seen if re.match(r"\s*UPDATE metlog\b", s)]) == 2  # 200 a batch
    keys = _outbox_keys(session)
    assert len(keys) == len(set(keys)) == 400
    assert all(re.fullmatch(r"met:\d+:lapsed:dm", k) for k in keys)
