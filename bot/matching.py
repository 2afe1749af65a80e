"""Explainable matching: who can help a mentee, outside their area, and why.

Eligible mentors are outside the mentee's area and reporting line, within the
seniority rule (or offering reverse mentoring), not paused, with a free slot, and
not the mentee. They are ranked by ``storage.ranking.RANKING``: topic match, then
"new connection for you", then lighter load, then how quickly they usually answer,
then closer seniority; the Slack ID breaks ties so the order is always the same. Each
suggestion carries its ``Standing`` in that ranking and explains it in the same order.

What is ranked is a window of offers, not all of them: a share of ``TOPIC_POOL`` per
matched topic (``GENERAL_POOL`` when any topic will do), from a place that depends on
who searches. The rules are exact for everyone shown; the order is the best of the
window, so a search costs the same at any company size and different people searching
a popular topic are shown different mentors.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.blocks.common import mention
from bot.errors import MentorbotError, NotInDirectory
from bot.topics import (
    GENERIC_WORDS,
    CatalogueTopic,
    TopicMatch,
    match_topics,
    normalise,
    related_keys,
    triage_match,
)
from storage import connections as connections_store
from storage import conversations as conversations_store
from storage import directory as directory_store
from storage import offers as offers_store
from storage import people as people_store
from storage.models import MentorOffer, Person
from storage.offers import CandidateRow
from storage.ranking import (
    RANKING,
    SLOW_ANSWER,
    Speed,
    Standing,
    answer_speed,
    topic_key,
)

NO_TOPIC_FIT = (0, 0.0)


@dataclass(frozen=True)
class Suggestion:
    """A mentor who fits, with what matched and why they rank where they do."""

    mentor: Person
    matched_topics: tuple[str, ...]
    reasons: tuple[str, ...]
    is_new_connection: bool
    load: int = 0
    capacity: int = 0
    level_gap: int | None = None  # mentor's level minus the mentee's
    reverse_mentoring: bool = False
    offered_topics: tuple[str, ...] = field(default=())
    help_with: str = ""
    out_of_scope: str = ""
    standing: Standing | None = None  # where they rank, as the reasons explain it
    time_difference: str | None = None  # "3 h behind you"; None when a zone is unknown


class ConcernCode(StrEnum):
    """What speaks against asking a mentor; callers decide on these codes, never on wording."""

    YOURSELF = "yourself"
    INACTIVE = "inactive"
    PAUSED = "paused"
    AT_CAPACITY = "at_capacity"
    NO_OFFER = "no_offer"
    OWN_AREA = "own_area"
    MANAGEMENT_CHAIN = "management_chain"
    REPORTS_TO_YOU = "reports_to_you"
    LEVEL_GAP = "level_gap"
    JUNIOR = "junior"  # junior to the mentee, without offering reverse mentoring


BLOCKING = frozenset(
    {ConcernCode.YOURSELF, ConcernCode.INACTIVE, ConcernCode.PAUSED, ConcernCode.AT_CAPACITY}
)


@dataclass(frozen=True)
class Concern:
    """One thing against a mentee asking a mentor: its code, and the sentence the mentee sees."""

    code: ConcernCode
    text: str

    @property
    def blocks(self) -> bool:
        """Blocking concerns refuse the request; the others are warnings."""
        return self.code in BLOCKING


@dataclass(frozen=True)
class Eligibility:
    """Why a mentee cannot ask a mentor (blockers) or should know something first (warnings)."""

    concerns: tuple[Concern, ...] = ()

    @property
    def allowed(self) -> bool:
        return not any(c.blocks for c in self.concerns)

    @property
    def codes(self) -> frozenset[ConcernCode]:
        return frozenset(c.code for c in self.concerns)

    @property
    def blockers(self) -> tuple[str, ...]:
        """What stops the request, as sentences for the mentee."""
        return tuple(c.text for c in self.concerns if c.blocks)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the mentee should know before asking, as sentences."""
        return tuple(c.text for c in self.concerns if not c.blocks)


