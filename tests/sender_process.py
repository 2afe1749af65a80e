"""An outbox sender as a process of its own, for the crash and concurrency tests.

    python -m tests.sender_process DATABASE_URL SLACK_API_URL [--lease SECONDS] [--batch N]
                                   [--go FILE]

It delivers until nothing is pending or sending (or 60 seconds pass), unpaced (the fake
Slack has no limits), with the real clock, then exits. With ``--go`` it prints "ready"
and waits for FILE to exist first, so that several processes start at the same moment.
"""

from __future__ import annotations

import argparse
import logging
import time
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, col, func, select

from bot.clock import utc_now
from bot.config import Settings
from bot.pacing import unlimited
from bot.slack import build_client
from handlers.deliver import Sender
from storage.db import make_engine, session_factory
from storage.models import OutboxMessage, OutboxStatus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("slack_api_url")
    parser.add_argument("--lease", type=float, default=60)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--go", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.model_validate(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": args.slack_api_url,
            "DATABASE_URL": args.database_url,
        }
    )
    engine = make_engine(args.database_url)
    client = build_client(settings, resend=False)
    client.timeout = 1  # the fake answers at once; a short lease must still leave room
    sender = Sender(
        session_factory(engine),
        client,
        clock=utc_now,
        pacer=unlimited(),
        batch=args.batch,
        lease=timedelta(seconds=args.lease),
        backoff=timedelta(milliseconds=50),
    )
    if args.go is not None:
        print("ready", flush=True)  # noqa: T201 - the test reads it
        while not args.go.exists():
            time.sleep(0.01)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if sender.drain_once():
            continue
        with Session(engine) as session:
            waiting = session.exec(
                select(func.count()).where(
                    col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
                )
            ).one()
        if not waiting:
            return
        time.sleep(0.1)


if __name__ == "__main__":
    main()
