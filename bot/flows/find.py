"""`/mentor find` and its topic buttons (each search counted as demand), and the
directory kept current from Slack's profile changes."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from bot.blocks.find import build_find_prompt, build_search_answer
from bot.config import Settings
from bot.context import Deps
from bot.directory import Outcome, apply_slack_user
from bot.effects import Effect
from bot.ids import ActionId
from bot.matching import directory_person, find_mentors
from bot.offers import popular_topics
from bot.topics import normalise, triage_match, triage_terms
from bot.usecase import Done, run
from storage import offers as offers_store


def search(
    deps: Deps,
    user: str,
    words: str,
    *,
    anyway: bool = False,
    request_action: str = ActionId.REQUEST_CONVERSATION,
    claim: str | None = None,
    record: bool = True,
) -> Done[dict[str, Any]]:
    """The answer to a search: results, the topic prompt (nothing typed), the triage card,
    or why nobody fits and what helps (``anyway``: those beyond the level gap, on request).

    Args:
        request_action: the request buttons' action (the Home's modal pushes its own).
        claim: the Slack delivery it answers, so a replay counts nothing twice.
        record: count the search as demand (False to answer a replay again).
    """
    now = deps.clock()
    settings = deps.settings

    def work(s: Session) -> tuple[dict[str, Any], tuple[Effect, ...]]:
        mentee = directory_person(s, user)
        if not normalise(words):
            return build_find_prompt(popular_topics(s, now=now, limit=8)), ()
        result = find_mentors(
            s,
            mentee,
            words,
            now=now,
            max_level_gap=settings.max_level_gap,
            triage_terms=triage_terms_of(settings),
            anyway=anyway,
            record=record,
        )
        offer = offers_store.get_offer(mentee.id, session=s) if mentee.id is not None else None
        answer = build_search_answer(
            result,
            has_offer=offer is not None,
            support_url=settings.support_url,
            max_level_gap=settings.max_level_gap,
            request_action=request_action,
        )
        return answer, ()

    return run(deps.open_session, work, now=now, claim=claim)


def triage_terms_of(settings: Settings) -> tuple[str, ...]:
    """The triage terms in force: the defaults and ``MENTORBOT_TRIAGE_TERMS``."""
    return _terms(settings.triage_terms)


@functools.lru_cache(maxsize=8)
def _terms(extra: tuple[str, ...]) -> tuple[str, ...]:
    return triage_terms(extra)


def is_triage(settings: Settings, text: str | None) -> bool:
    """Whether ``text`` (a search, a request topic) is for HR or employee assistance."""
    return bool(text) and triage_match(text or "", triage_terms_of(settings)) is not None


def apply_profile(deps: Deps, user: Mapping[str, Any]) -> Done[Outcome]:
    """A profile changed or someone was deactivated in Slack: the directory follows."""
    now = deps.clock()

    def work(s: Session) -> tuple[Outcome, tuple[Effect, ...]]:
        return apply_slack_user(s, user, now=now), ()

    return run(deps.open_session, work, now=now)