def area_key(area: str | None) -> str | None:
    """Areas compare case- and whitespace-insensitively; blank means unknown."""
    if area is None:
        return None
    return " ".join(area.split()).lower() or None


def is_paused(offer: MentorOffer, today: date) -> bool:
    return offer.paused or (offer.paused_until is not None and today < offer.paused_until)


def catalogue(session: Session) -> list[CatalogueTopic]:
    return [CatalogueTopic(i, k, label) for i, k, label in offers_store.topic_keys(session=session)]


GENERAL_POOL = 400  # offers ranked when any topic will do (see offer_window)
TOPIC_POOL = 400  # offers ranked for a search: half for its best-fitting topics, half
TOPIC_SHARE = 25  # for the others, each topic's share at least this (see _topic_window)


def suggest_mentors(
    session: Session,
    mentee: Person,
    topic_words: str | None,
    *,
    now: datetime,
    max_level_gap: int,
    limit: int = 5,
    exclude_ids: Collection[int] = (),
) -> list[Suggestion]:
    """Up to ``limit`` mentors for ``mentee``, best first, each with its reasons.

    Args:
        topic_words: what the mentee typed (or a topic label); None or words without
            meaning rank every eligible mentor.
        exclude_ids: person IDs never to suggest (e.g. someone who just declined).
    """
    key = normalise(topic_words) if topic_words else ""
    matches = match_topics(key, catalogue(session)) if key else None
    return _suggest(session, mentee, key, matches, now, max_level_gap, limit, exclude_ids)


def _suggest(
    session: Session,
    mentee: Person,
    key: str,
    matches: list[TopicMatch] | None,
    now: datetime,
    max_level_gap: int,
    limit: int,
    exclude_ids: Collection[int],
    *,
    reverse_only: bool = False,
) -> list[Suggestion]:
    if mentee.id is None or limit <= 0 or matches == []:
        return []
    by_topic = {m.topic.id: m for m in matches or ()}
    topics_of: dict[int, set[int]] = {}
    tiers: Sequence[tuple[tuple[int, float], list[int] | None]]
    cut = False  # some topic had more offers than its share of the window
    if matches is None:
        # Anyone who could help: the best of a window of offers, not of the whole company,
        # so "who to ask next" costs the same in a company of 500 as of 200,000.
        window = offers_store.offer_window(mentee.id, GENERAL_POOL, session=session)
        tiers = [(NO_TOPIC_FIT, window)]
    else:
        # Likewise a window of each topic's offers, so a topic offered by thousands costs
        # what one offered by a few hundred does, and its mentors' requests are spread.
        pairs, cut = _topic_window(session, mentee.id, matches)
        topics_of = _topics_by_offer(pairs)
        tiers = _topic_tiers(topics_of, by_topic, frozenset(key.split()))
    chain = directory_store.manager_chain(mentee.slack_id, session=session)
    connected = connections_store.connected_ids(mentee.id, session=session)
    has_reports = directory_store.reports_exist(mentee.slack_id, session=session)
    mentee_area = area_key(mentee.area)
    chosen: list[CandidateRow] = []
    fit: dict[int, tuple[int, float]] = {}  # offer ID → its tier's topic fit
    page_size = limit * 2 + 8

    def rank(tiers: Sequence[tuple[tuple[int, float], list[int] | None]]) -> None:
        # Tiers go from the best topic match down; within a tier the database ranks and
        # pages, so a popular topic never brings every mentor into Python.
        for tier_fit, tier in tiers:
            offset = 0
            while len(chosen) < limit:
                rows = offers_store.ranked_candidates(
                    session=session,
                    today=now.date(),
                    mentee_id=mentee.id or 0,
                    mentee_slack_id=mentee.slack_id,
                    mentee_area_key=mentee_area,
                    mentee_level=mentee.level,
                    max_level_gap=max_level_gap,
                    chain_slack_ids=chain,
                    connected_ids=connected,
                    exclude_ids=exclude_ids,
                    offer_ids=tier,
                    limit=page_size,
                    offset=offset,
                    reverse_only=reverse_only,
                )
                under = _reports_among(session, mentee, rows) if has_reports else set()
                for row in rows:
                    if not _still_eligible(mentee_area, under, row):
                        continue
                    chosen.append(row)
                    fit[row.offer_id] = tier_fit
                    if len(chosen) == limit:
                        break
                if len(rows) < page_size:
                    break
                offset += page_size
            if len(chosen) == limit:
                break

    rank(tiers)
    if not chosen and cut and matches:
        # Nobody in the window: before saying nobody fits, rank every offer of the topics
        # (rare: few mentors are eligible for this mentee, so a window missed them).
        topics_of = _topics_by_offer(_whole_topics(session, matches))
        rank(_topic_tiers(topics_of, by_topic, frozenset(key.split())))
    # Exact medians only for the few shown, to say how quickly they usually answer.
    delays = directory_store.response_delays((r.person_id for r in chosen), session=session)
    people = directory_store.people_by_ids((r.person_id for r in chosen), session=session)
    labels = offers_store.offer_topic_labels((r.offer_id for r in chosen), session=session)
    offers = offers_store.offers_by_ids((r.offer_id for r in chosen), session=session)
    suggestions = []
    for row in chosen:
        topic_matches = sorted(
            (by_topic[t] for t in topics_of.get(row.offer_id, ())),
            key=lambda m: (-m.closeness, m.topic.label.lower()),
        )
        gap = _gap(mentee.level, row.level)
        standing = Standing(
            topic_fit=fit[row.offer_id],
            is_new_connection=row.person_id not in connected,
            load=row.load,
            capacity=row.capacity,
            speed=answer_speed(delays.get(row.person_id, ())),
            level_gap=gap,
            max_level_gap=max_level_gap,
            slack_id=row.slack_id,
        )
        suggestions.append(
            Suggestion(
                mentor=people[row.person_id],
                matched_topics=tuple(m.topic.label for m in topic_matches),
                reasons=explain(standing, _median(delays.get(row.person_id))),
                is_new_connection=standing.is_new_connection,
                load=row.load,
                capacity=row.capacity,
                level_gap=gap,
                reverse_mentoring=row.reverse_mentoring,
                offered_topics=tuple(labels.get(row.offer_id, ())),
                help_with=offers[row.offer_id].help_with if row.offer_id in offers else "",
                out_of_scope=offers[row.offer_id].out_of_scope if row.offer_id in offers else "",
                standing=standing,
                time_difference=time_difference(mentee.tz, people[row.person_id].tz, now),
            )
        )
    return suggestions


