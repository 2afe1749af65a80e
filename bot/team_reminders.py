"""The team check-in's jobs: pulses closing after their 7 days, managers' monthly reminder.

For now the reminder is an outbox DM keyed ``manager-checkin:{manager}:{YYYY-MM}`` written
by this job: planning it twice in a month (a rerun, two schedulers) inserts nothing.
``bot.team.managers_due`` (over the pure ``bot.team.due_reminders``) says who is due at an
instant: the nudge planner can call it instead, to send the reminder in working hours.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from bot import pulse
from bot import team as svc
from bot.blocks.team import build_checkin_reminder
from bot.config import Settings
from bot.effects import Effect, dm, refresh_homes
from storage import team as store
from storage.db import SessionFactory, unit_of_work, write_unit
from storage.outbox import enqueue

BATCH = 200


def close_due_pulses(open_session: SessionFactory, *, now: datetime, batch: int = BATCH) -> int:
    """Close every pulse whose 7 days are over (its answers unlinked from people, its
    manager's Home refreshed), a short transaction per batch. Returns how many closed."""
    closed = 0
    while True:
        with unit_of_work(open_session) as session:
            due = store.due_to_close(now, session=session, limit=batch)
        if not due:
            return closed
        with write_unit(open_session) as session:
            effects: list[Effect] = []
            for pulse_id in due:
                manager = pulse.close_pulse(session, pulse_id, now=now)
                if manager is not None:
                    closed += 1
                    effects += refresh_homes(f"pulse:{pulse_id}:closed", manager)
            enqueue(effects, session=session, now=now)
        if len(due) < batch:
            return closed


def plan_checkin_reminders(
    open_session: SessionFactory, *, settings: Settings, now: datetime, batch: int = BATCH
) -> int:
    """DM each manager due a check-in reminder at ``now`` (once: the key is per month, and
    the reminder then counts from now). Returns how many were planned."""
    days = settings.checkin_days
    with unit_of_work(open_session) as session:
        due = svc.managers_due(session, now=now, days=days)
    planned = 0
    for chunk in _chunks(due, batch):
        with write_unit(open_session) as session:
            rows = store.manager_rows(session=session, managers=chunk)
            still = set(svc.due_reminders(rows, now=now, days=days))
            effects: list[Effect] = []
            for row in rows:
                if row.manager_slack_id not in still:
                    continue
                reminder = build_checkin_reminder(
                    row.team_size, min_group=settings.min_group, days=days
                )
                manager = row.manager_slack_id
                effects.append(dm(svc.reminder_key(manager, now), manager, reminder))
                svc.mark_reminded(session, manager, now=now)
            enqueue(effects, session=session, now=now)
            planned += len(effects)
    return planned


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
