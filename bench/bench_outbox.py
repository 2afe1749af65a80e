"""Benchmark the outbox sender at Slack's pace: 10,000 DMs to 10,000 people, each once.

Writes N ``DirectMessage`` effects to N different people through ``storage.outbox.
enqueue`` (SQLite file), then delivers them with the real sender (``handlers.deliver.
Sender``, paced by ``bot.pacing.SLACK_LIMITS``) in one process of its own (``--processes
2``: two), through the fake Slack from the tests on 127.0.0.1, which here *enforces*
Slack's per-method limits and answers 429 with Retry-After past them. The limits the
fake enforces (stated, since Slack publishes tiers rather than exact figures):

    chat.postMessage       5/s (300/min) per workspace, bursts of 20 ("several hundred
                           per minute"); and 1/s per channel, bursts of 3
    conversations.open     50/min, bursts of 10 (Tier 3; so are chat.update and
                           conversations.history)
    views.publish          100/min, bursts of 20 (Tier 4)

A DM goes to the person's user ID (Slack answers with the D channel, kept on the row),
so N first DMs need N posts and no conversations.open: the least time those limits
allow is (N - 20) / 5 s, every post to a different channel. Before this, each DM first
opened its conversation (Tier 3): N / 50 minutes.

``--scale K`` multiplies every rate (the fake's and the pacer's alike) by K, so a run
at full size fits in minutes; ``--quick`` is 500 DMs at scale 10. It prints the elapsed
time against the minimum (target: within 1.2x), duplicates and lost messages (target:
0 and 0), the 429s received and every Slack call made.

What the outbox costs a click (Accept's click-to-ack latency and its welcome, before
and after the conversation use cases moved onto the outbox) is ``bench.bench_click``.

Run from the repository root:

    .venv/bin/python -m bench.bench_outbox --quick       # ~15 s
    .venv/bin/python -m bench.bench_outbox --scale 10    # 10,000 DMs, ~3.5 min
    .venv/bin/python -m bench.bench_outbox               # 10,000 DMs at Slack's pace, ~34 min

Measured 2026-11-30 on the shared 2-core machine (other developers' tests running):
  --quick: 500 DMs in 10.4 s against a minimum of 9.6 s (1.09x), 0 duplicates, 0 lost,
  0 429s, 500 calls (all chat.postMessage).
  --scale 10: 10,000 DMs in 200.4 s against 199.6 s (1.004x), 0 duplicates, 0 lost,
  0 429s, 10,000 calls; at Slack's own rates that is ~33.4 min against 33.3 min (the
  full-rate run, ~34 min, was not run). With a conversations.open per DM: 200 min.
  --quick --processes 2: 20.4 s (2.1x), 34 429s, 0 duplicates, 0 lost: the pacer is per
  process, so two senders ask twice Slack's rate and each 429 holds one back a whole
  second (Retry-After is whole seconds, 10 slots at scale 10; at scale 1 it costs less).
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, SQLModel, col, func, select

from bot.clock import utc_now
from bot.config import Settings
from bot.effects import DirectMessage
from bot.pacing import SLACK_LIMITS, Pacer, Rate
from bot.slack import build_client
from handlers.deliver import Sender
from storage.db import make_engine, session_factory, unit_of_work
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import enqueue
from tests.fakeslack import FakeSlack, conversation_id
from tests.processes import clean_env

ROOT = Path(__file__).parent.parent
# What the fake enforces: method -> (calls per second, burst).
SLACK_ENFORCES: dict[str, tuple[float, int]] = {
    "chat.postMessage": (300 / 60, 20),
    "chat.postMessage@channel": (1, 3),
    "chat.update": (50 / 60, 10),
    "conversations.open": (50 / 60, 10),
    "conversations.history": (50 / 60, 10),
    "views.publish": (100 / 60, 20),
}
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def person(n: int) -> str:
    """A user ID whose characters 1-3 differ for every n < 36**3 (the fake's DM IDs)."""
    code = DIGITS[n // 1296 % 36] + DIGITS[n // 36 % 36] + DIGITS[n % 36]
    return f"U{code}BENCH"


def write(url: str, count: int) -> float:
    """The database with ``count`` DMs in the outbox; seconds it took to enqueue them."""
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    open_session = session_factory(engine)
    started = time.perf_counter()
    for first in range(0, count, 1000):
        with unit_of_work(open_session) as session:
            effects = [
                DirectMessage(key=f"bench:{n}", user_id=person(n), text=f"Hello {n}")
                for n in range(first, min(first + 1000, count))
            ]
            enqueue(effects, session=session, now=utc_now())
    engine.dispose()
    return time.perf_counter() - started


def waiting(engine: object) -> int:
    with Session(engine) as session:  # type: ignore[arg-type]
        return int(
            session.exec(
                select(func.count()).where(
                    col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
                )
            ).one()
        )


def worker(url: str, api: str, scale: float, go: Path) -> None:
    """One sender process: production limits × ``scale``, until nothing is left to send."""
    settings = Settings.model_validate(
        {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": api, "DATABASE_URL": url}
    )
    engine = make_engine(url)
    limits = {m: Rate(r.per_second * scale, r.burst) for m, r in SLACK_LIMITS.items()}
    sender = Sender(
        session_factory(engine),
        build_client(settings, resend=False),
        clock=utc_now,
        pacer=Pacer(limits),
        backoff=timedelta(seconds=1),
    )
    print("ready", flush=True)  # noqa: T201
    while not go.exists():
        time.sleep(0.01)
    while True:
        if sender.drain_once():
            continue
        if not waiting(engine):
            return
        time.sleep(0.05)  # rows held back by a 429 or another sender's lease


def run(count: int, scale: float, processes: int) -> None:
    limits = {m: (rate * scale, burst) for m, (rate, burst) in SLACK_ENFORCES.items()}
    fake = FakeSlack(limits=limits).start()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        enqueued = write(url, count)
        go = Path(tmp) / "go"
        senders = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.bench_outbox", "--worker", url, fake.base_url]
                + ["--scale", str(scale), "--go", str(go)],
                cwd=ROOT,
                env=clean_env(),
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes)
        ]
        for process in senders:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        started = time.monotonic()
        go.touch()
        for process in senders:
            process.wait()
        elapsed = time.monotonic() - started
        failed = [p.returncode for p in senders if p.returncode]
        engine = make_engine(url)
        with Session(engine) as session:
            rows = session.exec(
                select(OutboxMessage.recipient, OutboxMessage.status, OutboxMessage.channel)
            ).all()
    fake.stop()

    posted = collections.Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("key")
        for m in fake.messages.values()
    )
    keys = {f"bench:{n}" for n in range(count)}
    duplicates = sum(n - 1 for key, n in posted.items() if key in keys and n > 1)
    lost = len([k for k in keys if not posted.get(k)])
    statuses = collections.Counter(str(status) for _r, status, _c in rows)
    wrong_channel = sum(1 for r, _s, c in rows if c != conversation_id([r]))
    calls = collections.Counter(c.method for c in fake.calls)
    rate, burst = limits["chat.postMessage"]
    minimum = max(count - burst, 0) / rate
    last_post = max((c.at for c in fake.calls if c.method == "chat.postMessage"), default=0)

    print(f"{count:,} DMs to {count:,} people, {processes} sender process(es), scale {scale:g}")
    print(f"  enqueued in {enqueued:.1f} s (storage.outbox.enqueue, 1,000 a transaction)")
    print(
        f"  elapsed {elapsed:.1f} s against the limits' minimum {minimum:.1f} s "
        f"({elapsed / minimum if minimum else 0:.3f}x; target 1.2x); "
        f"last post at {last_post - started:.1f} s"
    )
    print(f"  duplicates {duplicates} (target 0), lost {lost} (target 0)")
    print(f"  429s received: {dict(fake.rate_limited) or 0}")
    print(f"  Slack calls: {dict(calls)}")
    print(f"  rows: {dict(statuses)}; rows without their D channel: {wrong_channel}")
    if scale != 1:
        print(
            f"  at Slack's own limits (scale 1): minimum {minimum * scale / 60:.1f} min, "
            f"this run projects to about {elapsed * scale / 60:.1f} min"
        )
    print(f"  with a conversations.open per DM (Tier 3) it would take {count / 50:.0f} min")
    if failed:
        print(f"  sender exit codes: {failed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--effects", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every rate by this")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="500 DMs at scale 10")
    parser.add_argument("--worker", nargs=2, metavar=("DATABASE_URL", "SLACK_API_URL"))
    parser.add_argument("--go", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, args.scale, args.go)
        return
    if args.quick:
        args.effects, args.scale = 500, 10.0
    run(args.effects, args.scale, args.processes)


if __name__ == "__main__":
    main()
