"""Queries for the outbox: write effects once, claim them under a lease, record outcomes.

Writers call ``enqueue`` inside the transaction that changes state, so a message exists
exactly when its cause was committed. Senders ``claim`` due rows in one short writer
transaction of their own (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: ``BEGIN
IMMEDIATE``), so two senders never hold the same row; a lease that runs out (a sender
died) makes the row claimable again, marked *in doubt*. Every outcome is recorded only
by the lease's owner, who stays on a finished row as the sender that finished it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, case, delete, func, literal, or_, update
from sqlmodel import Session, col, select

from storage.db import SessionFactory, write_unit
from storage.insert_once import insert_once
from storage.models import OutboxMessage, OutboxStatus

MAX_BACKOFF = timedelta(minutes=15)


class Outgoing(Protocol):
    """What ``enqueue`` needs of an effect (``bot.effects`` provides them)."""

    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def not_before(self) -> datetime | None: ...
    @property
    def not_after(self) -> datetime | None: ...
    @property
    def then(self) -> tuple[Outgoing, ...]: ...
    @property
    def otherwise(self) -> tuple[Outgoing, ...]: ...
    def payload(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Claimed:
    """A row a sender holds until ``lease_until``: everything needed to deliver it."""

    id: int
    key: str
    kind: str
    method: str
    recipient: str
    payload: dict[str, Any]
    priority: int
    not_after: datetime | None
    attempts: int
    claimed_at: datetime
    lease_until: datetime
    in_doubt_since: datetime | None
    channel: str | None


@dataclass(frozen=True)
class Failure:
    """A message Slack refused for good; no text, only what an operator needs."""

    key: str
    kind: str
    recipient: str
    reason: str
    attempts: int
    created_at: datetime


def enqueue(effects: Iterable[Outgoing], *, session: Session, now: datetime) -> int:
    """Write ``effects`` to the outbox in the caller's transaction, once per key.

    Returns how many were new; an effect whose key is already there is left as it is.
    Effects chained to one's outcome (``then``, ``otherwise``) are kept on its row and
    written only when that outcome is recorded.
    """
    return _insert(session, [_spec(effect) for effect in effects], now)


def _spec(effect: Outgoing) -> dict[str, Any]:
    """An effect as JSON-safe values: a row to insert now, or to keep on another row."""
    return {
        "key": effect.key,
        "kind": effect.kind,
        "method": effect.method,
        "recipient": effect.recipient,
        "payload": effect.payload(),
        "priority": effect.priority,
        "not_before": effect.not_before.isoformat() if effect.not_before else None,
        "not_after": effect.not_after.isoformat() if effect.not_after else None,
        "then_rows": [_spec(e) for e in effect.then] or None,
        "otherwise_rows": [_spec(e) for e in effect.otherwise] or None,
    }


def _insert(session: Session, specs: Iterable[dict[str, Any]], now: datetime) -> int:
    rows = [
        {
            **spec,
            "not_before": _moment(spec["not_before"]) or now,
            "not_after": _moment(spec["not_after"]),
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
        }
        for spec in specs
    ]
    return insert_once(session, OutboxMessage, rows, key="key")


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def write_chained(message_id: int, *, sent: bool, session: Session, now: datetime) -> list[str]:
    """Write the rows chained to a row's outcome (``then`` if it was sent, else
    ``otherwise``) in the caller's transaction; their keys, to deliver next."""
    return _write_chained(session, [(message_id, sent)], now)


def _write_chained(
    session: Session, outcomes: Sequence[tuple[int, bool]], now: datetime
) -> list[str]:
    """``write_chained`` for many rows at once (row ID, sent): one read, one insert; the
    keys in the order of ``outcomes``."""
    if not outcomes:
        return []
    row = OutboxMessage
    found = {
        int(message_id): (then, otherwise)
        for message_id, then, otherwise in session.exec(
            select(row.id, row.then_rows, row.otherwise_rows).where(
                col(row.id).in_([message_id for message_id, _ in outcomes])
            )
        ).all()
        if message_id is not None
    }
    specs = [
        spec
        for message_id, sent in outcomes
        for spec in (found.get(message_id, (None, None))[0 if sent else 1] or ())
    ]
    _insert(session, specs, now)
    return [str(spec["key"]) for spec in specs]


