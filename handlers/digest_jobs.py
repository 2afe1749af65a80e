"""The digest's scheduled jobs: thin, importable, no arguments (``handlers.jobs`` runtime).

``post_weekly_digest`` runs every hour: the digest due most recently is written to the
outbox once (keyed by its week), so only the first run at or after the due hour posts,
whether one scheduler runs it or two. ``ask_to_celebrate`` asks everyone who reached a
goal lately, once, whether the digest may name them.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.flows import digest as flow
from bot.usecase import Done
from handlers import jobs

logger = logging.getLogger(__name__)


def post_weekly_digest() -> None:
    """Hourly: the weekly digest, once per week, to MENTORBOT_DIGEST_CHANNEL."""
    rt = jobs.runtime()
    done = flow.post_weekly(rt.deps)
    if done.value is not None and done.value.new:
        logger.info("Weekly digest %s written to the outbox", done.value.period.label)
    _deliver(rt, done)


def ask_to_celebrate() -> None:
    """Hourly: people who reached a goal lately are asked (once) whether to be celebrated."""
    rt = jobs.runtime()
    done = flow.ask_to_celebrate(rt.deps)
    if done.value:
        logger.info("Asked %d people who reached a goal", done.value)
    _deliver(rt, done)


def _deliver(rt: jobs.Runtime, done: Done[Any]) -> None:
    if not done.keys:
        return
    if rt.sender_running:
        rt.sender.wake()
    else:
        rt.sender.flush(done.keys)
