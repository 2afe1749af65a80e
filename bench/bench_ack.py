"""How long Slack waits for mentorbot's ack under a burst, next to a bare Bolt app.

Slack gives an app 3 seconds to acknowledge a slash command, a click or a submission.
This sends bursts of Slack-signed `/mentor` slash commands (``find <topic>``,
``progress`` and ``help``, mixed) at once over real HTTP to ``mentorbot run --http``
served by gunicorn as a real process, on a SQLite database of 50,000 people built by
``bench.bench_find``, and the same burst to a bare Bolt app (``bench.bare_app``: one
command that acks and answers "ok") served by gunicorn with the same workers and
threads. Slack's Web API and the response_url are a small threaded fake on 127.0.0.1,
answering at once, then every call after 1.5 s (a slow Slack).

For each request it times the HTTP response (the ack Slack waits for), counts acks
over 3 s, non-200 answers and Bolt's "no ack in time" (Bolt answers 404 when a listener
did not ack within 3 s; mentorbot's front door turns that 404 into a 200 saying it does
not handle the request), and prints p50/p95/p99/max of both apps side by side with the
ratio of their p99s (issue 9's target: within 1.5x of the bare app), plus how long
until every response_url answer arrived. Each app gets a fresh server process per
burst, stopped once its answers arrived (or a bound passed), so no burst sees work
left over from another.

Run from the repository root:

    .venv/bin/python -m bench.bench_ack --quick      # ~1.5 min: 1x8, 50 commands per burst
    .venv/bin/python -m bench.bench_ack              # 1x8 and 2x8, 200 commands per burst
    .venv/bin/python -m bench.bench_ack --experiments  # also the variants below

The same burst also goes to the bare app as a lazy listener (``process_before_response``:
ack in the request thread, the answer on Bolt's pool): with a slow Slack, Bolt's defaults
make the bare app itself miss 3 s, so the ratio is printed against both.
``--experiments`` adds, under the same settings, scratch variants of mentorbot from
``bench.ack_variants`` (a 64-thread listener pool; ``/mentor`` as a lazy listener, with
and without the replay claim before the ack). Loopback only; every wait is bounded.

Measured 2026-11-30 on the shared 2-core machine (other work running), 200 commands:

    gunicorn 1x8, Slack at once   mentorbot p50 5.1 s  p99 9.2 s  142/200 over 3 s
                                  bare Bolt p50 0.37 s p99 0.64 s (14.5x); lazy p99 0.80 s
    gunicorn 1x8, Slack 1.5 s     mentorbot p50 31 s   190/200 over 3 s, 24 Bolt 404s
                                  bare Bolt p50 30 s   190/200 over 3 s; lazy p99 0.43 s
    gunicorn 2x8, Slack at once   mentorbot p50 4.3 s  p99 8.4 s  125/200 over 3 s
                                  bare Bolt p99 0.63 s (13.4x); lazy p99 0.30 s
    gunicorn 2x8, Slack 1.5 s     mentorbot p50 15 s   180/200 over 3 s, 18 Bolt 404s
                                  bare Bolt p50 17 s   180/200 over 3 s; lazy p99 0.49 s

and with ``--quick --experiments`` (80 commands, 1x8), the p99 ack with Slack at once:
mentorbot 3.4 s, 64-thread pool 2.7 s, `/mentor` lazy 1.3 s, lazy without the replay
claim 0.30 s, bare Bolt 0.21 s; with Slack at 1.5 s: 23.8 s, 4.7 s, 0.63 s, 0.28 s and
22.7 s (the bare app with Bolt's defaults), lazy bare app 0.17 s.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from sqlmodel import SQLModel

from bench.bench_find import QUERIES, build, percentile, slack_id
from bot.front_door import UNHANDLED
from storage.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
SLACK_LIMIT = 3.0  # seconds Slack waits for an ack
SUBCOMMANDS = ("find", "progress", "help")


# --- a fake Slack: Web API and response_url, optionally slow -----------------------------
class FakeSlackServer:
    """Answers every Web API call ``ok`` (``auth.test`` with a bot identity;
    ``conversations.open`` with a ``D…`` or, for several users, ``G…`` channel;
    ``chat.postMessage`` with its channel and a ts) and records when each response_url
    answer and the first post in each group DM arrive (``group_posts``); every answer
    waits ``delay`` seconds first.

    Minimal on purpose (no Block Kit validation): its own CPU must not weigh on the
    figures. Its listen backlog holds a whole burst (the default 5 would drop SYNs).
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.cond = threading.Condition()
        self.answers: dict[str, float] = {}
        self.group_posts: dict[str, float] = {}  # G channel -> its first post's arrival
        self.api_calls = 0
        fake = self

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 1024

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if fake.delay:
                    time.sleep(fake.delay)
                if self.path.startswith("/response/"):
                    body: dict[str, Any] = {"ok": True}
                    with fake.cond:
                        fake.answers[self.path[len("/response/") :]] = time.monotonic()
                        fake.cond.notify_all()
                else:
                    body = {"ok": True}
                    if self.path.endswith("/auth.test"):
                        body.update(
                            team_id="T0TEST001",
                            user_id="U0BOT0001",
                            bot_id="B0BOT0001",
                            url="https://example.slack.com/",
                        )
                    method = self.path.rsplit("/", 1)[-1]
                    if method in ("conversations.open", "chat.postMessage"):
                        body.update(fake.answer(method, raw, self.headers))
                    with fake.cond:
                        fake.api_calls += 1
                        channel = str(body.get("channel"))
                        if method == "chat.postMessage" and channel.startswith("G"):
                            fake.group_posts.setdefault(channel, time.monotonic())
                            fake.cond.notify_all()
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method: str, raw: bytes, headers: Any) -> dict[str, Any]:
        """What Slack adds to ``ok`` for a conversation opened or a message posted."""
        if "json" in (headers.get("Content-Type") or ""):
            args = json.loads(raw or b"{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if method == "conversations.open":
            users = sorted(str(args.get("users") or "").split(","))
            digest = hashlib.sha1(",".join(users).encode()).hexdigest()[:10].upper()
            return {"channel": {"id": ("G" if len(users) > 1 else "D") + digest}}
        channel = str(args.get("channel") or "")
        if channel.startswith("U"):  # a DM to a user ID lands in the bot's DM with them
            channel = "D" + channel[1:]
        return {"channel": channel, "ts": f"{time.time():.6f}"}

    def wait_group_posts(self, count: int, timeout: float) -> dict[str, float]:
        """Wait until ``count`` group DMs had a post or ``timeout`` passed; the arrivals."""
        with self.cond:
            self.cond.wait_for(lambda: len(self.group_posts) >= count, timeout)
            return dict(self.group_posts)

    def wait_answers(self, names: list[str], timeout: float) -> dict[str, float]:
        """Wait until every named answer arrived or ``timeout`` passed; the arrivals."""
        deadline = time.monotonic() + timeout
        with self.cond:
            self.cond.wait_for(
                lambda: all(n in self.answers for n in names), deadline - time.monotonic()
            )
            return {n: self.answers[n] for n in names if n in self.answers}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the servers under test ----------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    name: str
    argv: tuple[str, ...]  # with {port}, {workers}, {threads} to fill in
    cwd: Path = ROOT  # the checkout it runs from (its own PYTHONPATH)


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _gunicorn(app: str) -> tuple[str, ...]:
    # The same settings bot.server.serve_http gives gunicorn.
    return (
        _bin("gunicorn"),
        "--bind=127.0.0.1:{port}",
        "--workers={workers}",
        "--threads={threads}",
        "--worker-class=gthread",
        "--timeout=30",
        "--graceful-timeout=20",
        "--log-level=warning",
        app,
    )


MENTORBOT = Target(
    "mentorbot",
    (
        _bin("mentorbot"),
        "run",
        "--http",
        "--port={port}",
        "--workers={workers}",
        "--threads={threads}",
        "--no-scheduler",
    ),
)
BARE = Target("bare Bolt", _gunicorn("bench.bare_app:create()"))
BARE_LAZY = Target("bare, lazy", _gunicorn("bench.bare_app:create_lazy()"))
EXPERIMENTS = (
    Target("mentorbot, pool 64", _gunicorn("bench.ack_variants:wide_pool()")),
    Target("mentorbot, lazy", _gunicorn("bench.ack_variants:lazy()")),
    Target("lazy, no claim", _gunicorn("bench.ack_variants:lazy(claim=False)")),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(
    target: Target, *, workers: int, threads: int, env: dict[str, str], log: Path
) -> Iterator[int]:
    """Start ``target`` in a process group of its own; yield its port once it answers."""
    port = _free_port()
    argv = [a.format(port=port, workers=workers, threads=threads) for a in target.argv]
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            cwd=target.cwd,
            env={**os.environ, **env, "PYTHONPATH": str(target.cwd)},
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{target.name} exited with {process.returncode}; see {log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{target.name} did not listen in 60 s; see {log}") from None
                time.sleep(0.1)
        yield port
    finally:
        # gunicorn stops its workers on SIGTERM; anything left is killed with its group.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# --- the burst ----------------------------------------------------------------------------
@dataclass
class Result:
    status: int  # 0: no answer within the client's bound
    body: str
    seconds: float


@dataclass
class Burst:
    results: list[Result] = field(default_factory=list)
    answers_all_in: float | None = None  # seconds from the burst's start to the last answer
    answers_arrived: int = 0

    @property
    def seconds(self) -> list[float]:
        return [r.seconds for r in self.results]

    def count(self, what: str) -> int:
        if what == "late":
            return sum(r.seconds > SLACK_LIMIT for r in self.results)
        if what == "non-200":
            return sum(r.status not in (200, 0) for r in self.results)
        if what == "no ack":  # Bolt's 404, as mentorbot's front door relays it
            return sum(r.status == 404 or r.body == UNHANDLED for r in self.results)
        return sum(r.status == 0 for r in self.results)  # "no answer"


def command_body(n: int, prefix: str, fake_url: str, people: int, rng: random.Random) -> bytes:
    sub = SUBCOMMANDS[n % len(SUBCOMMANDS)]
    text = f"find {QUERIES[n % len(QUERIES)]}" if sub == "find" else sub
    user = slack_id(rng.randrange(12, people))
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0TEST001",
            "team_domain": "example",
            "channel_id": "C0BENCH01",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/mentor",
            "text": text,
            "api_app_id": "A0APP0001",
            "is_enterprise_install": "false",
            "response_url": f"{fake_url}/response/{prefix}-{n}",
            "trigger_id": f"{prefix}.{n}.bench",
        }
    ).encode()


def post_signed(port: int, body: bytes, timeout: float) -> Result:
    started = time.monotonic()
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        return Result(response.status, text, time.monotonic() - started)
    except OSError:
        return Result(0, "", time.monotonic() - started)
    finally:
        connection.close()


def burst(
    port: int,
    fake: FakeSlackServer,
    *,
    prefix: str,
    count: int,
    people: int,
    client_timeout: float,
    answers_timeout: float,
) -> Burst:
    """``count`` signed commands released at once; then wait for their answers."""
    rng = random.Random(prefix)
    bodies = [command_body(n, prefix, fake.url, people, rng) for n in range(count)]
    out, started = send_all(port, bodies, client_timeout)
    names = [f"{prefix}-{n}" for n in range(count)]
    remaining = max(1.0, answers_timeout - (time.monotonic() - started))
    arrived = fake.wait_answers(names, remaining)
    out.answers_arrived = len(arrived)
    if len(arrived) == count:
        out.answers_all_in = max(arrived.values()) - started
    return out


def send_all(port: int, bodies: list[bytes], client_timeout: float) -> tuple[Burst, float]:
    """Post every signed body at once, each on a thread of its own; the HTTP answers and
    the moment (``time.monotonic()``) they were released."""
    results: list[Result | None] = [None] * len(bodies)
    gate = threading.Barrier(len(bodies) + 1)

    def send(n: int) -> None:
        gate.wait()
        results[n] = post_signed(port, bodies[n], client_timeout)

    threads = [threading.Thread(target=send, args=(n,), daemon=True) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join(client_timeout + 5)
    return Burst([r or Result(0, "", client_timeout) for r in results]), started


def warm_up(port: int, fake: FakeSlackServer, prefix: str, people: int) -> None:
    """A few commands one by one (imports, caches, connections), answered before the burst."""
    rng = random.Random(prefix)
    names = []
    for n in range(6):
        post_signed(port, command_body(n, prefix, fake.url, people, rng), timeout=30)
        names.append(f"{prefix}-{n}")
    fake.wait_answers(names, timeout=30)


# --- the report ---------------------------------------------------------------------------
def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def print_table(
    title: str,
    bursts: dict[str, Burst],
    *,
    answers: str = "all response_url answers",
    baselines: tuple[str, ...] = (BARE.name, BARE_LAZY.name),
) -> None:
    names = list(bursts)
    width = max(20, *(len(n) + 2 for n in names))
    print(f"\n{title}")
    print(" " * 26 + "".join(f"{n:>{width}}" for n in names))
    rows: list[tuple[str, list[str]]] = []
    for pct in (50, 95, 99):
        rows.append((f"ack p{pct}", [_ms(percentile(b.seconds, pct)) for b in bursts.values()]))
    rows.append(("ack max", [_ms(max(b.seconds)) for b in bursts.values()]))
    for label, key in (
        ("acks over 3 s", "late"),
        ("non-200 answers", "non-200"),
        ("Bolt 404 (no ack in 3 s)", "no ack"),
        ("no HTTP answer", "no answer"),
    ):
        rows.append((label, [f"{b.count(key)} / {len(b.results)}" for b in bursts.values()]))
    rows.append(
        (
            answers,
            [
                f"in {b.answers_all_in:.1f} s"
                if b.answers_all_in is not None
                else f"{b.answers_arrived} / {len(b.results)} came"
                for b in bursts.values()
            ],
        )
    )
    for label, cells in rows:
        print(f"  {label:<24}" + "".join(f"{c:>{width}}" for c in cells))
    # Bolt's defaults queue the bare app's acks behind its own slow answers too: with a
    # slow Slack the lazy bare app is the honest baseline, so both ratios are printed.
    for base in (b for b in baselines if b in bursts):
        p99 = percentile(bursts[base].seconds, 99)
        ratios = [
            f"{name} {percentile(b.seconds, 99) / p99:.1f}x"
            for name, b in bursts.items()
            if name not in baselines
        ]
        print(f"  p99 against {base} (target: within 1.5x): " + ", ".join(ratios))
    sys.stdout.flush()


# --- the run ------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench_ack.") as tmp:
        databases = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if args.database_url:
            databases.append(("PostgreSQL", args.database_url))
        log = Path(tmp) / "servers.log"
        on_sqlite: dict[tuple[int, int, float], dict[str, Burst]] = {}
        for name, url in databases:
            # The bare apps touch no database: measured once, with the first.
            targets = [MENTORBOT, *(() if name != "SQLite" else (BARE, BARE_LAZY))]
            if args.experiments and name == "SQLite":
                targets += EXPERIMENTS
            started = time.monotonic()
            engine = make_engine(url)
            if engine.dialect.name == "postgresql":
                SQLModel.metadata.drop_all(engine)
            upgrade(engine)  # Alembic's schema, stamped: `mentorbot run` finds it at head
            engine.dispose()
            build(url, args.people, args.people // 10)
            print(f"{name}: built {args.people:,} people in {time.monotonic() - started:.1f} s")
            for workers, threads in args.configs:
                for delay in (0.0, args.slow):
                    fake = FakeSlackServer(delay)
                    env = {
                        "SLACK_BOT_TOKEN": TOKEN,
                        "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": fake.url + "/api/",
                        "DATABASE_URL": url,
                        "SLACK_APP_TOKEN": "",
                    }
                    bursts: dict[str, Burst] = {}
                    try:
                        for target in targets:
                            prefix = f"{name}-{workers}x{threads}-{delay}-{target.name}".replace(
                                " ", "_"
                            )
                            with serving(
                                target, workers=workers, threads=threads, env=env, log=log
                            ) as port:
                                warm_up(port, fake, prefix + "-warm", args.people)
                                bursts[target.name] = burst(
                                    port,
                                    fake,
                                    prefix=prefix,
                                    count=args.commands,
                                    people=args.people,
                                    client_timeout=args.client_timeout,
                                    answers_timeout=args.answers_timeout,
                                )
                    finally:
                        fake.stop()
                    if name == "SQLite":
                        on_sqlite[(workers, threads, delay)] = bursts
                    else:  # side by side with the same burst on SQLite and the bare apps
                        first = on_sqlite[(workers, threads, delay)]
                        bursts = {
                            f"{MENTORBOT.name} (SQLite)": first[MENTORBOT.name],
                            f"{MENTORBOT.name} ({name})": bursts[MENTORBOT.name],
                            **{k: v for k, v in first.items() if k != MENTORBOT.name},
                        }
                    slack = (
                        f"Slack answering after {delay} s" if delay else "Slack answering at once"
                    )
                    print_table(
                        f"{name}: {args.commands} concurrent /mentor find|progress|help, "
                        f"gunicorn {workers}x{threads}, {slack}:",
                        bursts,
                    )
        if args.keep_log:
            Path(args.keep_log).write_bytes(log.read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~1.5 min: 1x8, 50 commands")
    parser.add_argument("--experiments", action="store_true", help="also the scratch variants")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--commands", type=int, default=None, help="per burst (default 200)")
    parser.add_argument("--slow", type=float, default=1.5, help="slow Slack's delay, seconds")
    parser.add_argument("--keep-log", default=None, help="copy the servers' log here")
    parser.add_argument(
        "--database-url", help="an EMPTY PostgreSQL database: mentorbot measured on it too"
    )
    args = parser.parse_args()
    args.configs = [(1, 8)] if args.quick else [(1, 8), (2, 8)]
    args.commands = args.commands or (50 if args.quick else 200)
    # Bounds: no request waits longer than this for its HTTP answer, no burst longer for
    # its response_url answers (a 5-thread pool at 1.5 s a call needs ~count * 0.3 s).
    args.client_timeout = 30.0 if args.quick else 60.0
    args.answers_timeout = max(20.0, args.commands * 0.45)
    run(args)


if __name__ == "__main__":
    main()
