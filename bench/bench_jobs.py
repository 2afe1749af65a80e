"""Benchmark the hourly expiry job on a company-sized database while a mentor keeps clicking.

Builds a SQLite database with 100,000 conversations (mostly closed, some active, 2,000
fresh requests) of which 500 are requests unanswered for 8 days, then runs the real job
(``handlers.jobs.expire_requests``: batches, compare-and-set, notices to the outbox,
Home refreshes) with the outbox sender running in the same process, exactly as
``mentorbot scheduler`` does, against the fake Slack from the tests in a process of its
own (Slack's work, here the fake's Block Kit validation, is not the bot's CPU).
Meanwhile a second process accepts one fresh request every 100 ms through the real use
case (``bot.flows.requests.accept``: one transaction with its outbox rows, waiting at
most 2 s for the lock, as a person's click does) and times each click.

The engine is instrumented with SQLAlchemy's ``begin``/``commit``/``rollback`` events:
a transaction that wrote anything (or took SQLite's write lock with BEGIN IMMEDIATE) is
timed from its begin to its commit.

Run from the repository root:

    .venv/bin/python -m bench.bench_jobs                # 100,000 conversations, 500 due
    .venv/bin/python -m bench.bench_jobs --conversations 20000 --due 200
    .venv/bin/python -m bench.bench_jobs --trace        # and where the lock's time went

``--trace`` prints the longest write transactions with how long each waited for the
write lock and held it and what held it meanwhile (this process's transactions by
thread, or the clicker's Accept), and what held the lock while the slowest clicks waited.

Targets: the longest write transaction under 200 ms; no click waits over 500 ms.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlmodel import SQLModel

from bot.config import Settings
from bot.context import Deps
from bot.flows.requests import accept
from bot.pacing import Pacer
from bot.slack import build_client
from bot.usecase import ProgrammeBusy
from handlers import jobs
from handlers.deliver import Sender, home_renderer
from storage.db import make_engine, session_factory, unit_of_work
from storage.models import (
    OPEN_REQUEST_STATUSES,
    Conversation,
    ConversationStatus,
    OutboxMessage,
)
from tests.bulk import company_person_row, conversation_row, insert_conversations, insert_people
from tests.fakeslack import FakeSlack

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")


def build(url: str, conversations: int, due: int, fresh: int) -> list[tuple[int, str]]:
    """The database; returns (conversation ID, mentor's Slack ID) of the fresh requests."""
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    rng = random.Random(7)
    n_people = 20_000
    with engine.begin() as db:
        ids = insert_people(db, [company_person_row(i, NOW) for i in range(n_people)])
        rows: list[dict[str, Any]] = []
        pairs: set[tuple[int, int]] = set()

        def conversation(status: ConversationStatus, created: datetime) -> dict[str, Any]:
            while True:  # one open request or active conversation per pair
                mentee, mentor = rng.sample(ids, 2)
                if (mentee, mentor) not in pairs:
                    break
            if status in (*OPEN_REQUEST_STATUSES, ConversationStatus.ACTIVE):
                pairs.add((mentee, mentor))
            return conversation_row(mentee, mentor, status, created, n=len(rows))

        for _ in range(due):
            rows.append(conversation(ConversationStatus.REQUESTED, NOW - timedelta(days=8)))
        for _ in range(fresh):
            rows.append(conversation(ConversationStatus.REQUESTED, NOW - timedelta(days=1)))
        for i in range(conversations - due - fresh):
            status = (
                ConversationStatus.ACTIVE
                if i % 10 == 0
                else (ConversationStatus.EXPIRED if i % 10 == 1 else ConversationStatus.CLOSED)
            )
            rows.append(conversation(status, NOW - timedelta(days=30 + i % 300)))
        insert_conversations(db, rows)
        people = dict(zip(ids, (f"U{i:08d}" for i in range(n_people)), strict=True))
        fresh_rows = db.execute(
            select(Conversation.id, Conversation.mentor_id).where(
                Conversation.status == ConversationStatus.REQUESTED,
                Conversation.created_at > NOW - timedelta(days=2),
            )
        ).all()
    engine.dispose()
    return [(cid, people[mentor]) for cid, mentor in fresh_rows]


def slack(stop: Any, out: Any) -> None:
    """A process serving the fake Slack until ``stop`` is set; puts its API URL on ``out``."""
    fake = FakeSlack().start()
    out.put(fake.base_url)
    stop.wait()
    fake.stop()


@dataclass(frozen=True)
class Click:
    """One Accept: when it began (wall clock, s), how long it took in all, waiting for
    SQLite's write lock (its ``BEGIN IMMEDIATE``) and holding it, and whether it was
    answered "busy"."""

    began: float
    seconds: float
    waited: float
    held: float
    busy: bool

    @property
    def locked(self) -> float:
        """When it got the lock (wall clock)."""
        return self.began + self.seconds - self.held


def clicker(url: str, requests: list[tuple[int, str]], stop: Any, out: Any) -> None:
    """A second process: accept one request every 100 ms, timing each click (a click the
    job kept waiting past the use case's 2 s would fail with "busy")."""
    engine = make_engine(url)
    waited: list[float] = []
    locked: list[float] = []
    started: dict[int, float] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            started[id(cursor)] = time.monotonic()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            waited.append(time.monotonic() - started.pop(id(cursor)))
            locked.append(time.monotonic())

    @event.listens_for(engine, "handle_error")
    def _failed(context: Any) -> None:
        if context.statement == "BEGIN IMMEDIATE" and context.cursor is not None:
            waited.append(time.monotonic() - started.pop(id(context.cursor), time.monotonic()))

    settings = Settings.model_validate(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_API_URL": "http://127.0.0.1:9",
            "DATABASE_URL": url,
        }
    )
    deps = Deps(
        settings=settings, engine=engine, open_session=session_factory(engine), clock=lambda: NOW
    )
    clicks: list[Click] = []
    for cid, mentor in requests:
        if stop.is_set():
            break
        waited.clear()
        locked.clear()
        wall, began = time.time(), time.monotonic()
        busy = False
        try:
            accept(deps, cid, mentor)
        except ProgrammeBusy:  # the person would be told "busy, try again"
            busy = True
        ended = time.monotonic()
        held = ended - locked[-1] if locked else 0.0
        clicks.append(Click(wall, ended - began, sum(waited), held, busy))
        time.sleep(0.1)
    out.put(clicks)
    engine.dispose()


