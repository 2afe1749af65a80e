"""Two use cases racing: the second checks the database while the first is not committed yet.

This is what a double click or two people pressing at once look like to the database:
both read "nothing there yet", then both write. Only the database's constraints (or a
compare-and-set) can let exactly one of them through.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from bot.context import Deps
from bot.errors import MentorbotError

Outcome = Any | MentorbotError


def race(
    deps: Deps,
    first: Callable[[Session], Any],
    second: Callable[[Session], Any],
    *,
    second_writes: str,
) -> tuple[Outcome, Outcome]:
    """Run ``first`` up to its commit, then ``second`` in another thread; commit ``first``
    once ``second`` is about to run a statement matching the regular expression
    ``second_writes`` (its checks are done by then, or it is about to wait for a lock), and
    let ``second`` finish. Each outcome is the use case's result or the ``MentorbotError``
    it raised (anything else fails the test)."""
    outcomes: dict[str, Outcome] = {}
    about_to_write = threading.Event()
    pattern = re.compile(second_writes, re.IGNORECASE)

    def spot(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is worker and pattern.search(statement):
            about_to_write.set()

    def run(name: str, use_case: Callable[[Session], Any], session: Session) -> None:
        try:
            outcomes[name] = use_case(session)
            session.commit()
        except MentorbotError as exc:
            session.rollback()
            outcomes[name] = exc
        except BaseException as exc:  # reported by the assertion below
            session.rollback()
            outcomes[name] = exc

    first_session, second_session = deps.open_session(), deps.open_session()
    worker = threading.Thread(target=run, args=("second", second, second_session), daemon=True)
    event.listen(deps.engine, "before_cursor_execute", spot)
    try:
        outcomes["first"] = first(first_session)
        worker.start()
        wrote = about_to_write.wait(10)
        first_session.commit()
        worker.join(40)
    finally:
        event.remove(deps.engine, "before_cursor_execute", spot)
        first_session.close()
        second_session.close()
    assert wrote, f"the second use case never wrote {second_writes!r}: {outcomes}"
    assert not worker.is_alive(), "the second use case never finished"
    for name, outcome in outcomes.items():
        if isinstance(outcome, BaseException) and not isinstance(outcome, MentorbotError):
            raise AssertionError(f"the {name} use case failed: {outcome!r}") from outcome
    return outcomes["first"], outcomes["second"]