def claim(
    open_session: SessionFactory,
    batch: int,
    *,
    owner: str,
    lease: timedelta,
    now: datetime,
    keys: Sequence[str] | None = None,
) -> list[Claimed]:
    """Take up to ``batch`` due rows for ``owner`` until ``now + lease``, in one transaction.

    Due: pending rows whose ``not_before`` has come, and rows left ``sending`` by a
    sender whose lease ran out. Those may have reached Slack: they come back with
    ``in_doubt_since`` set, and the sender must look before it sends again.
    Highest priority first, then oldest. ``keys``: only those rows (what a use case just
    wrote, delivered at once by the process that wrote them).
    """
    row = OutboxMessage
    due = select(row.id).where(
        or_(
            and_(col(row.status) == OutboxStatus.PENDING, col(row.not_before) <= now),
            and_(col(row.status) == OutboxStatus.SENDING, col(row.lease_until) < now),
        )
    )
    if keys is not None:
        due = due.where(col(row.key).in_(list(keys)))
    due = (
        due.order_by(col(row.priority).desc(), col(row.not_before), col(row.id))
        .limit(batch)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer anyway
    )
    taken_over = col(row.status) == OutboxStatus.SENDING
    statement = (
        update(row)
        .where(col(row.id).in_(due.scalar_subquery()))
        .values(
            status=OutboxStatus.SENDING.value,
            lease_owner=owner,
            lease_until=now + lease,
            attempts=col(row.attempts) + 1,
            in_doubt_since=case(
                (taken_over, func.coalesce(col(row.in_doubt_since), col(row.claimed_at))),
                else_=col(row.in_doubt_since),
            ),
            claimed_at=now,
        )
        .returning(
            col(row.id),
            col(row.key),
            col(row.kind),
            col(row.method),
            col(row.recipient),
            col(row.payload),
            col(row.priority),
            col(row.not_after),
            col(row.attempts),
            col(row.claimed_at),
            col(row.lease_until),
            col(row.in_doubt_since),
            col(row.channel),
        )
        .execution_options(synchronize_session=False)
    )
    with write_unit(open_session) as session:
        claimed = [Claimed(*r) for r in session.execute(statement).all()]
    return sorted(claimed, key=lambda c: (-c.priority, c.id))


def _held(message_id: int, owner: str) -> Any:
    return and_(
        col(OutboxMessage.id) == message_id,
        col(OutboxMessage.status) == OutboxStatus.SENDING,
        col(OutboxMessage.lease_owner) == owner,
    )


