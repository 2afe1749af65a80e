"""Click-to-ack latency of Accept under a burst, before and after the outbox (issue 9).

Builds a SQLite database with N (default 200) pending requests, each to a different
mentor (rows from ``tests.bulk``, as for ``bench.bench_jobs``, inserted directly into the
schema of the checkout under test: its own ``mentorbot db upgrade`` first, then only columns every
schema has). Serves it with ``mentorbot run --http --no-scheduler`` (gunicorn 1 worker x
8 threads) from that checkout as a real process, and releases at once N Slack-signed
``block_actions`` clicks on Accept (``ActionId.ACCEPT_REQUEST``, value the conversation
ID, user its mentor, with a ``trigger_id`` and a ``response_url`` on the fake) over HTTP.
The same burst then goes to the bare Bolt app of ``bench.bench_ack`` (``bench.bare_app``:
every click acks and answers "ok" at the ``response_url``).

It prints p50/p95/p99/max of the ack (the HTTP answer Slack waits for), acks over 3 s,
non-200 answers, Bolt's 404 (no ack in 3 s), and how long until all N group-DM welcomes
reached the fake (the first ``chat.postMessage`` in each ``G…`` channel; the bare app:
its ``response_url`` answers). Slack is ``bench.bench_ack``'s fake, answering at once,
then every call after 1.5 s. Every wait is bounded; loopback only.

"Before" is the code before the conversation use cases moved onto the outbox (commit
6d2e89e: ``handle_accept`` acked, then made its Slack calls itself in the listener
thread, none paced). Run it from a checkout of that commit with its own venv:

    git worktree add /work/wt/before 6d2e89e
    (cd /work/wt/before && python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]')
    .venv/bin/python -m bench.bench_click --repo /work/wt/before   # before
    .venv/bin/python -m bench.bench_click                           # after (this checkout)
    .venv/bin/python -m bench.bench_click --unpaced    # also after, delivery not paced

``--unpaced`` adds this checkout's app with its in-process delivery not held to Slack's
rate limits (``unpaced()`` below), as the old code was not: it separates what
the pacer costs from what the outbox costs.

Measured 2026-11-30 on the shared 2-core machine, 200 clicks at once, gunicorn 1x8:
one run each (the second runs were not made: over the time box), "after" = 8d112f6:

    Slack at once      ack p50   p99     max     over 3 s  all 200 welcomes
    before (6d2e89e)   434 ms   831 ms  896 ms   0         in 15.7 s
    after              501 ms   916 ms  919 ms   0         199 came in 300 s (paced)
    after, unpaced     352 ms   525 ms  531 ms   0         in 17.3 s
    bare Bolt          391 ms   714 ms  724 ms   0         (answers in 0.8 s)

    Slack at 1.5 s     ack p50   p99     max     over 3 s  all 200 welcomes
    before (6d2e89e)   389 ms   540 ms  553 ms   0         in 257.9 s
    after              371 ms   583 ms  627 ms   0         156 came in 300 s
    after, unpaced     247 ms   535 ms  538 ms   0         156 came in 300 s
    bare Bolt          30.2 s   58.8 s  58.8 s   190       (5 Bolt 404s; answers 60.4 s)

The ack is no worse within this machine's noise (the paced run's p99 was 10% over the
old one's, the unpaced run's 37% under it; no non-200, no ack near 3 s). The welcomes
are slower after. With Slack at once, the in-process delivery keeps to Slack's published
tiers (``conversations.open`` and ``chat.update`` 50/min, bursts of 5): 200 new group
DMs need about 4 minutes, where the old code sent every call at once (a real Slack would
have answered some of them 429). One welcome had not come after 300 s; without
``mentorbot scheduler`` no background sender picks up what a flush left (cause not
traced). With Slack at 1.5 s a call, each Accept's five calls (open, post, card update,
two Homes) take ~7.5 s on a delivery pool of 4 threads (~375 s for 200) where the old
code made them on the listener pool of 6 (258 s); pacing plays no part there.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlalchemy import MetaData, create_engine, insert, select

from bench.bench_ack import (
    BARE,
    MENTORBOT,
    ROOT,
    SECRET,
    TOKEN,
    Burst,
    FakeSlackServer,
    Target,
    _gunicorn,
    post_signed,
    print_table,
    send_all,
    serving,
)
from bot.app import create_app
from bot.clock import utc_now
from bot.config import load_settings, require_http
from bot.context import Deps
from bot.ids import ActionId
from bot.pacing import unlimited
from bot.server import build_wsgi
from bot.slack import build_client
from storage.db import make_engine, session_factory
from storage.models import ConversationStatus
from tests.bulk import company_person_row, conversation_row

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

UNPACED = Target("after, unpaced", _gunicorn("bench.bench_click:unpaced()"))


def unpaced() -> WSGIApplication:
    """A gunicorn app factory: ``mentorbot run --http``'s app (same environment), its
    in-process delivery not held to Slack's rate limits."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    deps = Deps(
        settings=settings, engine=engine, open_session=session_factory(engine), clock=utc_now
    )
    app = create_app(deps, build_client(settings), pacer=unlimited())
    return build_wsgi(app, engine, signing_secret=require_http(settings))


def mentorbot_of(repo: Path) -> Target:
    """``mentorbot run --http`` from the checkout at ``repo``, with that checkout's venv."""
    name = "mentorbot" if repo == ROOT else f"mentorbot@{repo.name}"
    return Target(name, (str(repo / ".venv/bin/mentorbot"), *MENTORBOT.argv[1:]), cwd=repo)


