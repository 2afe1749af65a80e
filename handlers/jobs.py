"""Scheduled jobs: thin, importable functions that take IDs (or nothing), never clients.

The scheduler installs the runtime (deps and the one WebClient) before it starts;
tests install their own and call the jobs directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk import WebClient

from bot.context import Deps
from bot.housekeeping import purge_processed_events, purge_sent_messages
from handlers.connections import lapse_met_requests_job
from handlers.conversations import expire_requests_job

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    deps: Deps
    client: WebClient


_runtime: Runtime | None = None


def install(deps: Deps, client: WebClient) -> None:
    global _runtime
    _runtime = Runtime(deps, client)


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


def lapse_met_requests() -> None:
    """Daily: logged meetings unconfirmed for 14 days lapse (they never count)."""
    rt = runtime()
    lapsed = lapse_met_requests_job(rt.deps, rt.client)
    logger.info("Lapsed %d unconfirmed met requests", lapsed)


def expire_requests() -> None:
    """Hourly: requests unanswered for 7 days expire; mentees are offered other mentors."""
    rt = runtime()
    expired = expire_requests_job(rt.deps, rt.client)
    logger.info("Expired %d unanswered requests", expired)