def _change(session: Session, message_id: int, owner: str, **values: Any) -> bool:
    statement = (
        update(OutboxMessage)
        .where(_held(message_id, owner))
        .values(lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(session.connection().execute(statement).rowcount)


def mark_sent(
    message_id: int, *, owner: str, channel: str, ts: str, now: datetime, session: Session
) -> bool:
    """Record that Slack has it, with its (channel, ts); False if ``owner`` lost the lease."""
    return _change(
        session,
        message_id,
        owner,
        status=OutboxStatus.SENT.value,
        channel=channel or None,
        ts=ts or None,
        sent_at=now,
        finished_at=now,
        in_doubt_since=None,
        last_error=None,
    )


def mark_failed(
    message_id: int, *, owner: str, reason: str, now: datetime, session: Session
) -> bool:
    """Slack refused it for good (``user_not_found``…): never retried."""
    return _finish(session, message_id, owner, OutboxStatus.FAILED, reason, now)


def mark_skipped(
    message_id: int, *, owner: str, reason: str, now: datetime, session: Session
) -> bool:
    """Too late to be worth sending (its ``not_after`` passed)."""
    return _finish(session, message_id, owner, OutboxStatus.SKIPPED, reason, now)


def _finish(
    session: Session,
    message_id: int,
    owner: str,
    status: OutboxStatus,
    reason: str,
    now: datetime,
) -> bool:
    return _change(
        session, message_id, owner, status=status.value, last_error=reason[:200], finished_at=now
    )


def release(
    message_id: int,
    *,
    owner: str,
    not_before: datetime,
    error: str | None,
    in_doubt_since: datetime | None,
    session: Session,
) -> bool:
    """Give the row back as pending, due again at ``not_before``.

    ``in_doubt_since``: when an attempt that may have reached Slack began (None: no
    attempt is in doubt); the next sender looks for the message from then on.
    """
    return _change(
        session,
        message_id,
        owner,
        lease_owner=None,
        status=OutboxStatus.PENDING.value,
        not_before=not_before,
        last_error=error[:200] if error else None,
        in_doubt_since=in_doubt_since,
    )


@dataclass(frozen=True)
class Finish:
    """What became of a row a sender held, to ``record``: ``SENT`` (with Slack's channel
    and ts), ``FAILED`` or ``SKIPPED`` (with the reason), or ``PENDING``: given back, due
    again at ``not_before`` (``error``, ``in_doubt_since`` as for ``release``)."""

    message_id: int
    status: OutboxStatus
    channel: str = ""
    ts: str = ""
    error: str | None = None
    not_before: datetime | None = None
    in_doubt_since: datetime | None = None


def record(
    finished: Sequence[Finish], *, owner: str, now: datetime, session: Session
) -> tuple[list[int], list[str]]:
    """Record many outcomes in the caller's transaction with one ``UPDATE`` (each row
    only if ``owner`` still holds it; its values as ``mark_sent``, ``mark_failed``,
    ``mark_skipped`` or ``release`` write them), and write the rows chained to the
    outcomes recorded: a few statements whatever the number, so the write lock is held
    for a moment.

    Returns the IDs recorded (the others' leases were lost) and the chained rows' keys.
    """
    if not finished:
        return [], []
    row = OutboxMessage
    sent = [f for f in finished if f.status == OutboxStatus.SENT]
    ended = [f for f in finished if f.status != OutboxStatus.PENDING]
    given_back = [f for f in finished if f.status == OutboxStatus.PENDING]
    refused = [f for f in ended if f.status != OutboxStatus.SENT]
    values: dict[Any, Any] = {
        row.status: _each(row.status, [(f, f.status.value) for f in finished]),
        row.lease_until: None,
        row.lease_owner: _each(row.lease_owner, [(f, None) for f in given_back]),
        row.channel: _each(row.channel, [(f, f.channel or None) for f in sent]),
        row.ts: _each(row.ts, [(f, f.ts or None) for f in sent]),
        row.sent_at: _each(row.sent_at, [(f, now) for f in sent]),
        row.finished_at: _each(row.finished_at, [(f, now) for f in ended]),
        row.not_before: _each(row.not_before, [(f, f.not_before or now) for f in given_back]),
        row.in_doubt_since: _each(
            row.in_doubt_since,
            [(f, None) for f in sent] + [(f, f.in_doubt_since) for f in given_back],
        ),
        row.last_error: _each(
            row.last_error,
            [(f, None) for f in sent]
            + [(f, (f.error or "")[:200]) for f in refused]
            + [(f, f.error[:200] if f.error else None) for f in given_back],
        ),
    }
    statement = (
        update(row)
        .where(
            col(row.id).in_([f.message_id for f in finished]),
            col(row.status) == OutboxStatus.SENDING,
            col(row.lease_owner) == owner,
        )
        .values(values)
        .returning(col(row.id))
        .execution_options(synchronize_session=False)
    )
    recorded = set(session.connection().execute(statement).scalars().all())
    held = [f.message_id for f in finished if f.message_id in recorded]
    chained = [
        (f.message_id, f.status == OutboxStatus.SENT) for f in ended if f.message_id in recorded
    ]
    return held, _write_chained(session, chained, now)


def _each(column: Any, values: Sequence[tuple[Finish, Any]]) -> Any:
    """``column`` set per row (``CASE id WHEN …``): ``values`` (row, value), the others
    keep theirs."""
    if not values:
        return column
    whens = {f.message_id: literal(value, type_=column.type) for f, value in values}
    return case(whens, value=col(OutboxMessage.id), else_=column)


def retry_at(attempts: int, now: datetime, *, base: timedelta = timedelta(seconds=1)) -> datetime:
    """When to try again after ``attempts`` failed tries: 2, 4, 8… × ``base``, at most 15 min."""
    delay: timedelta = min(base * 2 ** min(max(attempts, 1), 12), MAX_BACKOFF)
    return now + delay


def remember_channel(message_id: int, *, owner: str, channel: str, session: Session) -> bool:
    """Keep the conversation a held row goes to (a DM's ID from conversations.open)."""
    statement = (
        update(OutboxMessage)
        .where(_held(message_id, owner))
        .values(channel=channel)
        .execution_options(synchronize_session=False)
    )
    return bool(session.connection().execute(statement).rowcount)


def lease_owners(*, session: Session) -> list[str]:
    """The senders holding rows now (``host:pid:nonce``)."""
    found = session.exec(
        select(OutboxMessage.lease_owner)
        .where(OutboxMessage.status == OutboxStatus.SENDING)
        .distinct()
    ).all()
    return [str(owner) for owner in found if owner]


def end_leases(owners: Sequence[str], *, now: datetime, session: Session) -> int:
    """End the leases of senders known dead: their rows are taken over (in doubt) now
    instead of when the leases would have run out."""
    if not owners:
        return 0
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.lease_owner).in_(list(owners)),
        )
        .values(lease_until=now - timedelta(microseconds=1))
        .execution_options(synchronize_session=False)
    )
    return int(session.connection().execute(statement).rowcount)


