"""Offering to mentor: the offer saved from its modal, paused and resumed.

Each change refreshes the mentor's Home tab with it; the offer modal's confirmation is a
DM (a modal has no thread to answer in), keyed by the submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot.blocks.offer import build_offer_saved, build_pause_changed
from bot.context import Deps
from bot.effects import Effect, dm, refresh_homes
from bot.matching import directory_person
from bot.offers import OfferForm, OfferSummary, offer_summary, save_offer, set_paused
from bot.offers import pause as pause_offer
from bot.offers import resume as resume_offer
from bot.usecase import Done, run


@dataclass(frozen=True)
class PauseChanged:
    summary: OfferSummary
    changed: bool  # False: it was already in the state asked for


def pause(deps: Deps, user: str, until: date | None) -> Done[OfferSummary]:
    """`/mentor pause [date]`: no requests until the date, or until resumed."""
    now = deps.clock()

    def work(s: Session) -> tuple[OfferSummary, tuple[Effect, ...]]:
        summary = pause_offer(s, directory_person(s, user), until, now=now)
        return summary, refresh_homes(f"offer:{user}:paused:{now.timestamp():.6f}", user)

    return run(deps.open_session, work, now=now)


def resume(deps: Deps, user: str) -> Done[PauseChanged]:
    """`/mentor resume`: requests again (``changed``: it was paused)."""
    now = deps.clock()

    def work(s: Session) -> tuple[PauseChanged, tuple[Effect, ...]]:
        summary, was_paused = resume_offer(s, directory_person(s, user), now=now)
        homes = refresh_homes(f"offer:{user}:resumed:{now.timestamp():.6f}", user)
        return PauseChanged(summary, was_paused), homes

    return run(deps.open_session, work, now=now)


def toggle_pause(
    deps: Deps, user: str, paused: bool, *, event: str, answer_by_dm: bool
) -> Done[PauseChanged]:
    """The Pause/Resume button: reach the state it asks for; the Home shows it. With
    ``answer_by_dm`` (clicked on the Home tab), a click that changed nothing is answered
    by DM (the Home itself shows a change)."""
    now = deps.clock()

    def work(s: Session) -> tuple[PauseChanged, tuple[Effect, ...]]:
        summary, changed = set_paused(s, directory_person(s, user), paused, now=now)
        effects: list[Effect] = []
        if answer_by_dm and not changed:
            message = build_pause_changed(summary, was_paused=paused)
            effects.append(dm(f"offer:{user}:pause:{event}", user, message))
        effects += refresh_homes(f"offer:{user}:pause:{event}", user)
        return PauseChanged(summary, changed), tuple(effects)

    return run(deps.open_session, work, now=now)


def save(deps: Deps, user: str, form: OfferForm, *, claim: str | None, event: str) -> Done[bool]:
    """The offer modal saved (``claim``: the submission, so a replay changes nothing):
    confirmed by DM, the Home refreshed (``event`` names the submission). The value:
    whether the offer is new."""
    now = deps.clock()

    def work(s: Session) -> tuple[bool, tuple[Effect, ...]]:
        person = directory_person(s, user)
        created = offer_summary(s, person, now=now) is None
        summary = save_offer(s, person, form, now=now)
        key = f"{event}:saved:{user}"
        return created, (
            dm(key, user, build_offer_saved(summary, created=created)),
            *refresh_homes(key, user),
        )

    return run(deps.open_session, work, now=now, claim=claim)