def _topic_window(
    session: Session, seed: int, matches: Sequence[TopicMatch]
) -> tuple[list[tuple[int, int]], bool]:
    """(offer_id, topic_id) of the offers a search ranks, each topic's share read from a
    place that depends on who searches. Half of ``TOPIC_POOL`` goes to the topics that fit
    best on their own, half to the others, so twelve loosely related topics do not crowd
    out the one that was asked for (an offer of both still ranks in the tier of both).
    Also whether some topic filled its share (it may have more offers than were read)."""
    fits = {m.topic.id: topic_key((len(m.covered), round(m.closeness, 6))) for m in matches}
    best = min(fits.values(), default=None)
    first = [t for t, fit in fits.items() if fit == best]
    rest = [t for t, fit in fits.items() if fit != best]
    pool = TOPIC_POOL // 2 if rest else TOPIC_POOL
    sizes = {t: max(TOPIC_SHARE, pool // len(first)) for t in first}
    sizes.update((t, max(TOPIC_SHARE, pool // len(rest))) for t in rest)
    pairs = offers_store.offer_topic_window(sizes, seed, session=session)
    read = Counter(topic for _, topic in pairs)
    return pairs, any(read[t] >= size for t, size in sizes.items())


WHOLE = 1_000_000_000  # a window no topic fills: every offer


def _topics_by_offer(pairs: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    """Offer ID -> the matched topics it covers, from (offer_id, topic_id) pairs."""
    topics_of: dict[int, set[int]] = {}
    for offer_id, topic_id in pairs:
        topics_of.setdefault(offer_id, set()).add(topic_id)
    return topics_of


def _whole_topics(session: Session, matches: Sequence[TopicMatch]) -> list[tuple[int, int]]:
    """(offer_id, topic_id) of every offer of the matched topics."""
    sizes = {m.topic.id: WHOLE for m in matches}
    return offers_store.offer_topic_window(sizes, 0, session=session)


class Shortfall(StrEnum):
    """Why people who offer a topic were not suggested; each is said in plain words."""

    LEVEL_GAP = "level_gap"  # more than MAX_LEVEL_GAP levels above the mentee
    OWN_AREA = "own_area"  # the mentee's own area or reporting line
    BUSY = "busy"  # at capacity or paused
    JUNIOR = "junior"  # junior to the mentee, without offering reverse mentoring


@dataclass(frozen=True)
class FindResult:
    """The answer to `/mentor find <words>`."""

    query: str
    suggestions: tuple[Suggestion, ...]
    topic_exists: bool  # some catalogue topic fits the words (even if nobody is free)
    closest: tuple[str, ...] = ()  # when nobody fits: related topics that have mentors
    triage: bool = False  # a need for HR or employee assistance, not a mentoring topic
    stopped_by: frozenset[Shortfall] = frozenset()  # why those offering it were not shown
    peers: tuple[Person, ...] = ()  # near your level, other areas, want to learn it too
    anyway: bool = False  # suggestions shown despite the level gap, on request
    reverse: bool = False  # a search for people open to reverse mentoring


REVERSE_MENTORING_KEYS = frozenset({"reverse mentoring", "reverse mentor", "reverse"})
DIAGNOSED = 200  # offerers looked at to say why none was suggested
PEERS = 3
PEER_LEVELS = 1  # "near your level": at most this many levels apart
WIDE_GAP = 100  # "show them anyway": any level gap, every other rule kept


def find_mentors(
    session: Session,
    mentee: Person,
    words: str,
    *,
    now: datetime,
    max_level_gap: int,
    limit: int = 5,
    triage_terms: Sequence[str] = (),
    anyway: bool = False,
    record: bool = True,
) -> FindResult:
    """Mentors for what the mentee typed; every search is counted (not who searched).

    Args:
        triage_terms: words that make the search a need for HR or employee assistance:
            answered with a triage card, never counted as demand.
        anyway: show the mentors a level gap alone kept out (after being told why);
            not counted again.
        record: count the search as demand (not when answering a replay again).
    """
    query = " ".join(words.split())[:200]
    key = normalise(query)
    if not key:
        return FindResult(query=query, suggestions=(), topic_exists=False)
    if triage_match(query, triage_terms) is not None:
        return FindResult(query=query, suggestions=(), topic_exists=False, triage=True)
    if key in REVERSE_MENTORING_KEYS:
        found = _suggest(
            session, mentee, "", None, now, max_level_gap, limit, (), reverse_only=True
        )
        return FindResult(query, tuple(found), bool(found), reverse=True)
    topics = catalogue(session)
    matches = match_topics(key, topics)
    if anyway:
        found = _suggest(session, mentee, key, matches, now, WIDE_GAP, limit, ())
        wide = tuple(s for s in found if s.level_gap is not None and s.level_gap > max_level_gap)
        return FindResult(query, wide, bool(matches), anyway=True)
    suggestions = _suggest(session, mentee, key, matches, now, max_level_gap, limit, ())
    if record:
        offers_store.record_demand(
            key, query[:120], matched=bool(suggestions), day=now.date(), session=session
        )
    if suggestions:
        return FindResult(query, tuple(suggestions), True)
    closest = tuple(_closest_offered(session, key, topics, matches, now))
    stopped_by = _why_none(session, mentee, matches, now, max_level_gap) if matches else set()
    peers = directory_store.peers_learning(
        [w for w in key.split() if w not in GENERIC_WORDS],
        session=session,
        exclude_person_id=mentee.id or 0,
        exclude_area_key=area_key(mentee.area),
        level=mentee.level,
        level_range=PEER_LEVELS,
        limit=PEERS,
    )
    return FindResult(
        query,
        (),
        bool(matches),
        closest,
        stopped_by=frozenset(stopped_by),
        peers=tuple(peers),
    )


def _why_none(
    session: Session,
    mentee: Person,
    matches: list[TopicMatch],
    now: datetime,
    max_level_gap: int,
) -> set[Shortfall]:
    """Which rules kept out the people who offer the matched topics (a few hundred looked at).

    Asked only once nobody fits, when ``_suggest`` has ranked every offer of the topics:
    their offerers, not a window of them, say why."""
    offer_ids = {o for o, _ in _whole_topics(session, matches)}
    rows = offers_store.offerers(offer_ids, session=session, limit=DIAGNOSED)
    chain = set(directory_store.manager_chain(mentee.slack_id, session=session))
    # Whose chain includes the mentee (indirect reports): only worth walking for a manager.
    above: dict[str, list[str]] = {}
    if directory_store.reports_exist(mentee.slack_id, session=session):
        above = directory_store.manager_chains((r.slack_id for r in rows), session=session)
    mentee_area = area_key(mentee.area)
    found: set[Shortfall] = set()
    for row in rows:
        if row.person_id == mentee.id:
            continue
        own = (mentee_area is not None and area_key(row.area) == mentee_area) or (
            row.slack_id in chain or mentee.slack_id in above.get(row.slack_id, ())
        )
        if own:
            found.add(Shortfall.OWN_AREA)
            continue
        paused = row.paused or (row.paused_until is not None and now.date() < row.paused_until)
        if paused or row.load >= row.capacity:
            found.add(Shortfall.BUSY)
            continue
        gap = _gap(mentee.level, row.level)
        if gap is not None and gap > max_level_gap:
            found.add(Shortfall.LEVEL_GAP)
        elif gap is not None and gap < 0 and not row.reverse_mentoring:
            found.add(Shortfall.JUNIOR)
        if len(found) == len(Shortfall):
            break
    return found


def _closest_offered(
    session: Session,
    key: str,
    topics: list[CatalogueTopic],
    matches: list[TopicMatch],
    now: datetime,
    limit: int = 5,
) -> list[str]:
    """Related topics (synonyms, shared words and stems) that have available mentors."""
    matched_ids = {m.topic.id for m in matches}
    by_key = {t.key: t for t in topics if t.id not in matched_ids}
    near = related_keys(key, by_key, limit=30)
    ids = [by_key[k].id for k in near]
    offered = {
        s.topic_id
        for s in offers_store.topic_supply(session=session, today=now.date(), topic_ids=ids)
    }
    return [by_key[k].label for k in near if by_key[k].id in offered][:limit]


def _reports_among(session: Session, mentee: Person, rows: Sequence[CandidateRow]) -> set[str]:
    """Slack IDs among ``rows`` who report to the mentee, directly or not (one query a page)."""
    chains = directory_store.manager_chains(
        (r.slack_id for r in rows if r.manager_slack_id is not None), session=session
    )
    return {slack_id for slack_id, chain in chains.items() if mentee.slack_id in chain}


def _still_eligible(mentee_area: str | None, under: Collection[str], row: CandidateRow) -> bool:
    """What SQL could not check: inner spaces in area names, and indirect reports."""
    if mentee_area is not None and area_key(row.area) == mentee_area:
        return False
    return row.slack_id not in under


def _topic_tiers(
    topics_of: dict[int, set[int]], by_topic: dict[int, TopicMatch], query: frozenset[str]
) -> list[tuple[tuple[int, float], list[int]]]:
    """Offer IDs grouped by how well their topics fit: most search words covered, then closest."""
    tiers: dict[tuple[int, float], list[int]] = {}
    alone = {t: (len(m.covered), round(m.closeness, 6)) for t, m in by_topic.items()}
    for offer_id, topic_ids in topics_of.items():
        if len(topic_ids) == 1:
            (only,) = topic_ids
            score = alone[only]
        else:
            fits = [by_topic[t] for t in topic_ids]
            covered = frozenset().union(*(m.covered for m in fits)) & query
            score = (len(covered), round(max(m.closeness for m in fits), 6))
        tiers.setdefault(score, []).append(offer_id)
    # Best fit first: the order of RANKING's first criterion.
    ranked = sorted(tiers, key=topic_key)
    return [(score, sorted(tiers[score])) for score in ranked]


def _gap(mentee_level: int | None, mentor_level: int | None) -> int | None:
    if mentee_level is None or mentor_level is None:
        return None
    return mentor_level - mentee_level


def _median(delays: list[timedelta] | None) -> timedelta | None:
    if not delays:
        return None
    return timedelta(seconds=statistics.median(d.total_seconds() for d in delays))


def _speed_reason(standing: Standing, median: timedelta | None) -> str | None:
    if standing.speed == Speed.FAST:
        return "usually answers within a day"
    if standing.speed == Speed.NEUTRAL and median is not None and median <= SLOW_ANSWER:
        days = max(2, math.ceil(median.total_seconds() / 86400))
        return f"usually answers within {days} days"
    return None  # slow, or never asked: nothing to recommend them by


def _load_reason(s: Standing) -> str | None:
    return "free to start now" if s.load == 0 else None


# What each step of RANKING tells the mentee (the topic shows as the matched topics).
EXPLAINED: dict[str, Callable[[Standing, timedelta | None], str | None]] = {
    "topic match": lambda s, _: None,
    "new connection": lambda s, _: (
        "new connection for you" if s.is_new_connection else "you've talked before"
    ),
    "lighter load": lambda s, _: _load_reason(s),
    "answer speed": _speed_reason,
    "closer seniority": lambda s, _: describe_seniority(s.level_gap),
    "tie-break": lambda s, _: None,
}


def explain(standing: Standing, median: timedelta | None = None) -> tuple[str, ...]:
    """Why a mentor ranks where they do, one reason per step of RANKING, in its order.

    Args:
        median: how long they usually take to answer, for "within N days".
    """
    said = (EXPLAINED[c.name](standing, median) for c in RANKING)
    return tuple(reason for reason in said if reason)


def describe_seniority(gap: int | None) -> str | None:
    """ "near your level", "more senior", "open to reverse mentoring": never a level count,
    since HR levels are not for colleagues to see."""
    if gap is None:
        return None
    if gap < -1:
        return "open to reverse mentoring"
    if gap <= 1:
        return "near your level"
    return "more senior"


def time_difference(mentee_tz: str | None, mentor_tz: str | None, now: datetime) -> str | None:
    """ "3 h behind you", "5.5 h ahead of you", "same time as you"; None when unknown."""
    try:
        theirs = now.astimezone(ZoneInfo(mentor_tz or "")).utcoffset()
        yours = now.astimezone(ZoneInfo(mentee_tz or "")).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    if theirs is None or yours is None:
        return None
    hours = (theirs - yours).total_seconds() / 3600
    if hours == 0:
        return "same time as you"
    amount = f"{abs(hours):g} h"
    return f"{amount} ahead of you" if hours > 0 else f"{amount} behind you"


def check_mentor(
    session: Session, mentee: Person, mentor: Person, *, now: datetime, max_level_gap: int
) -> Eligibility:
    """Can ``mentee`` ask ``mentor``? The one decision behind `/mentor ask` and every request.

    Blocking concerns refuse; the others only inform. Asking someone without a mentor
    offer is allowed (everyone can be asked; they may decline), with a warning, since
    they have not said what they can help with. A pair who both kept the door open
    ("on call") may ask again whatever the mentor's load: an on-call request only
    counts against capacity once accepted.
    """
    who = f"{mention(mentor.slack_id)}"
    if mentee.id is not None and mentee.id == mentor.id:
        return _only(ConcernCode.YOURSELF, "that's you: pick someone else to learn from")
    if not mentor.is_active:
        return _only(ConcernCode.INACTIVE, f"{who} is no longer in the directory")
    found: list[Concern] = []

    def concern(code: ConcernCode, text: str) -> None:
        found.append(Concern(code, text))

    offer = offers_store.get_offer(mentor.id or 0, session=session)
    if offer is None:
        concern(
            ConcernCode.NO_OFFER,
            f"{who} hasn't offered to mentor yet, so they may not have time; "
            "a short, specific request works best",
        )
    else:
        if is_paused(offer, now.date()):
            until = (
                f" until {offer.paused_until.isoformat()}"
                if offer.paused_until and not offer.paused
                else ""
            )
            concern(ConcernCode.PAUSED, f"{who} has paused mentoring{until}")
        load = conversations_store.active_load([mentor.id or 0], session=session).get(
            mentor.id or 0, 0
        )
        if load >= offer.capacity and not _on_call(session, mentee, mentor):
            concern(
                ConcernCode.AT_CAPACITY,
                f"{who} is at capacity ({load} of {offer.capacity} conversations)",
            )
    mentee_area = area_key(mentee.area)
    if mentee_area is not None and area_key(mentor.area) == mentee_area:
        concern(ConcernCode.OWN_AREA, f"{who} works in your own area")
    chain = directory_store.manager_chain(mentee.slack_id, session=session)
    if mentor.slack_id in chain:
        concern(ConcernCode.MANAGEMENT_CHAIN, f"{who} is in your management chain")
    elif mentee.slack_id in directory_store.manager_chain(mentor.slack_id, session=session):
        concern(ConcernCode.REPORTS_TO_YOU, f"{who} reports to you")
    gap = _gap(mentee.level, mentor.level)
    reverse = offer is not None and offer.reverse_mentoring
    if gap is not None and gap > max_level_gap:
        concern(
            ConcernCode.LEVEL_GAP,
            f"{who} is much more senior than you; pairings more than "
            f"{max_level_gap} levels apart tend not to work as well",
        )
    elif gap is not None and gap < 0 and not reverse:
        concern(
            ConcernCode.JUNIOR,
            f"{who} is more junior than you and hasn't offered reverse mentoring",
        )
    return Eligibility(tuple(found))


def _only(code: ConcernCode, text: str) -> Eligibility:
    return Eligibility((Concern(code, text),))


def _on_call(session: Session, mentee: Person, mentor: Person) -> bool:
    if mentee.id is None or mentor.id is None:
        return False
    return conversations_store.is_on_call(mentee.id, mentor.id, session=session)


def directory_person(session: Session, slack_id: str) -> Person:
    """The person using the bot; NotInDirectory (with how to get added) when unknown or gone."""
    person = people_store.get_by_slack_id(slack_id, session=session)
    if person is None or not person.is_active:
        raise NotInDirectory(slack_id)
    return person


@dataclass(frozen=True)
class AskCheck:
    """`/mentor ask @person`: whether the mentee may ask, and who else has a free slot."""

    mentor_slack_id: str
    eligibility: Eligibility
    alternatives: tuple[Suggestion, ...] = ()


def check_ask(
    session: Session,
    mentee_slack_id: str,
    mentor_slack_id: str,
    topic: str | None,
    *,
    now: datetime,
    max_level_gap: int,
    alternatives: int = 3,
) -> AskCheck:
    """Check a direct request; when it is refused, suggest people available instead."""
    mentee = directory_person(session, mentee_slack_id)
    mentor = people_store.get_by_slack_id(mentor_slack_id, session=session)
    if mentor is None:
        # Not mentioned back: only people the directory knows are shown as mentions.
        raise MentorbotError(
            "The person you mentioned isn't in the mentoring directory yet, so I can't send "
            "them a request. A programme coordinator can add them; meanwhile "
            "`/mentor find &lt;topic&gt;` shows who can help."
        )
    eligibility = check_mentor(session, mentee, mentor, now=now, max_level_gap=max_level_gap)
    others: list[Suggestion] = []
    if not eligibility.allowed and ConcernCode.YOURSELF not in eligibility.codes:
        others = suggest_mentors(
            session,
            mentee,
            topic,
            now=now,
            max_level_gap=max_level_gap,
            limit=alternatives,
            exclude_ids=[mentor.id] if mentor.id is not None else [],
        )
    return AskCheck(mentor.slack_id, eligibility, tuple(others))
