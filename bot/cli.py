"""The `mentorbot` command: load .env, build settings, wire, start. Nothing else."""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from dotenv import load_dotenv

from bot.clock import utc_now
from bot.config import ConfigError, Settings, load_settings, require_http

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

    from bot.context import Deps
    from storage.db import Upgrade

logger = logging.getLogger("mentorbot")

EXIT_CONFIG = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # `mentorbot` alone: what it can do, not an argparse complaint
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    _configure_logging(args)
    load_dotenv(Path.cwd() / ".env")
    try:
        # Every problem at once, before anything touches the database.
        running = args.command == "run"
        settings = load_settings(run=running, http=running and args.http)
    except ConfigError as exc:
        print(exc, file=sys.stderr)  # noqa: T201 - the CLI's own output
        return EXIT_CONFIG
    try:
        result: int = args.handler(settings, args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    return result


def _configure_logging(args: argparse.Namespace) -> None:
    from bot.logs import configure

    configure(fmt=args.log_format, level=getattr(logging, args.log_level.upper()))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentorbot", description="Mentors on Call for Slack")
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text for people, json for log shippers (one object per line)",
    )
    parser.add_argument(
        "--log-level", choices=("debug", "info", "warning", "error"), default="info"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set)")
    run.add_argument("--http", action="store_true", help="HTTP mode: POST /slack/events")
    run.add_argument("--port", type=int, default=None, help="HTTP port (default: $PORT)")
    run.add_argument("--workers", type=int, default=2, help="HTTP worker processes")
    run.add_argument("--threads", type=int, default=8, help="threads per HTTP worker")
    run.add_argument("--no-scheduler", action="store_true", help="do not run scheduled jobs")
    run.set_defaults(handler=_run)

    scheduler = sub.add_parser(
        "scheduler", help="run the scheduled jobs (exactly one per deployment) and a sender"
    )
    scheduler.set_defaults(handler=_scheduler)
    sender = sub.add_parser(
        "sender", help="deliver queued messages to Slack (run as many as you like)"
    )
    sender.set_defaults(handler=_sender)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations").set_defaults(handler=_db_upgrade)
    backup = db_sub.add_parser(
        "backup",
        help="copy the SQLite database to FILE while the bot runs (PostgreSQL: pg_dump)",
    )
    backup.add_argument("file", type=Path, help="a new file for the copy")
    backup.set_defaults(handler=_db_backup)

    from bot.people import COLUMNS_HELP

    people = sub.add_parser(
        "import-people",
        help="create/update people from an HR CSV",
        description="Create or update people (and their mentor offers) from an HR export.",
        epilog=COLUMNS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    people.add_argument("file", type=Path, help="the CSV file (columns below)")
    people.set_defaults(handler=_import_people)

    sync = sub.add_parser("sync-people", help="pull names, time zones, emails from Slack")
    sync.set_defaults(handler=_sync_people)

    outbox = sub.add_parser("outbox", help="outgoing messages: counts, oldest, failures")
    outbox.add_argument("--failed", action="store_true", help="list failures with keys and reasons")
    outbox.set_defaults(handler=_outbox)

    nudges = sub.add_parser("nudges", help="the check-ins the planner would send now")
    nudges.add_argument(
        "--preview", action="store_true", help="list them, sending nothing (the only mode)"
    )
    nudges.add_argument(
        "--at", type=_moment, default=None, help="at this UTC moment, YYYY-MM-DDTHH:MM"
    )
    nudges.set_defaults(handler=_nudges)

    digest = sub.add_parser(
        "digest",
        help="print the weekly digest",
        description="Print the coordinators' digest of the last whole week (or --week).",
    )
    digest.add_argument("--post", action="store_true", help="post it to the digest channel")
    digest.add_argument(
        "--csv", type=Path, metavar="FILE", help="write the export (weekly figures, danger signs)"
    )
    digest.add_argument("--week", metavar="YYYY-Www", help="a past week, e.g. 2026-W48")
    digest.set_defaults(handler=_digest)
    return parser


def _deps(settings: Settings) -> Deps:
    """Wire the database, migrated to head first (one INFO line when that changed it)."""
    deps, done = _migrated_deps(settings)
    if done.changed:
        logger.info(_describe(done))
    return deps


def _migrated_deps(settings: Settings) -> tuple[Deps, Upgrade]:
    from bot.context import Deps
    from storage.db import make_engine, session_factory, upgrade

    engine = make_engine(settings.database_url)
    done = upgrade(engine)
    deps = Deps(
        settings=settings, engine=engine, open_session=session_factory(engine), clock=utc_now
    )
    return deps, done


def _describe(done: Upgrade) -> str:
    if done.changed:
        return f"Database migrated from {done.before or 'empty'} to revision {done.after}."
    return f"Database is up to date (revision {done.after})."


def _stop_event() -> threading.Event:
    """An event set by SIGTERM or SIGINT; the main thread waits on it, then shuts down cleanly."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("Received signal %d, shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def _wait(stop: threading.Event) -> None:
    while not stop.wait(0.5):
        pass


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.http or not settings.slack_app_token:
        return _run_http(settings, args)
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.app import create_app
    from bot.scheduler import Background
    from bot.slack import app_token_problem, build_client, check_credentials

    client = build_client(settings)
    check_credentials(client, settings)
    deps = _deps(settings)
    app = create_app(deps, client)
    scheduler = (
        None
        if args.no_scheduler
        else Background(deps, client, build_client(settings, resend=False))
    )
    handler = SocketModeHandler(app, settings.slack_app_token)
    stop = _stop_event()
    try:
        if scheduler is not None:
            scheduler.start()
        try:
            handler.connect()  # type: ignore[no-untyped-call]
        except SlackApiError as exc:
            raise app_token_problem(exc) from None
        logger.info("mentorbot is running in Socket Mode")
        _wait(stop)
    finally:
        handler.close()  # type: ignore[no-untyped-call]
        if scheduler is not None:
            scheduler.shutdown()
    return 0


def _run_http(settings: Settings, args: argparse.Namespace) -> int:
    from bot.server import serve_http
    from bot.slack import build_client, check_credentials

    check_credentials(build_client(settings), settings)
    _deps(settings)  # migrate once, before any worker starts
    scheduler_process = None
    if not args.no_scheduler:
        context = multiprocessing.get_context("spawn")
        scheduler_process = context.Process(
            target=_scheduler_process,
            args=(args.log_format, args.log_level),
            name="mentorbot-scheduler",
        )
        scheduler_process.start()
    port = args.port or settings.port
    logger.info("mentorbot is serving HTTP on port %d (POST /slack/events)", port)
    try:
        serve_http(
            lambda: _load_wsgi(settings), port=port, workers=args.workers, threads=args.threads
        )
    finally:
        if scheduler_process is not None:
            scheduler_process.terminate()
            scheduler_process.join(timeout=10)
    return 0


def _load_wsgi(settings: Settings) -> WSGIApplication:
    """Runs inside each gunicorn worker: its own engine, client and app."""
    from bot.app import create_app
    from bot.context import Deps
    from bot.server import build_wsgi
    from bot.slack import build_client
    from storage.db import make_engine, session_factory

    engine = make_engine(settings.database_url)
    deps = Deps(
        settings=settings, engine=engine, open_session=session_factory(engine), clock=utc_now
    )
    app = create_app(deps, build_client(settings))
    return build_wsgi(app, engine, signing_secret=require_http(settings))


def _scheduler_process(log_format: str, log_level: str) -> None:
    _configure_logging(argparse.Namespace(log_format=log_format, log_level=log_level))
    load_dotenv(Path.cwd() / ".env")
    _scheduler(load_settings(), argparse.Namespace())


def _scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    return _background(settings, jobs=True)


def _sender(settings: Settings, _args: argparse.Namespace) -> int:
    return _background(settings, jobs=False)


def _background(settings: Settings, *, jobs: bool) -> int:
    from bot.scheduler import Background
    from bot.slack import build_client

    deps = _deps(settings)
    background = Background(
        deps, build_client(settings), build_client(settings, resend=False), jobs=jobs
    )
    stop = _stop_event()
    background.start()
    if jobs:
        logger.info("mentorbot scheduler started (with the outbox sender)")
    else:
        logger.info("mentorbot outbox sender started")
    try:
        _wait(stop)
    finally:
        background.shutdown()
    return 0


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    _, done = _migrated_deps(settings)
    print(_describe(done))  # noqa: T201
    return 0


def _db_backup(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import BackupRefused, backup, make_engine

    engine = make_engine(settings.database_url)
    try:
        size = backup(engine, args.file)
    except BackupRefused as exc:
        print(exc, file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    except (OSError, sqlite3.Error) as exc:
        print(f"Cannot write {args.file}: {exc}. No backup was made.", file=sys.stderr)  # noqa: T201
        return 1
    finally:
        engine.dispose()
    print(f"Backed up the database to {args.file} ({size / 1_000_000:.1f} MB).")  # noqa: T201
    return 0


def _import_people(settings: Settings, args: argparse.Namespace) -> int:
    from bot.offers import apply_offers
    from bot.people import CsvFormatError, SlackUnavailable, decode_csv, import_people
    from bot.slack import build_client, email_resolver

    try:
        text = decode_csv(args.file.read_bytes())
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    except CsvFormatError as exc:
        print(f"Cannot read {args.file}: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    deps = _deps(settings)
    try:
        report = import_people(
            text,
            open_session=deps.open_session,
            resolve_email=email_resolver(build_client(settings)),
            now=deps.clock(),
            apply_offers=apply_offers,
        )
    except CsvFormatError as exc:
        print(f"{args.file}: {exc}. Nothing was imported.", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    except SlackUnavailable as exc:
        print(  # noqa: T201
            f"Could not look up emails in Slack: {exc}.\nNothing was imported; run the "
            "import again once Slack answers (re-importing updates people in place).",
            file=sys.stderr,
        )
        return 1
    summary = f"{report.created} created, {report.updated} updated, {report.failed} failed"
    if report.partial:
        summary += f", {report.partial} imported without their mentor columns"
    if report.warnings:
        summary += f", {len(report.warnings)} warning{'s' if len(report.warnings) > 1 else ''}"
    print(summary)  # noqa: T201
    problems = [(e, "") for e in report.errors] + [(w, "warning: ") for w in report.warnings]
    for problem, kind in sorted(problems, key=lambda p: p[0].line):
        print(f"  line {problem.line}: {kind}{problem.reason}", file=sys.stderr)  # noqa: T201
    return 0 if report.ok else 1


def _sync_people(settings: Settings, _args: argparse.Namespace) -> int:
    from slack_sdk.errors import SlackApiError

    from bot.directory import sync_people
    from bot.slack import build_client, iter_users

    deps = _deps(settings)
    try:
        report = sync_people(
            iter_users(build_client(settings)), open_session=deps.open_session, now=deps.clock()
        )
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown error")
        print(f"Slack refused users.list: {error}", file=sys.stderr)  # noqa: T201
        if error == "missing_scope":
            print("Add the users:read and users:read.email scopes.", file=sys.stderr)  # noqa: T201
        return 1
    print(f"Directory synced from Slack: {report}")  # noqa: T201
    return 0


def _outbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.outbox import outbox_summary, render_summary

    deps = _deps(settings)
    summary = outbox_summary(deps.open_session, with_failures=args.failed)
    print(render_summary(summary, now=deps.clock()))  # noqa: T201
    return 0


def _moment(text: str) -> datetime:
    """``--at``: YYYY-MM-DDTHH:MM, in UTC unless it names its offset."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a moment: use YYYY-MM-DDTHH:MM (UTC), e.g. 2026-12-07T09:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _nudges(settings: Settings, args: argparse.Namespace) -> int:
    from bot.nudges.planner import preview
    from bot.nudges.preview import render_preview

    deps = _deps(settings)
    now = args.at or deps.clock()
    decisions = preview(deps.open_session, now=now, settings=settings)
    print(render_preview(decisions, now=now))  # noqa: T201
    return 0


def _digest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.blocks.digest_export import digest_csv, digest_text
    from bot.errors import MentorbotError
    from bot.flows import digest as flow
    from bot.scheduler import deliver_now

    deps = _deps(settings)
    try:
        shown = flow.digest_for(deps, args.week)
    except MentorbotError as exc:
        print(str(exc).replace("`", ""), file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    print(digest_text(shown), end="")  # noqa: T201
    if args.csv is not None:
        try:
            args.csv.write_text(digest_csv(shown), encoding="utf-8")
        except OSError as exc:
            print(f"Cannot write {args.csv}: {exc.strerror or exc}", file=sys.stderr)  # noqa: T201
            return 1
        print(f"Export written to {args.csv}")  # noqa: T201
    if not args.post:
        return 0
    try:
        done = flow.post_now(deps, shown.period.label)
    except MentorbotError as exc:
        print(f"Not posted: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    if done.value is None:
        print(f"Not posted: {flow.NO_CHANNEL}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    label = done.value.period.label
    if not done.value.new:
        print(f"The digest for {label} was posted before; nothing more was sent.")  # noqa: T201
        return 0
    deliver_now(deps, done.keys)
    print(f"The digest for {label}: {flow.post_outcome(deps, done.value.period)}.")  # noqa: T201
    return 0
