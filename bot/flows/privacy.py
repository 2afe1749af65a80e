"""`/mentor export` and `/mentor forget-me`: a person's own data, to take or to delete.

Forgetting writes no message to the outbox: a message to the person would be a new row
about them. The confirmation is the modal itself; then, on SQLite, the database file is
compacted so that what was deleted is gone from the file too.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.context import Deps
from bot.effects import Effect
from bot.privacy import Export, export_of, forget_person
from bot.usecase import Done, read, run
from storage.db import compact


def export(deps: Deps, user: str) -> Export | None:
    now = deps.clock()
    return read(deps.open_session, lambda s: export_of(s, user, now=now))


def forget(deps: Deps, user: str, *, claim: str | None) -> Done[bool]:
    """Forget ``user`` (``claim``: the confirming submission, so a replay does nothing)."""
    now = deps.clock()

    def work(s: Session) -> tuple[bool, tuple[Effect, ...]]:
        return forget_person(s, user), ()

    return run(deps.open_session, work, now=now, claim=claim)


def compact_storage(deps: Deps) -> None:
    """After forgetting: rewrite the SQLite file without the deleted pages."""
    compact(deps.engine)
