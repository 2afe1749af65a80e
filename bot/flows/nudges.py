"""Muting check-ins (`/mentor mute`, `/mentor unmute`, the Home's toggle), and the welcome's
"Open the Home". Muting stops every check-in; answers to a person's own actions still come.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from bot.blocks.common import escape
from bot.context import Deps
from bot.effects import Effect, refresh_homes
from bot.errors import MentorbotError, NotInDirectory
from bot.nudges.hours import zone_of
from bot.usecase import Done, run
from storage import nudges as store
from storage.people import get_by_slack_id

UNTIL = re.compile(r"^(?:until\s+)?(\S+)$", re.IGNORECASE)


class BadMuteDate(MentorbotError):
    """`/mentor mute` with something that is not a date in the future."""


@dataclass(frozen=True)
class MuteState:
    muted: bool
    until: date | None


def parse_mute_args(text: str, *, today: date) -> date | None:
    """`/mentor mute` arguments: nothing (until unmuted), or [until] YYYY-MM-DD (in the
    future: check-ins start again on that day)."""
    words = " ".join(text.split())
    if not words:
        return None
    found = UNTIL.match(words)
    example = (today + timedelta(days=14)).isoformat()
    try:
        until = date.fromisoformat(found.group(1)) if found else None
    except ValueError:
        until = None
    if until is None:
        raise BadMuteDate(
            f"I couldn't read “{escape(words[:40])}” as a date. Use `/mentor mute until "
            f"{example}` (YYYY-MM-DD), or `/mentor mute` alone to mute until you "
            "`/mentor unmute`."
        )
    if until <= today:
        raise BadMuteDate(
            f"{until.isoformat()} is not in the future. Pick a later date, or use "
            "`/mentor mute` alone to mute until you unmute."
        )
    return until


def today_of(deps: Deps, slack_id: str) -> date:
    """``slack_id``'s own calendar day now."""
    now = deps.clock()
    with deps.open_session() as session:
        person = get_by_slack_id(slack_id, session=session)
        tz = person.tz if person else None
    return now.astimezone(zone_of(tz, deps.settings.default_tz)).date()


def set_mute(
    deps: Deps, user: str, *, muted: bool, until: date | None = None, event: str | None = None
) -> Done[MuteState]:
    """Mute (until ``until``, or until unmuted) or unmute ``user``'s check-ins; their Home
    shows it."""
    now = deps.clock()

    def work(s: Session) -> tuple[MuteState, tuple[Effect, ...]]:
        if not store.set_mute(user, muted=muted, until=until, session=s, now=now):
            raise NotInDirectory(user)
        state = MuteState(muted, until if muted else None)
        return state, refresh_homes(f"mute:{event or now.isoformat()}", user)

    return run(deps.open_session, work, now=now)


def open_home(deps: Deps, user: str, *, event: str) -> Done[None]:
    """The welcome's "Open the Home": publish it as it is now."""
    now = deps.clock()

    def work(s: Session) -> tuple[None, tuple[Effect, ...]]:
        if get_by_slack_id(user, session=s) is None:
            raise NotInDirectory(user)
        return None, refresh_homes(f"open-home:{event}", user)

    return run(deps.open_session, work, now=now)
