"""`/mentor find` and its topic buttons (each search counted as demand), and the
directory kept current from Slack's profile changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from bot.blocks.find import build_find_prompt, build_search_answer
from bot.context import Deps
from bot.directory import Outcome, apply_slack_user
from bot.effects import Effect
from bot.matching import directory_person, find_mentors
from bot.offers import offer_summary, popular_topics
from bot.topics import normalise
from bot.usecase import Done, run


def search(deps: Deps, user: str, words: str) -> Done[dict[str, Any]]:
    """The answer to a search: results, the topic prompt (nothing typed), or no match."""
    now = deps.clock()

    def work(s: Session) -> tuple[dict[str, Any], tuple[Effect, ...]]:
        mentee = directory_person(s, user)
        if not normalise(words):
            return build_find_prompt(popular_topics(s, now=now, limit=8)), ()
        result = find_mentors(s, mentee, words, now=now, max_level_gap=deps.settings.max_level_gap)
        has_offer = offer_summary(s, mentee, now=now) is not None
        return build_search_answer(result, has_offer=has_offer), ()

    return run(deps.open_session, work, now=now)


def apply_profile(deps: Deps, user: Mapping[str, Any]) -> Done[Outcome]:
    """A profile changed or someone was deactivated in Slack: the directory follows."""
    now = deps.clock()

    def work(s: Session) -> tuple[Outcome, tuple[Effect, ...]]:
        return apply_slack_user(s, user, now=now), ()

    return run(deps.open_session, work, now=now)