def state_of(key: str, *, session: Session) -> tuple[str, str | None, str | None] | None:
    """(status, channel, ts) of the row for ``key``; None if there is none."""
    found = session.exec(
        select(OutboxMessage.status, OutboxMessage.channel, OutboxMessage.ts).where(
            OutboxMessage.key == key
        )
    ).first()
    return None if found is None else (str(found[0]), found[1], found[2])


def superseded(message_id: int, target: str, *, session: Session) -> bool:
    """Whether an update of the message ``target`` was written after row ``message_id`` (and
    has not failed): sending this older one after it would show a past state. Only rows
    written since are looked at (an id range), so this stays cheap however big the outbox."""
    found = session.exec(
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.id) > message_id,
            OutboxMessage.method == "chat.update",
            OutboxMessage.recipient == target,
            OutboxMessage.status != OutboxStatus.FAILED,
        )
        .limit(1)
    ).first()
    return found is not None


def message_ref(key: str, *, session: Session) -> tuple[str, str] | None:
    """(channel, ts) of the message sent for ``key``; None until it is sent."""
    found = session.exec(
        select(OutboxMessage.channel, OutboxMessage.ts).where(
            OutboxMessage.key == key, OutboxMessage.status == OutboxStatus.SENT
        )
    ).first()
    if found is None or not found[0] or not found[1]:
        return None
    return str(found[0]), str(found[1])


def purge_sent(
    older_than: datetime, *, session: Session, limit: int = 1000, keep_like: Sequence[str] = ()
) -> int:
    """Delete up to ``limit`` rows sent or skipped before ``older_than`` in one statement (no
    row is loaded); failures stay. Call again until it returns less than ``limit``.

    Group messages stay too: each is a pair's first message, their card, which later
    messages find their group DM by and which is updated in place for as long as they
    talk, often longer than the purge waits (one row per pair, holding no more than their
    conversation's own row does; it goes when the conversation's private texts go). So do
    rows whose key is like one of ``keep_like`` (SQL LIKE patterns: the card's copies each
    of a pair got by DM when Slack refused their group DM)."""
    oldest = (
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.status).in_([OutboxStatus.SENT, OutboxStatus.SKIPPED]),
            col(OutboxMessage.finished_at) < older_than,
            col(OutboxMessage.kind) != "group",
            *(col(OutboxMessage.key).not_like(pattern) for pattern in keep_like),
        )
        .limit(limit)
        .scalar_subquery()
    )
    statement = delete(OutboxMessage).where(col(OutboxMessage.id).in_(oldest))
    return int(session.connection().execute(statement).rowcount)


def delete_keys(keys: list[str], *, session: Session, like: Sequence[str] = ()) -> int:
    """Delete the rows with these keys, or keys like one of ``like`` (SQL LIKE patterns),
    whatever their state; returns how many."""
    if not keys and not like:
        return 0
    wanted = [col(OutboxMessage.key).in_(keys), *(col(OutboxMessage.key).like(p) for p in like)]
    statement = delete(OutboxMessage).where(or_(*wanted))
    return int(session.connection().execute(statement).rowcount)


def counts(*, session: Session) -> list[tuple[str, str, int]]:
    """(kind, status, how many), sorted."""
    rows = session.exec(
        select(OutboxMessage.kind, OutboxMessage.status, func.count())
        .group_by(col(OutboxMessage.kind), col(OutboxMessage.status))
        .order_by(col(OutboxMessage.kind), col(OutboxMessage.status))
    ).all()
    return [(kind, status, int(n)) for kind, status, n in rows]


def oldest_pending(*, session: Session) -> tuple[str, str, datetime] | None:
    """(key, kind, created_at) of the oldest row still waiting (pending or sending)."""
    found = session.exec(
        select(OutboxMessage.key, OutboxMessage.kind, OutboxMessage.created_at)
        .where(col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
        .limit(1)
    ).first()
    return None if found is None else (found[0], found[1], found[2])


def failures(*, session: Session, limit: int = 100) -> list[Failure]:
    """The most recent failures, newest first."""
    rows = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(col(OutboxMessage.finished_at).desc(), col(OutboxMessage.id).desc())
        .limit(limit)
    ).all()
    return [
        Failure(r.key, r.kind, r.recipient, r.last_error or "", r.attempts, r.created_at)
        for r in rows
    ]
