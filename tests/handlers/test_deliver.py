"""The outbox sender against the fake Slack over HTTP: every message once, whatever Slack does."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock import utc_now
from bot.context import Deps
from bot.effects import DirectMessage, GroupMessage, PostToChannel, PublishHome, UpdateMessage
from bot.pacing import Pacer, Rate, unlimited
from bot.slack import build_client
from handlers.deliver import Sender
from storage.db import unit_of_work
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import enqueue
from tests.fakeslack import FakeSlack

HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}


def person(n: int) -> str:
    return f"U{n:03d}OUT"  # distinct DM channels at the fake (it keys them on chars 1-3)


def dm(n: int) -> DirectMessage:
    return DirectMessage(key=f"dm:{n}", user_id=person(n), text=f"message {n}")


@pytest.fixture
def sender(deps: Deps) -> Sender:
    client = build_client(deps.settings, resend=False)
    return Sender(
        deps.open_session,
        client,
        clock=utc_now,
        pacer=unlimited(),
        backoff=timedelta(milliseconds=50),
    )


def write(deps: Deps, *effects: Any) -> None:
    with unit_of_work(deps.open_session) as session:
        enqueue(effects, session=session, now=utc_now())


def deliver_everything(sender: Sender, engine: Engine, timeout: float = 15) -> list[OutboxMessage]:
    """Run the sender until no row is pending or sending; the rows, by id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sender.drain_once()
        with Session(engine) as session:
            rows = list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())
        if all(r.status not in (OutboxStatus.PENDING, OutboxStatus.SENDING) for r in rows):
            return rows
        time.sleep(0.05)
    raise AssertionError(f"still waiting: {[(r.key, r.status, r.last_error) for r in rows]}")


