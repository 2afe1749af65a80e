"""A person's time zone: known before any time is shown to them or read from them.

People imported from the HR export alone have no zone until Slack tells us; the edge
asks Slack (``users.info``) and these use cases keep the answer on the person.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.clock import valid_zone
from bot.context import Deps
from bot.effects import Effect
from bot.usecase import Done, read, run
from storage import people

__all__ = ["needs_zone", "store_zone", "valid_zone"]


def needs_zone(deps: Deps, slack_id: str) -> bool:
    """Whether ``slack_id`` is in the directory without a time zone."""

    def check(s: Session) -> bool:
        person = people.get_by_slack_id(slack_id, session=s)
        return person is not None and not person.tz

    return read(deps.open_session, check)


def store_zone(deps: Deps, slack_id: str, zone: str) -> Done[str | None]:
    """Keep ``zone`` (Slack's answer) on a person who has none; their zone afterwards."""
    now = deps.clock()
    known = valid_zone(zone)

    def work(s: Session) -> tuple[str | None, tuple[Effect, ...]]:
        person = people.get_by_slack_id(slack_id, session=s)
        if person is None:
            return None, ()
        if not person.tz and known:
            person.tz = known
            person.updated_at = now
        return person.tz, ()

    return run(deps.open_session, work, now=now)
