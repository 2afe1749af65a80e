"""The outbox table: one row per key, claims that never overlap, outcomes only by the holder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.effects import DirectMessage, GroupMessage, PublishHome, UpdateMessage
from storage.db import session_factory, unit_of_work
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import (
    Finish,
    claim,
    counts,
    enqueue,
    failures,
    mark_failed,
    mark_sent,
    message_ref,
    oldest_pending,
    purge_sent,
    record,
    release,
    retry_at,
)
from tests.dbstate import statements_run

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def dm(n: int, **window: datetime) -> DirectMessage:
    return DirectMessage(key=f"test:{n}", user_id=f"U{n:03d}TEST", text=f"hello {n}", **window)


def _enqueue(
    engine: Engine, *effects: DirectMessage | GroupMessage | PublishHome | UpdateMessage
) -> int:
    with unit_of_work(session_factory(engine)) as session:
        return enqueue(effects, session=session, now=NOW)


def _rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def test_enqueueing_the_same_effect_twice_keeps_one_row(engine: Engine) -> None:
    assert _enqueue(engine, dm(1), dm(2)) == 2
    assert _enqueue(engine, dm(1)) == 0
    with unit_of_work(session_factory(engine)) as session:  # twice in one transaction too
        assert enqueue([dm(3), dm(3)], session=session, now=NOW) == 1

    rows = _rows(engine)
    assert [r.key for r in rows] == ["test:1", "test:2", "test:3"]
    assert rows[0].payload == {"text": "hello 1"}
    assert rows[0].status == OutboxStatus.PENDING
    assert rows[0].method == "chat.postMessage"


def test_hundreds_of_effects_are_written_in_one_insert_and_counted_exactly(
    engine: Engine,
) -> None:
    _enqueue(engine, dm(7))
    effects = [dm(n) for n in range(300)] + [dm(3)]  # 7 is there already; 3 comes twice

    with statements_run(engine) as seen:
        assert _enqueue(engine, *effects) == 299

    assert len([s for s in seen if s.lstrip().upper().startswith("INSERT")]) == 1
    assert [r.key for r in _rows(engine)] == ["test:7"] + [
        f"test:{n}" for n in range(300) if n != 7
    ]


def test_an_enqueue_rolled_back_with_its_cause_leaves_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError), unit_of_work(session_factory(engine)) as session:
        enqueue([dm(1)], session=session, now=NOW)
        raise RuntimeError("the use case failed after writing its effects")
    assert _rows(engine) == []


def test_two_claims_never_share_a_row_and_respect_not_before(engine: Engine) -> None:
    _enqueue(engine, *(dm(n) for n in range(5)), dm(9, not_before=NOW + timedelta(hours=1)))
    open_session = session_factory(engine)

    long = timedelta(hours=2)
    first = claim(open_session, 3, owner="a", lease=long, now=NOW)
    second = claim(open_session, 10, owner="b", lease=long, now=NOW)

    assert len(first) == 3 and len(second) == 2
    assert {c.key for c in first}.isdisjoint({c.key for c in second})
    assert all(c.attempts == 1 and c.in_doubt_since is None for c in first + second)
    later = claim(open_session, 10, owner="c", lease=LEASE, now=NOW + timedelta(hours=1))
    assert [c.key for c in later] == ["test:9"]


def test_higher_priority_is_claimed_first(engine: Engine) -> None:
    _enqueue(
        engine,
        dm(1),
        PublishHome(key="home:1", user_id="U001TEST", view={"type": "home"}, priority=5),
    )
    claimed = claim(session_factory(engine), 1, owner="a", lease=LEASE, now=NOW)
    assert [c.key for c in claimed] == ["home:1"]


def test_an_expired_lease_is_taken_over_in_doubt_and_the_old_owner_can_no_longer_record(
    engine: Engine,
) -> None:
    _enqueue(engine, dm(1))
    open_session = session_factory(engine)
    (held,) = claim(open_session, 10, owner="dead", lease=LEASE, now=NOW)
    assert claim(open_session, 10, owner="b", lease=LEASE, now=NOW + LEASE) == []

    (taken,) = claim(open_session, 10, owner="b", lease=LEASE, now=NOW + LEASE * 2)

    assert taken.id == held.id
    assert taken.attempts == 2
    assert taken.in_doubt_since == NOW  # when the dead sender's attempt began
    with unit_of_work(open_session) as session:
        assert not mark_sent(
            held.id, owner="dead", channel="D1", ts="1.1", now=NOW, session=session
        )
        assert mark_sent(taken.id, owner="b", channel="D1", ts="1.2", now=NOW, session=session)
        assert message_ref("test:1", session=session) == ("D1", "1.2")
    (row,) = _rows(engine)
    assert (row.status, row.lease_owner, row.in_doubt_since) == (OutboxStatus.SENT, "b", None)


def test_a_released_row_comes_back_at_its_retry_time(engine: Engine) -> None:
    _enqueue(engine, dm(1))
    open_session = session_factory(engine)
    (held,) = claim(open_session, 10, owner="a", lease=LEASE, now=NOW)
    with unit_of_work(open_session) as session:
        assert release(
            held.id,
            owner="a",
            not_before=retry_at(held.attempts, NOW),
            error="http 503",
            in_doubt_since=held.claimed_at,
            session=session,
        )
    assert claim(open_session, 10, owner="b", lease=LEASE, now=NOW + timedelta(seconds=1)) == []
    (again,) = claim(open_session, 10, owner="b", lease=LEASE, now=NOW + timedelta(seconds=2))
    assert (again.attempts, again.in_doubt_since) == (2, NOW)


def test_backoff_doubles_and_stops_at_fifteen_minutes() -> None:
    waits = [(retry_at(n, NOW) - NOW).total_seconds() for n in (1, 2, 3, 10, 50)]
    assert waits == [2, 4, 8, 900, 900]


def test_counts_oldest_and_failures_for_operators(engine: Engine) -> None:
    _enqueue(engine, dm(1), dm(2), dm(3))
    open_session = session_factory(engine)
    held = claim(open_session, 2, owner="a", lease=LEASE, now=NOW)
    with unit_of_work(open_session) as session:
        mark_failed(held[0].id, owner="a", reason="user_not_found", now=NOW, session=session)
        mark_sent(held[1].id, owner="a", channel="D2", ts="1.2", now=NOW, session=session)
    with Session(engine) as session:
        assert counts(session=session) == [
            ("dm", "failed", 1),
            ("dm", "pending", 1),
            ("dm", "sent", 1),
        ]
        assert oldest_pending(session=session) == ("test:3", "dm", NOW)
        (failure,) = failures(session=session)
    assert (failure.key, failure.reason, failure.recipient) == (
        "test:1",
        "user_not_found",
        "U001TEST",
    )


def test_purge_deletes_old_sent_rows_only(engine: Engine) -> None:
    _enqueue(engine, dm(1), dm(2), dm(3))
    open_session = session_factory(engine)
    held = claim(open_session, 2, owner="a", lease=LEASE, now=NOW)
    with unit_of_work(open_session) as session:
        mark_sent(held[0].id, owner="a", channel="D", ts="1", now=NOW, session=session)
        mark_failed(held[1].id, owner="a", reason="account_inactive", now=NOW, session=session)
    with unit_of_work(open_session) as session:
        assert purge_sent(NOW, session=session) == 0
        assert purge_sent(NOW + timedelta(days=1), session=session) == 1
    assert [r.status for r in _rows(engine)] == [OutboxStatus.FAILED, OutboxStatus.PENDING]


def test_purge_keeps_a_pairs_group_message_which_their_card_updates_still_find(
    engine: Engine,
) -> None:
    card = GroupMessage(key="conversation:1:welcome", user_ids=("U001TEST", "U002TEST"), text="hi")
    _enqueue(engine, card, dm(1))
    open_session = session_factory(engine)
    for row in claim(open_session, 2, owner="a", lease=LEASE, now=NOW):
        with unit_of_work(open_session) as session:
            mark_sent(row.id, owner="a", channel="G1", ts=str(row.id), now=NOW, session=session)
    with unit_of_work(open_session) as session:
        assert purge_sent(NOW + timedelta(days=60), session=session) == 1
        assert message_ref("conversation:1:welcome", session=session) == ("G1", "1")


def test_outcomes_recorded_together_count_only_rows_still_held_and_write_what_they_chained(
    engine: Engine,
) -> None:
    def card(n: int) -> DirectMessage:
        return DirectMessage(
            key=f"card:{n}",
            user_id=f"U{n:03d}TEST",
            text="card",
            then=(dm(100 + n),),
            otherwise=(dm(200 + n),),
        )

    _enqueue(engine, card(1), card(2), card(3), card(4))
    open_session = session_factory(engine)
    one, two, three, four = claim(open_session, 10, owner="a", lease=LEASE, now=NOW)
    (taken,) = claim(open_session, 1, owner="b", lease=LEASE, now=NOW + LEASE * 2, keys=["card:4"])

    later = NOW + timedelta(minutes=5)
    with statements_run(engine) as seen, unit_of_work(open_session) as session:
        held, chained = record(
            [
                Finish(one.id, OutboxStatus.FAILED, error="user_not_found"),
                Finish(two.id, OutboxStatus.SENT, channel="D2", ts="1.2"),
                Finish(three.id, OutboxStatus.PENDING, error="http 503", not_before=later),
                Finish(four.id, OutboxStatus.SENT, channel="D4", ts="1.4"),  # lease lost
            ],
            owner="a",
            now=NOW,
            session=session,
        )

    assert len([s for s in seen if s.startswith("UPDATE")]) == 1
    assert held == [one.id, two.id, three.id]
    assert chained == ["test:201", "test:102"]  # each outcome's branch, in their order
    rows = {r.key: r for r in _rows(engine)}
    failed, sent, again, lost = (rows[f"card:{n}"] for n in (1, 2, 3, 4))
    assert (failed.status, failed.last_error, failed.finished_at, failed.lease_owner) == (
        OutboxStatus.FAILED,
        "user_not_found",
        NOW,
        "a",  # the sender that finished it
    )
    assert (sent.status, sent.channel, sent.ts, sent.sent_at, sent.lease_until) == (
        OutboxStatus.SENT,
        "D2",
        "1.2",
        NOW,
        None,
    )
    assert (again.status, again.lease_owner, again.not_before, again.last_error) == (
        OutboxStatus.PENDING,
        None,
        later,
        "http 503",
    )
    assert again.finished_at is None
    assert (lost.status, lost.lease_owner, lost.ts) == (OutboxStatus.SENDING, "b", None)
    assert taken.id == four.id
    assert {"test:101", "test:202", "test:103", "test:203"}.isdisjoint(rows)
