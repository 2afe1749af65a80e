"""Jobs over many rows, set-based: expire requests, lapse logged meetings.

Each run works in batches of at most a few hundred rows. Per batch: the IDs due are
read, whatever the notices need is read (no lock held: readers never block writers),
then one short write transaction changes exactly the rows still due with one
compare-and-set ``UPDATE … WHERE id IN (…) AND <still due>`` and writes the notices
for exactly those rows to the outbox, keyed by the business event, so a run repeated
or two runs at once change and tell each row once. A person's click waits at most for
one batch's write, never for the whole run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.connections import build_met_lapsed
from bot.blocks.requests import build_request_expired
from bot.connections import LAPSE_BATCH, MetRequest, lapse_met_requests
from bot.effects import Effect, dm, refresh_homes, update
from bot.flows.common import answer_card
from bot.flows.met import confirm_key
from storage import conversations as store
from storage.db import SessionFactory, unit_of_work, write_unit
from storage.models import Person
from storage.outbox import enqueue

EXPIRY_BATCH = 50  # rows per write transaction: ~200 outbox rows, tens of ms
EXPIRED_OUTCOME = "Expired: no answer within 7 days."


@dataclass(frozen=True)
class Batch:
    """One batch committed: how many rows it changed, whose Home tab shows them (their
    refreshes are in the outbox with the batch's notices, once per person per run)."""

    changed: int
    homes: tuple[str, ...]


def expire_requests_in_batches(
    open_session: SessionFactory, *, now: datetime, max_level_gap: int, batch: int = EXPIRY_BATCH
) -> Iterator[Batch]:
    """Expire requests unanswered for 7 days (from the request or its passing on), a batch
    at a time; each expired request tells its mentee (with other mentors to ask) and takes
    the buttons off its mentor's card, through the outbox. Yields after each commit."""
    cutoff = now - svc.REQUEST_TTL
    after = 0
    while True:
        with unit_of_work(open_session) as session:  # reads only: no write lock
            ids = store.due_request_ids(cutoff, after_id=after, limit=batch, session=session)
            drafts = {cid: _expiry_notices(session, cid, now, max_level_gap) for cid in ids}
        if not ids:
            return
        after = ids[-1]
        with write_unit(open_session) as session:
            changed = store.expire_requests(ids, cutoff, session=session, now=now)
            people = _unique(s for cid in changed for s in drafts[cid][1])
            effects = [effect for cid in changed for effect in drafts[cid][0]]
            effects += _homes("expire-requests", now, people)
            enqueue(effects, session=session, now=now)
        yield Batch(len(changed), people)


def _expiry_notices(
    session: Session, cid: int, now: datetime, max_level_gap: int
) -> tuple[list[Effect], tuple[str, ...]]:
    """The notices for request ``cid`` if it expires now, and whose Homes change."""
    conversation = store.get(cid, session=session)
    assert conversation is not None
    mentee = session.get(Person, conversation.mentee_id)
    assert mentee is not None
    suggestions, general = svc.next_best_or_any(
        session,
        mentee,
        conversation.topic,
        now=now,
        max_level_gap=max_level_gap,
        exclude_ids=[conversation.mentor_id],
    )
    request = svc.snapshot(session, conversation)
    told = build_request_expired(
        request.mentor_slack_id, request.topic, suggestions, general=general
    )
    effects: list[Effect] = [
        dm(f"request:{cid}:expired:to-mentee", request.mentee_slack_id, told),
        *answer_card(session, request, EXPIRED_OUTCOME, event="expired"),
    ]
    return effects, (request.mentee_slack_id, request.mentor_slack_id)


def lapse_met_requests_in_batches(
    open_session: SessionFactory, *, now: datetime, batch: int = LAPSE_BATCH
) -> Iterator[Batch]:
    """Lapse logged meetings unanswered for 14 days, a batch per short transaction; each
    lapsed log's confirmation DM is replaced through the outbox. Yields after each commit."""
    while True:
        with write_unit(open_session) as session:
            lapsed = lapse_met_requests(session, now=now, limit=batch)
            people = _unique(s for r in lapsed for s in (r.logger_slack_id, r.other_slack_id))
            effects = [e for r in lapsed for e in _lapse_notices(r)]
            effects += _homes("lapse-met", now, people)
            enqueue(effects, session=session, now=now)
        if not lapsed:
            return
        yield Batch(len(lapsed), people)


def _lapse_notices(request: MetRequest) -> list[Effect]:
    """The lapsed log's confirmation DM replaced, where it went: the outbox row that sent
    it, or the channel and ts remembered before the outbox. (Homes: once per run.)"""
    key, payload = f"met:{request.met_id}:lapsed:dm", build_met_lapsed(request)
    if request.dm_channel and request.dm_ts:  # sent before the outbox
        return [update(key, payload, channel=request.dm_channel, ts=request.dm_ts)]
    return [update(key, payload, target=confirm_key(request.met_id))]


def _homes(job: str, now: datetime, people: Iterable[str]) -> list[Effect]:
    """One Home refresh per person per run of ``job`` (a person with several rows in the
    run, or in two runs at the same moment, is refreshed once)."""
    return list(refresh_homes(f"{job}:{now.isoformat()}", *people))


def _unique(slack_ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for s in slack_ids if s))
