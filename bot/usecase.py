"""A use case's one transaction: its state change and the messages it owes, together.

``run`` opens one write transaction for a person's action, waits at most
``INTERACTIVE_WAIT`` seconds for a lock another process holds (then the person is told
the programme is busy, well within Slack's three seconds), claims the Slack delivery the
action came in (a replay then finds it claimed and changes nothing), does the work,
writes the effects it returns to the outbox and commits once. The caller gets the value
to render and the keys of the outbox rows to deliver now (``handlers.deliver``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlmodel import Session

from bot import replays
from bot.effects import Effect
from bot.errors import MentorbotError
from storage.db import Busy, SessionFactory, unit_of_work, write_unit
from storage.outbox import enqueue

T = TypeVar("T")

INTERACTIVE_WAIT = 2.0  # seconds; an ack or an answer is still due within Slack's 3
BUSY = (
    ":hourglass: The mentoring programme is busy for a moment and nothing was changed. "
    "Please try again in a few seconds."
)


class ProgrammeBusy(MentorbotError):
    """The database stayed locked by another process: nothing changed, try again."""

    def __init__(self) -> None:
        super().__init__(BUSY)


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a use case did: the value to render, and the outbox rows it wrote."""

    value: T
    keys: tuple[str, ...] = ()


def run(
    open_session: SessionFactory,
    work: Callable[[Session], tuple[T, Iterable[Effect]]],
    *,
    now: datetime,
    claim: str | None = None,
) -> Done[T]:
    """Run ``work`` in one transaction and write the effects it returns with it.

    Raises ``ProgrammeBusy`` when the database stays locked, ``replays.AlreadyHandled``
    when ``claim`` (a delivery key) was handled before, and whatever ``work`` raises;
    in every case nothing is written.
    """
    try:
        with write_unit(open_session, wait=INTERACTIVE_WAIT) as session:
            replays.claim(session, claim, now=now)
            value, effects = work(session)
            effects = tuple(effects)
            enqueue(effects, session=session, now=now)
    except Busy:
        raise ProgrammeBusy() from None
    return Done(value, tuple(effect.key for effect in effects))


def read(open_session: SessionFactory, work: Callable[[Session], T]) -> T:
    """A read-only use case (a modal's draft, a check before opening a form): readers never
    wait for writers (SQLite's WAL, PostgreSQL's MVCC)."""
    with unit_of_work(open_session) as session:
        return work(session)
