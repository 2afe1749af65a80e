"""The team check-in's job: pulses closing after their 7 days.

The managers' monthly reminder is a check-in of the nudge planner (``bot.nudges``), in
the manager's working hours and within their one nudge a day: ``bot.team.managers_due``
says who is due at an instant.
"""

from __future__ import annotations

from datetime import datetime

from bot import pulse
from bot.effects import Effect, refresh_homes
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
