"""What operators see of the outbox: counts by kind and status, the oldest waiting, failures.

Never message text: keys, kinds, recipients' IDs and Slack's reasons only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import SessionFactory
from storage.models import OutboxStatus
from storage.outbox import Failure, counts, failures, oldest_pending

STATUSES = tuple(s.value for s in OutboxStatus)


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, dict[str, int]]  # kind -> status -> how many
    oldest: tuple[str, str, datetime] | None  # (key, kind, created_at) still waiting
    failures: list[Failure]


def outbox_summary(open_session: SessionFactory, *, with_failures: bool) -> OutboxSummary:
    """Read the outbox's state in one short read."""
    with open_session() as session:
        table: dict[str, dict[str, int]] = {}
        for kind, status, n in counts(session=session):
            table.setdefault(kind, dict.fromkeys(STATUSES, 0))[status] = n
        oldest = oldest_pending(session=session)
        failed = failures(session=session) if with_failures else []
    return OutboxSummary(table, oldest, failed)


def render_summary(summary: OutboxSummary, *, now: datetime) -> str:
    """The summary as plain text for a terminal."""
    if not summary.counts:
        return "The outbox is empty."
    width = max(len("kind"), *(len(k) for k in summary.counts))
    lines = ["kind".ljust(width) + "".join(s.rjust(9) for s in STATUSES)]
    for kind, by_status in sorted(summary.counts.items()):
        lines.append(kind.ljust(width) + "".join(str(by_status[s]).rjust(9) for s in STATUSES))
    if summary.oldest is None:
        lines.append("Nothing is waiting.")
    else:
        key, kind, created = summary.oldest
        lines.append(
            f"Oldest waiting: {key} ({kind}), written {created:%Y-%m-%d %H:%M} UTC, "
            f"{_age(now - created)} ago"
        )
    if summary.failures:
        lines.append("")
        lines.append("Failed (newest first):")
        for failure in summary.failures:
            lines.append(
                f"  {failure.key}  {failure.kind} to {failure.recipient}: {failure.reason} "
                f"(after {failure.attempts} attempt{'s' if failure.attempts != 1 else ''})"
            )
    return "\n".join(lines)


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"