def build(url: str, count: int, repo: Path, env: dict[str, str]) -> list[tuple[int, str]]:
    """``count`` requests, person i asking person count + i; (conversation ID, mentor)."""
    subprocess.run(
        [str(repo / ".venv/bin/mentorbot"), "db", "upgrade"],
        cwd=repo,
        env={**os.environ, **env, "PYTHONPATH": str(repo)},
        check=True,
        capture_output=True,
    )
    engine = create_engine(url)
    tables = MetaData()
    tables.reflect(engine, only=["person", "conversation"])  # that checkout's schema
    person, conversation = tables.tables["person"], tables.tables["conversation"]
    now = utc_now()
    with engine.begin() as db:
        db.execute(insert(person), [company_person_row(i, now) for i in range(2 * count)])
        ids = [r[0] for r in db.execute(select(person.c.id).order_by(person.c.id))]
        rows = [
            conversation_row(
                ids[i], ids[count + i], ConversationStatus.REQUESTED, now - timedelta(hours=1), n=i
            )
            for i in range(count)
        ]
        db.execute(insert(conversation), rows)
        found = db.execute(
            select(conversation.c.id, conversation.c.mentor_id).order_by(conversation.c.id)
        ).all()
    engine.dispose()
    slack_of = {pid: f"U{i:08d}" for i, pid in enumerate(ids)}
    return [(cid, slack_of[mentor]) for cid, mentor in found]


def click_body(n: int, cid: int, mentor: str, prefix: str, fake_url: str) -> bytes:
    """A signed-to-be ``block_actions`` payload: ``mentor`` clicks Accept on their card."""
    channel = "D" + mentor[1:]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0TEST001", "domain": "example"},
        "user": {"id": mentor, "username": mentor.lower(), "team_id": "T0TEST001"},
        "api_app_id": "A0APP0001",
        "token": "legacy",
        "trigger_id": f"{prefix}.{n}.bench",
        "container": {
            "type": "message",
            "message_ts": f"1700000000.{n:06d}",
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": f"1700000000.{n:06d}", "text": "A request"},
        "response_url": f"{fake_url}/response/{prefix}-{n}",
        "actions": [
            {
                "type": "button",
                "action_id": ActionId.ACCEPT_REQUEST.value,
                "block_id": "request",
                "value": str(cid),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def click_burst(
    port: int,
    fake: FakeSlackServer,
    requests: list[tuple[int, str]],
    *,
    prefix: str,
    welcomes: bool,
    client_timeout: float,
    answers_timeout: float,
) -> Burst:
    """Every click at once; then wait for the welcomes (or the bare app's answers)."""
    bodies = [
        click_body(n, cid, mentor, prefix, fake.url) for n, (cid, mentor) in enumerate(requests)
    ]
    out, started = send_all(port, bodies, client_timeout)
    remaining = max(1.0, answers_timeout - (time.monotonic() - started))
    if welcomes:
        arrived = fake.wait_group_posts(len(bodies), remaining)
    else:
        arrived = fake.wait_answers([f"{prefix}-{n}" for n in range(len(bodies))], remaining)
    out.answers_arrived = len(arrived)
    if len(arrived) >= len(bodies):
        out.answers_all_in = max(arrived.values()) - started
    return out


def run(args: argparse.Namespace) -> None:
    repo = Path(args.repo).resolve()
    targets = [mentorbot_of(repo), *((UNPACED,) if args.unpaced else ()), BARE]
    with tempfile.TemporaryDirectory(prefix="bench_click.") as tmp:
        log = Path(tmp) / "servers.log"
        for delay in (0.0, args.slow):
            fake = FakeSlackServer(delay)
            bursts: dict[str, Burst] = {}
            try:
                for target in targets:
                    # A fresh database per burst: every click finds its request pending.
                    url = f"sqlite:///{tmp}/{target.name.replace(' ', '_')}-{delay}.db"
                    env = {
                        "SLACK_BOT_TOKEN": TOKEN,
                        "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": fake.url + "/api/",
                        "DATABASE_URL": url,
                        "SLACK_APP_TOKEN": "",
                    }
                    requests = build(url, args.clicks, target.cwd, env)
                    fake.group_posts.clear()
                    prefix = f"{delay}-{target.name}".replace(" ", "_")
                    with serving(target, workers=1, threads=8, env=env, log=log) as port:
                        # One request first (imports, connections), not a click.
                        post_signed(port, b"payload=%7B%7D", timeout=30)
                        bursts[target.name] = click_burst(
                            port,
                            fake,
                            requests,
                            prefix=prefix,
                            welcomes=target is not BARE,
                            client_timeout=args.client_timeout,
                            answers_timeout=args.answers_timeout,
                        )
            finally:
                fake.stop()
            slack = f"Slack answering after {delay} s" if delay else "Slack answering at once"
            print_table(
                f"{args.clicks} concurrent clicks on Accept, gunicorn 1x8, {slack}:",
                bursts,
                answers="all welcomes (bare: answers)",
                baselines=(BARE.name,),
            )
        if args.keep_log:
            Path(args.keep_log).write_bytes(log.read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=str(ROOT), help="the checkout to run mentorbot from")
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--unpaced", action="store_true", help="also this app, delivery unpaced")
    parser.add_argument("--slow", type=float, default=1.5, help="slow Slack's delay, seconds")
    parser.add_argument("--keep-log", default=None, help="copy the servers' log here")
    args = parser.parse_args()
    args.client_timeout = 60.0
    # The welcomes' bound: paced at Slack's Tier 3 (conversations.open, 50/min), 200 group
    # DMs need 4 minutes; unpaced at 1.5 s a call, a few listener threads need ~2.
    args.answers_timeout = max(60.0, args.clicks * 1.5)
    run(args)


if __name__ == "__main__":
    main()
