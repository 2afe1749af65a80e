"""Scheduled jobs: thin, importable functions that take IDs (or nothing), never clients.

The scheduler installs the runtime (deps, the one WebClient and the process's running
outbox sender) before it starts; tests install their own and call the jobs directly.
A job's notices go to the outbox in the transaction that changes state; after each
batch it wakes the sender, or, in a process with no sender running, delivers them
itself before it returns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk import WebClient

from bot.batch_jobs import Batch, expire_requests_in_batches, lapse_met_requests_in_batches
from bot.context import Deps
from bot.housekeeping import (
    delete_old_private_texts as delete_texts_closed_before,
)
from bot.housekeeping import purge_processed_events, purge_sent_messages
from bot.nudges.planner import plan
from bot.slack import build_client
from bot.team_reminders import close_due_pulses
from handlers.deliver import Sender, sender_for

logger = logging.getLogger(__name__)

INLINE_ROUNDS = 10_000  # a bound on delivering in the job's own thread, never reached in use


@dataclass(frozen=True)
class Runtime:
    deps: Deps
    client: WebClient
    sender: Sender
    sender_running: bool  # a sender thread of this process delivers; else the job does


_runtime: Runtime | None = None


def install(deps: Deps, client: WebClient, *, sender: Sender | None = None) -> None:
    """Give the jobs their dependencies; ``sender``: the outbox sender running in this
    process (None: each job delivers its own notices before it returns)."""
    global _runtime
    running = sender is not None
    if sender is None:  # one that never re-posts on its own (``bot.slack.build_client``)
        sender = sender_for(deps, build_client(deps.settings, resend=False))
    _runtime = Runtime(deps, client, sender, running)


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("jobs runtime not installed: call handlers.jobs.install() first")
    return _runtime


def purge_events() -> None:
    """Forget Slack event IDs older than a week (Slack retries within minutes)."""
    deps = runtime().deps
    removed = purge_processed_events(deps.open_session, older_than=deps.clock() - timedelta(days=7))
    logger.info("Purged %d processed event ids", removed)


def purge_outbox() -> None:
    """Forget messages sent more than two weeks ago (failures stay for operators)."""
    deps = runtime().deps
    removed = purge_sent_messages(deps.open_session, older_than=deps.clock() - timedelta(days=14))
    logger.info("Purged %d sent outbox rows", removed)


def delete_old_private_texts() -> None:
    """Daily: what pairs wrote in conversations closed over MENTORBOT_RETENTION_DAYS ago
    is deleted."""
    deps = runtime().deps
    cutoff = deps.clock() - timedelta(days=deps.settings.retention_days)
    removed = delete_texts_closed_before(deps.open_session, closed_before=cutoff)
    logger.info("Deleted the private texts of %d conversations past retention", removed)


def lapse_met_requests() -> None:
    """Daily: logged meetings unconfirmed for 14 days lapse (they never count)."""
    rt = runtime()
    batches = lapse_met_requests_in_batches(rt.deps.open_session, now=rt.deps.clock())
    logger.info("Lapsed %d unconfirmed met requests", _after_each(rt, batches))


def expire_requests() -> None:
    """Hourly: requests unanswered for 7 days expire; mentees are offered other mentors."""
    rt = runtime()
    batches = expire_requests_in_batches(
        rt.deps.open_session,
        now=rt.deps.clock(),
        max_level_gap=rt.deps.settings.max_level_gap,
    )
    logger.info("Expired %d unanswered requests", _after_each(rt, batches))


def team_checkins() -> None:
    """Hourly: pulses past their 7 days close (answers unlinked from people). The monthly
    reminder to managers is a check-in planned by ``plan_nudges``."""
    rt = runtime()
    closed = close_due_pulses(rt.deps.open_session, now=rt.deps.clock())
    logger.info("Closed %d pulses", closed)
    _deliver(rt)


def plan_nudges() -> None:
    """Every 15 minutes: the check-ins due now, to people whose working hours are open."""
    rt = runtime()
    report = plan(rt.deps.open_session, now=rt.deps.clock(), settings=rt.deps.settings)
    if report.total:
        _deliver(rt)


def _after_each(rt: Runtime, batches: Iterable[Batch]) -> int:
    """Run the batches, delivering each one's notices and Home refreshes after its commit.
    Returns how many rows changed in all."""
    total = 0
    for batch in batches:
        total += batch.changed
        _deliver(rt)
    return total


def _deliver(rt: Runtime) -> None:
    if rt.sender_running:
        rt.sender.wake()
        return
    for _ in range(INLINE_ROUNDS):
        if not rt.sender.drain_once():
            return