def test_a_dm_is_posted_once_with_its_key_and_its_ref_remembered(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    write(deps, dm(1), dm(1))

    (row,) = deliver_everything(sender, deps.engine)

    (message,) = fake_slack.posted_with_key("dm:1")
    assert message["text"] == "message 1"
    assert (row.status, row.ts, row.attempts) == (OutboxStatus.SENT, message["ts"], 1)
    assert fake_slack.calls_to("conversations.history") == []  # nothing was in doubt


def test_a_dm_goes_to_the_persons_user_id_and_the_row_keeps_the_dm_channel_slack_answers(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    write(deps, dm(1), dm(2))

    rows = deliver_everything(sender, deps.engine)

    posts = fake_slack.calls_to("chat.postMessage")
    assert [p.params["channel"] for p in posts] == [person(1), person(2)]
    assert fake_slack.calls_to("conversations.open") == []  # Tier 3: not once per person
    for n, row in zip((1, 2), rows, strict=True):
        (dm_channel,) = [c for (c, _ts), m in fake_slack.messages.items() if m["ts"] == row.ts]
        assert dm_channel.startswith("D") and row.channel == dm_channel
        assert fake_slack.posted_with_key(f"dm:{n}")[0]["text"] == f"message {n}"


def test_a_dm_in_doubt_is_looked_up_in_the_dm_that_conversations_open_names(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    write(deps, dm(1))
    fake_slack.drop("chat.postMessage")  # posted, then the connection drops

    (row,) = deliver_everything(sender, deps.engine)

    (opened,) = fake_slack.calls_to("conversations.open")
    (lookup,) = fake_slack.calls_to("conversations.history")
    assert opened.params["users"] == person(1)
    assert lookup.params["channel"] == row.channel and row.channel.startswith("D")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    (message,) = fake_slack.posted_with_key("dm:1")
    assert (row.status, row.ts) == (OutboxStatus.SENT, message["ts"])


def test_every_message_arrives_exactly_once_through_429s_500s_and_dropped_connections(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    write(deps, *(dm(n) for n in range(8)))
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    fake_slack.fail("chat.postMessage", status=500, after=True)  # posted, then 500
    fake_slack.drop("chat.postMessage")  # posted, then the connection drops
    fake_slack.fail("chat.postMessage", status=503)  # refused before posting
    fake_slack.fail("chat.postMessage", error="internal_error", after=True)

    rows = deliver_everything(sender, deps.engine)

    assert all(r.status == OutboxStatus.SENT for r in rows)
    for n in range(8):
        (message,) = fake_slack.posted_with_key(f"dm:{n}")
        assert rows[n].ts == message["ts"]
    # Every send in doubt (any 5xx, the drop, internal_error) was looked up first: the
    # three that had arrived were not repeated; the 503 and the 429 were sent again.
    assert len(fake_slack.calls_to("chat.postMessage")) == 8 + 2
    lookups = fake_slack.calls_to("conversations.history")
    assert len(lookups) == 4
    assert all(c.params["include_all_metadata"] in (True, "true", "1") for c in lookups)


def test_a_429_is_retried_only_after_its_retry_after(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    write(deps, dm(1))
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)

    (row,) = deliver_everything(sender, deps.engine)

    first, second = fake_slack.calls_to("chat.postMessage")
    assert second.at - first.at >= 0.95
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    assert fake_slack.calls_to("conversations.history") == []  # a 429 is never in doubt


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("chat.postMessage", "user_not_found"),
        ("chat.postMessage", "account_inactive"),
        ("chat.postMessage", "cannot_dm_bot"),
        ("chat.postMessage", "is_archived"),
    ],
)
def test_a_permanent_refusal_is_recorded_and_never_retried(
    deps: Deps, sender: Sender, fake_slack: FakeSlack, method: str, error: str
) -> None:
    write(deps, dm(1))
    fake_slack.fail(method, error=error)

    (row,) = deliver_everything(sender, deps.engine)
    sender.drain_once()

    assert (row.status, row.last_error, row.attempts) == (OutboxStatus.FAILED, error, 1)
    assert len(fake_slack.calls_to(method)) == 1
    assert fake_slack.posted_with_key("dm:1") == []


def test_updates_and_homes_are_repeated_after_a_5xx_or_a_drop(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    card = fake_slack._m_chat_postMessage({"channel": "D0CARD001", "text": "request"})
    write(
        deps,
        UpdateMessage(key="card:1", channel="D0CARD001", ts=card["ts"], text="accepted"),
        PublishHome(key="home:1", user_id=person(1), view=HOME),
    )
    fake_slack.fail("chat.update", status=500, after=True)
    fake_slack.drop("views.publish")

    rows = deliver_everything(sender, deps.engine)

    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert len(fake_slack.calls_to("chat.update")) == 2
    assert len(fake_slack.calls_to("views.publish")) == 2
    assert fake_slack.messages[("D0CARD001", card["ts"])]["text"] == "accepted"
    assert fake_slack.homes[person(1)] == HOME
    assert fake_slack.calls_to("conversations.history") == []


def test_a_group_message_goes_to_the_pairs_group_dm(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    write(deps, GroupMessage(key="pair:1", user_ids=(person(2), person(1)), text="say hello"))

    (row,) = deliver_everything(sender, deps.engine)

    opened = fake_slack.last("conversations.open")
    assert opened.params["users"] == f"{person(1)},{person(2)}"
    assert row.channel is not None and row.channel.startswith("G")


def test_a_message_whose_window_closed_is_skipped_not_sent(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    past = utc_now() - timedelta(minutes=1)
    write(deps, DirectMessage(key="late", user_id=person(1), text="too late", not_after=past))

    (row,) = deliver_everything(sender, deps.engine)

    assert row.status == OutboxStatus.SKIPPED
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_running_sender_delivers_what_is_written_when_woken_and_stops_on_request(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    stop = threading.Event()
    thread = sender.start(stop, idle=30)  # it would not poll again for 30 s on its own
    try:
        write(deps, dm(1))
        sender.wake()
        (post,) = fake_slack.wait_for("chat.postMessage", timeout=5)
        assert post.params["metadata"]["event_payload"]["key"] == "dm:1"
    finally:
        stop.set()
        sender.wake()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_a_stopped_sender_gives_back_the_rest_of_its_batch_unsent(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    write(deps, dm(1), dm(2))
    sender.stop()  # before the first row of the batch

    assert sender.drain_once() == 2

    with Session(deps.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {(r.status, r.lease_owner, r.in_doubt_since) for r in rows} == {
        (OutboxStatus.PENDING, None, None)
    }
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_sender_paced_at_slacks_limits_is_never_refused_by_a_slack_that_enforces_them(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    fake_slack.limits.update({"chat.postMessage": (20, 4), "chat.postMessage@channel": (1, 2)})
    limits = {"chat.postMessage": Rate(20, 2), "chat.postMessage@channel": Rate(1)}
    client = build_client(deps.settings, resend=False)
    sender = Sender(deps.open_session, client, clock=utc_now, pacer=Pacer(limits))
    digests = [PostToChannel(key=f"digest:{n}", channel="C0DIGEST1", text="x") for n in range(3)]
    write(deps, *(dm(n) for n in range(24)), *digests)

    rows = deliver_everything(sender, deps.engine)

    assert fake_slack.rate_limited == {}
    assert all(r.status == OutboxStatus.SENT and r.attempts == 1 for r in rows)
    posts = fake_slack.calls_to("chat.postMessage")
    assert len(posts) == 27
    assert posts[-1].at - posts[0].at >= (27 - 2) / 20 - 0.05  # at the workspace rate
    to_digest = [p.at for p in posts if p.params["channel"] == "C0DIGEST1"]
    assert to_digest[2] - to_digest[1] >= 0.95 and to_digest[1] - to_digest[0] >= 0.95


def test_an_unpaced_sender_is_refused_with_429s_and_still_delivers_each_message_once(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    fake_slack.limits["chat.postMessage"] = (20, 3)
    write(deps, *(dm(n) for n in range(8)))

    rows = deliver_everything(sender, deps.engine)

    assert fake_slack.rate_limited["chat.postMessage"] >= 1
    assert all(r.status == OutboxStatus.SENT for r in rows)
    assert all(len(fake_slack.posted_with_key(f"dm:{n}")) == 1 for n in range(8))
    assert fake_slack.calls_to("conversations.history") == []  # a 429 is never in doubt


def test_what_is_owed_after_a_message_follows_it_and_only_the_right_branch(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    def told(n: int, how: str) -> DirectMessage:
        return DirectMessage(key=f"told:{n}:{how}", user_id=person(9), text=f"{n} {how}")

    write(
        deps,
        DirectMessage(
            key="card:1",
            user_id=person(1),
            text="card 1",
            then=(told(1, "sent"),),
            otherwise=(told(1, "saved"),),
        ),
        DirectMessage(
            key="card:2",
            user_id=person(2),
            text="card 2",
            then=(told(2, "sent"),),
            otherwise=(told(2, "saved"),),
        ),
    )
    fake_slack.fail("chat.postMessage", error="user_not_found")  # card 1, for good

    sender.flush(["card:1", "card:2"])  # what a use case just wrote, and what they chained

    texts = [c.params["text"] for c in fake_slack.calls_to("chat.postMessage")]
    assert texts == ["card 1", "card 2", "1 saved", "2 sent"]
    with Session(deps.engine) as session:
        statuses = dict(session.exec(select(OutboxMessage.key, OutboxMessage.status)).all())
    assert statuses == {
        "card:1": OutboxStatus.FAILED,
        "card:2": OutboxStatus.SENT,
        "told:1:saved": OutboxStatus.SENT,
        "told:2:sent": OutboxStatus.SENT,
    }


def test_an_update_goes_where_its_target_message_went_and_is_skipped_without_one(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    write(
        deps,
        DirectMessage(key="card:1", user_id=person(1), text="card"),
        DirectMessage(key="card:2", user_id=person(2), text="card"),
    )
    fake_slack.fail("chat.postMessage", error="account_inactive", times=1)
    sender.flush(["card:1", "card:2"])
    write(
        deps,
        UpdateMessage(key="card:1:answered", target="card:1", text="answered 1"),
        UpdateMessage(key="card:2:answered", target="card:2", text="answered 2"),
        UpdateMessage(key="card:3:answered", target="card:3", text="answered 3"),
    )

    sender.flush(["card:1:answered", "card:2:answered", "card:3:answered"])

    (updated,) = fake_slack.calls_to("chat.update")
    with Session(deps.engine) as session:
        rows = {r.key: r for r in session.exec(select(OutboxMessage)).all()}
    assert (updated.params["channel"], updated.params["ts"]) == (
        rows["card:2"].channel,
        rows["card:2"].ts,
    )
    assert updated.params["text"] == "answered 2"
    assert rows["card:1:answered"].status == OutboxStatus.SKIPPED
    assert rows["card:3:answered"].status == OutboxStatus.SKIPPED


def test_an_older_update_of_a_message_is_skipped_once_a_newer_one_is_written(
    deps: Deps, sender: Sender, fake_slack: FakeSlack
) -> None:
    write(deps, DirectMessage(key="card:1", user_id=person(1), text="card"))
    sender.flush(["card:1"])
    write(
        deps,
        UpdateMessage(key="card:1:step:1", target="card:1", text="step 1"),
        UpdateMessage(key="card:1:step:2", target="card:1", text="step 2"),
    )

    # The newer one goes first (another thread's flush, or a retry of the older one later).
    sender.flush(["card:1:step:2"])
    sender.flush(["card:1:step:1"])

    (updated,) = fake_slack.calls_to("chat.update")
    assert updated.params["text"] == "step 2"
    with Session(deps.engine) as session:
        older = session.exec(select(OutboxMessage).where(OutboxMessage.key == "card:1:step:1"))
        assert older.one().status == OutboxStatus.SKIPPED


def test_a_home_refresh_publishes_what_the_database_says_when_it_is_sent(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    from bot.effects import RefreshHome

    seen: list[str] = []

    def render(slack_id: str) -> dict[str, Any]:
        seen.append(slack_id)
        return HOME

    sender = Sender(
        deps.open_session,
        build_client(deps.settings, resend=False),
        clock=utc_now,
        pacer=unlimited(),
        homes=render,
    )
    write(deps, RefreshHome(key="home:1:a", user_id=person(1)))

    sender.flush(["home:1:a"])

    assert seen == [person(1)]
    assert fake_slack.homes[person(1)] == HOME


def test_a_batchs_outcomes_are_recorded_in_one_short_write_transaction(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    sender = Sender(
        deps.open_session,
        build_client(deps.settings, resend=False),
        clock=utc_now,
        pacer=unlimited(),
        batch=10,
        record_every=60,  # no batch here lasts that long: the end of the batch records
    )
    write(deps, *(dm(n) for n in range(10)))
    transactions: list[list[str]] = [[]]

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        transactions[-1].append(sql)

    def commit(_conn: Any) -> None:
        transactions.append([])

    event.listen(deps.engine, "before_cursor_execute", statement)
    event.listen(deps.engine, "commit", commit)
    try:
        assert sender.drain_once() == 10
    finally:
        event.remove(deps.engine, "before_cursor_execute", statement)
        event.remove(deps.engine, "commit", commit)

    writes = [t for t in transactions if any(s.startswith("UPDATE outbox") for s in t)]
    assert len(writes) == 2  # the claim, then every outcome at once
    assert len(fake_slack.calls_to("chat.postMessage")) == 10
    with Session(deps.engine) as session:
        statuses = session.exec(select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.SENT] * 10


def test_an_update_of_a_message_sent_earlier_in_the_same_batch_follows_it_at_once(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    sender = Sender(
        deps.open_session,
        build_client(deps.settings, resend=False),
        clock=utc_now,
        pacer=unlimited(),
        record_every=60,
    )
    write(
        deps,
        DirectMessage(key="card:1", user_id=person(1), text="card"),
        UpdateMessage(key="card:1:withdrawn", target="card:1", text="withdrawn"),
    )

    assert sender.drain_once() == 2

    (posted,) = fake_slack.posted_with_key("card:1")
    (updated,) = fake_slack.calls_to("chat.update")
    assert updated.params["ts"] == posted["ts"] and updated.params["text"] == "withdrawn"
    with Session(deps.engine) as session:
        statuses = set(session.exec(select(OutboxMessage.status)).all())
    assert statuses == {OutboxStatus.SENT}
