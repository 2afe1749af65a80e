"""The one ranking policy: in which order eligible mentors are suggested, and why.

``RANKING`` is the order, best first. The candidate query (``storage.offers``) sorts by
the criteria's columns in this order, the matching service (``bot.matching``) ranks
topic tiers by the first one and explains each suggestion with the same values, and a
test checks that the two agree. To change the ranking, change it here.

1. topic: how many of the searched words the mentor's topics cover, then how closely;
2. someone new for the mentee (counts toward their goal) before someone they know;
3. lighter load: the share of their capacity already taken;
4. answer speed (``Speed``): most past requests answered within a day, then unknown or
   ordinary, then most answered after three days;
5. closer seniority: the level difference, unknown levels last;
6. Slack ID, so the order is always the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum
from typing import Any

FAST_ANSWER = timedelta(days=1)  # answered within a day: fast
SLOW_ANSWER = timedelta(days=3)  # answered after three days: slow


class Speed(IntEnum):
    """How quickly a mentor usually answers; lower ranks first."""

    FAST = 0  # most answers within a day
    NEUTRAL = 1  # no answers yet, or neither mostly fast nor mostly slow
    SLOW = 2  # most answers after three days


def answer_speed(delays: Iterable[timedelta]) -> Speed:
    """The speed rank of a mentor whose past answers took ``delays`` (the query's rule)."""
    taken = list(delays)
    if sum(d <= FAST_ANSWER for d in taken) * 2 > len(taken):
        return Speed.FAST
    if sum(d > SLOW_ANSWER for d in taken) * 2 > len(taken):
        return Speed.SLOW
    return Speed.NEUTRAL


@dataclass(frozen=True)
class Standing:
    """What a mentor's place in the order depends on, as the explanation states it."""

    topic_fit: tuple[int, float]  # search words covered, closeness; (0, 0.0) without a topic
    is_new_connection: bool
    load: int
    capacity: int
    speed: Speed
    level_gap: int | None  # mentor's level minus the mentee's; None when either is unknown
    max_level_gap: int  # an unknown gap ranks after every allowed one
    slack_id: str


def unknown_distance(max_level_gap: int) -> int:
    """The seniority distance given to an unknown level: after every allowed gap."""
    return max_level_gap + 1


@dataclass(frozen=True)
class Criterion:
    """One step of the ranking.

    Args:
        name: what the mentee is told it is about.
        column: the candidate query's column sorting by it (None: the caller's topic tiers).
        value: the same value computed from an explained ``Standing``; lower ranks first.
    """

    name: str
    column: str | None
    value: Callable[[Standing], Any]


def topic_key(fit: tuple[int, float]) -> tuple[int, float]:
    """Most searched words covered first, then the closest fit."""
    return (-fit[0], -fit[1])


def _distance(s: Standing) -> int:
    return abs(s.level_gap) if s.level_gap is not None else unknown_distance(s.max_level_gap)


RANKING: tuple[Criterion, ...] = (
    Criterion("topic match", None, lambda s: topic_key(s.topic_fit)),
    Criterion("new connection", "known", lambda s: 0 if s.is_new_connection else 1),
    Criterion("lighter load", "share", lambda s: s.load / s.capacity),
    Criterion("answer speed", "speed", lambda s: int(s.speed)),
    Criterion("closer seniority", "distance", _distance),
    Criterion("tie-break", "slack_id", lambda s: s.slack_id),
)

# The topic is ranked in tiers before the query runs; the query sorts by all the rest.
assert RANKING[0].column is None and all(c.column for c in RANKING[1:])
QUERY_RANKING: tuple[Criterion, ...] = RANKING[1:]


def sort_key(standing: Standing) -> tuple[Any, ...]:
    """Where ``standing`` ranks: compare these keys to order mentors, best first."""
    return tuple(c.value(standing) for c in RANKING)