@dataclass
class Transaction:
    """One transaction that wrote: its thread, first write, and when (wall clock, s) it
    began, got SQLite's write lock (its first write statement returned) and ended."""

    thread: str
    first: str
    began: float
    locked: float
    ended: float

    @property
    def held(self) -> float:
        return self.ended - self.locked


class Transactions:
    """Times every transaction that wrote, from begin to commit (SQLAlchemy engine events),
    and how long it held the write lock (from its first write statement's return)."""

    def __init__(self, engine: Any) -> None:
        self.began: dict[int, float] = {}
        self.wrote: dict[int, tuple[str, float]] = {}
        self.done: list[Transaction] = []
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "after_cursor_execute", self._statement)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, conn: Any) -> None:
        self.began[id(conn)] = time.time()

    def _statement(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES) and id(conn) not in self.wrote:
            self.wrote[id(conn)] = (" ".join(statement.split())[:60], time.time())

    def _end(self, conn: Any) -> None:
        began = self.began.pop(id(conn), None)
        wrote = self.wrote.pop(id(conn), None)
        if wrote is not None and began is not None:
            name = threading.current_thread().name
            self.done.append(Transaction(name, wrote[0], began, wrote[1], time.time()))

    @property
    def count(self) -> int:
        return len(self.done)

    def longest(self, n: int = 1) -> list[Transaction]:
        return sorted(self.done, key=lambda t: t.ended - t.began, reverse=True)[:n]

    def holding(self, start: float, end: float) -> list[Transaction]:
        """The transactions that held the write lock at some moment in [start, end]."""
        return [t for t in self.done if t.locked < end and t.ended > start]


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # the fake knows no earlier cards: updates fail
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=500)
    parser.add_argument("--fresh", type=int, default=2_000)
    parser.add_argument(
        "--trace", action="store_true", help="also print where the write lock's time went"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        began = time.monotonic()
        fresh = build(url, args.conversations, args.due, args.fresh)
        print(
            f"built {args.conversations:,} conversations ({args.due} due) "  # noqa: T201
            f"in {time.monotonic() - began:.1f} s"
        )

        context = multiprocessing.get_context("spawn")
        stop_fake, fake_urls = context.Event(), context.Queue()
        fake = context.Process(target=slack, args=(stop_fake, fake_urls))
        fake.start()
        fake_url = fake_urls.get(timeout=60)
        engine = make_engine(url)
        settings = Settings.model_validate(
            {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": fake_url, "DATABASE_URL": url}
        )
        deps = Deps(
            settings=settings,
            engine=engine,
            open_session=session_factory(engine),
            clock=lambda: NOW,
        )
        transactions = Transactions(engine)
        client = build_client(settings)
        sender = Sender(
            deps.open_session,
            build_client(settings, resend=False),
            clock=deps.clock,
            pacer=Pacer({}),
            batch=100,
            homes=home_renderer(deps),
        )
        stop_sender = threading.Event()
        sending = sender.start(stop_sender, idle=0.2)
        jobs.install(deps, client, sender=sender)

        stop_clicks, out = context.Event(), context.Queue()
        clicks = context.Process(target=clicker, args=(url, fresh, stop_clicks, out))
        clicks.start()
        time.sleep(2.0)  # the clicker is up and clicking

        job_began_wall, job_began = time.time(), time.monotonic()
        jobs.expire_requests()
        job_seconds = time.monotonic() - job_began
        job_ended_wall = time.time()
        time.sleep(0.5)
        stop_clicks.set()
        clicks_seen: list[Click] = out.get(timeout=60)
        clicks.join(timeout=30)

        deadline = time.monotonic() + 120  # let the sender finish what the job wrote
        with unit_of_work(deps.open_session) as session:
            total = session.execute(select(OutboxMessage.id)).all()
        while time.monotonic() < deadline:
            with unit_of_work(deps.open_session) as session:
                left = session.execute(
                    select(OutboxMessage.kind, OutboxMessage.last_error).where(
                        OutboxMessage.status.in_(("pending", "sending"))  # type: ignore[attr-defined]
                    )
                ).all()
            if not left:
                break
            time.sleep(0.2)
        stop_sender.set()
        sender.stop()
        sending.join(timeout=30)
        stop_fake.set()
        fake.join(timeout=30)

        with unit_of_work(deps.open_session) as session:
            expired = session.execute(
                select(Conversation.id).where(
                    Conversation.status == ConversationStatus.EXPIRED,
                    Conversation.status_changed_at == NOW,
                )
            ).all()
        during = [
            c.seconds for c in clicks_seen if job_began_wall <= c.began <= job_ended_wall + 0.5
        ]
        waits = [c.seconds for c in clicks_seen]
        busy = sum(1 for c in clicks_seen if c.busy)
        print(
            f"expired {len(expired)} requests in {job_seconds:.2f} s "  # noqa: T201
            f"({transactions.count} write transactions, {len(total)} outbox rows, "
            f"{len(left)} not yet sent)"
        )
        longest = transactions.longest()[0]
        print(
            f"longest write transaction: {_ms(longest.ended - longest.began)} "  # noqa: T201
            f"(target < 200 ms): {_describe(longest)}"
        )
        print(
            f"clicks: {len(waits)} in all, {len(during)} while the job ran; "  # noqa: T201
            f"p50 {statistics.median(waits) * 1000:.1f} ms, "
            f"slowest {max(waits) * 1000:.1f} ms, slowest during the job "
            f"{max(during, default=0) * 1000:.1f} ms (target < 500 ms); "
            f"{busy} answered 'busy' after waiting 2 s"
        )
        if args.trace:
            _trace(transactions, clicks_seen)
            for (kind, error), n in Counter((kind, error) for kind, error in left).most_common():
                print(f"  not sent: {n} x {kind} ({error or 'not tried yet'})")  # noqa: T201


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _describe(t: Transaction) -> str:
    return (
        f"{t.thread}, {t.first!r}: waited {_ms(t.locked - t.began)} for the lock, "
        f"held it {_ms(t.held)}"
    )


def _trace(transactions: Transactions, clicks: list[Click]) -> None:
    """Where the time goes: the longest transactions and lock holds of this process, and
    what held the write lock while the slowest clicks waited for it."""
    print("longest write transactions (begin to commit), and what they waited for:")  # noqa: T201
    for t in transactions.longest(5):
        others = [o for o in transactions.holding(t.began, t.locked) if o is not t]
        by = Counter(f"{o.thread} {o.first[:30]!r}" for o in others)
        clicking = [c for c in clicks if c.locked < t.locked and c.began + c.seconds > t.began]
        if clicking:
            by["the clicker's Accept"] = len(clicking)
        print(f"  {_ms(t.ended - t.began)}  {_describe(t)}: {_counts(by)}")  # noqa: T201
    print("longest write-lock holds:")  # noqa: T201
    for t in sorted(transactions.done, key=lambda t: t.held, reverse=True)[:5]:
        print(f"  {_ms(t.held)}  {_describe(t)}")  # noqa: T201
    kinds = Counter((t.thread, t.first[:30]) for t in transactions.done)
    print("write transactions by thread and first statement:")  # noqa: T201
    for (thread, first), n in kinds.most_common():
        print(f"  {n:6d}  {thread}: {first!r}")  # noqa: T201
    print("slowest clicks, and what held the lock meanwhile:")  # noqa: T201
    for click in sorted(clicks, key=lambda c: c.seconds, reverse=True)[:5]:
        held = transactions.holding(click.began, click.began + click.waited)
        by = Counter(f"{t.thread} {t.first[:30]!r}" for t in held)
        print(  # noqa: T201
            f"  {_ms(click.seconds)} ({_ms(click.waited)} waiting for the lock, "
            f"{_ms(click.held)} holding it): {_counts(by)}"
        )
    holds = sorted(c.held for c in clicks)
    print(  # noqa: T201
        f"clicks held the lock p50 {_ms(holds[len(holds) // 2])}, at most {_ms(holds[-1])}"
    )


def _counts(by: Counter[str]) -> str:
    return ", ".join(f"{n} x {what}" for what, n in by.most_common(4)) or "nothing"


if __name__ == "__main__":
    main()
