"""Queries for connections, logged meetings (`/mentor met`) and transitions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, union_all, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from storage.models import Connection, ConnectionSource, MetLog, MetStatus, Transition
from storage.tables import CONNECTION

CONNECTED_IDS = sa_select(CONNECTION.c.other_id).where(
    CONNECTION.c.person_id == bindparam("person_id")
)


def connected_ids(person_id: int, *, session: Session) -> set[int]:
    """Person IDs ``person_id`` already has a connection with (any source)."""
    return set(session.execute(CONNECTED_IDS, {"person_id": person_id}).scalars())


def record_connection(
    a_id: int, b_id: int, source: ConnectionSource, *, session: Session, now: datetime
) -> bool:
    """Give both people the connection (idempotent); True when it is new for ``a_id``.

    Each way round, the row is marked ``first_of_pair`` when no row of another source came
    before it (one made at the same moment came first: it has the lower ID), and a later
    row of the other source loses the mark (a `met` dated before a session recorded first).
    """
    if a_id == b_id:
        return False
    created = False
    for person_id, other_id in ((a_id, b_id), (b_id, a_id)):
        rows = session.exec(
            select(Connection).where(
                Connection.person_id == person_id, Connection.other_id == other_id
            )
        ).all()
        if any(row.source == source for row in rows):
            continue
        first = all(now < row.made_at for row in rows)
        for row in rows:
            if first and row.first_of_pair:
                row.first_of_pair = False
                session.add(row)
        session.add(
            Connection(
                person_id=person_id,
                other_id=other_id,
                source=source,
                made_at=now,
                first_of_pair=first,
            )
        )
        created = created or person_id == a_id
    session.flush()
    return created


def first_connected_at(person_id: int, *, session: Session) -> dict[int, datetime]:
    """When ``person_id`` first connected with each other person (earliest of any source)."""
    statement = (
        select(Connection.other_id, func.min(Connection.made_at))
        .where(Connection.person_id == person_id)
        .group_by(col(Connection.other_id))
    )
    firsts: dict[int, datetime] = {}
    for other_id, made_at in session.exec(statement).all():
        firsts[other_id] = _as_utc(made_at)
    return firsts


def _as_utc(value: datetime | str) -> datetime:
    """Aggregates may come back raw on some drivers: always hand out UTC-aware datetimes."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- `/mentor met` --------------------------------------------------------------------------


def add_met_log(
    logger_id: int, other_id: int, note: str, *, session: Session, now: datetime
) -> MetLog:
    log = MetLog(logger_id=logger_id, other_id=other_id, note=note, created_at=now)
    session.add(log)
    session.flush()
    return log


def get_met_log(met_id: int, *, session: Session) -> MetLog | None:
    return session.get(MetLog, met_id)


def pending_met_between(a_id: int, b_id: int, *, session: Session) -> MetLog | None:
    """A pending met log between the two people, whoever logged it."""
    statement = select(MetLog).where(
        MetLog.status == MetStatus.PENDING,
        ((MetLog.logger_id == a_id) & (MetLog.other_id == b_id))
        | ((MetLog.logger_id == b_id) & (MetLog.other_id == a_id)),
    )
    return session.exec(statement).first()


def lapse_met_logs(
    cutoff: datetime, *, limit: int, session: Session, now: datetime
) -> list[MetLog]:
    """Lapse up to ``limit`` met logs pending since ``cutoff`` or before; the logs lapsed.

    One select of IDs, then one compare-and-set update of those still pending: a log
    answered (or lapsed by another run) in between is left alone.
    """
    due = (
        select(MetLog.id)
        .where(MetLog.status == MetStatus.PENDING, col(MetLog.created_at) <= cutoff)
        .order_by(col(MetLog.id))
        .limit(limit)
    )
    ids = [i for i in session.exec(due).all() if i is not None]
    if not ids:
        return []
    statement = (
        update(MetLog)
        .where(col(MetLog.id).in_(ids), col(MetLog.status) == MetStatus.PENDING)
        .values(status=MetStatus.LAPSED.value, answered_at=now)
        .returning(col(MetLog.id))
        .execution_options(synchronize_session=False)
    )
    changed = list(session.execute(statement).scalars().all())
    if not changed:
        return []
    fresh = (
        select(MetLog).where(col(MetLog.id).in_(changed)).execution_options(populate_existing=True)
    )
    lapsed = session.exec(fresh).all()
    return sorted(lapsed, key=lambda log: log.id or 0)


def pending_met_logs_of(person_id: int, *, session: Session) -> list[MetLog]:
    """Pending met logs ``person_id`` logged or is asked to confirm, oldest first."""
    # Through each side's index: beside the status, an OR of the two sides has SQLite read
    # every pending log in the company.
    mine = union_all(
        sa_select(col(MetLog.id)).where(col(MetLog.logger_id) == person_id),
        sa_select(col(MetLog.id)).where(col(MetLog.other_id) == person_id),
    )
    statement = select(MetLog).where(MetLog.status == MetStatus.PENDING, col(MetLog.id).in_(mine))
    return list(session.exec(statement.order_by(col(MetLog.created_at))).all())


def claim_met_answer(log: MetLog, status: MetStatus, *, session: Session, now: datetime) -> bool:
    """Move a pending met log to ``status``; False when it is no longer pending (answered or
    lapsed by someone else a moment ago)."""
    statement = (
        update(MetLog)
        .where(col(MetLog.id) == log.id, col(MetLog.status) == MetStatus.PENDING)
        .values(status=status, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if session.execute(statement).rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(log)
        return False
    log.status, log.answered_at = status, now
    return True


def delete_met_log(log: MetLog, *, session: Session) -> None:
    session.delete(log)
    session.flush()


def set_met_dm(log: MetLog, channel: str, ts: str, *, session: Session) -> None:
    log.dm_channel = channel
    log.dm_ts = ts
    session.add(log)
    session.flush()


# --- transitions ----------------------------------------------------------------------------


def latest_transition(person_id: int, *, session: Session) -> Transition | None:
    """The most recently started transition that was not ended early (it may have run out)."""
    statement = (
        select(Transition)
        .where(Transition.person_id == person_id, col(Transition.ended_at).is_(None))
        .order_by(col(Transition.started_at).desc(), col(Transition.id).desc())
    )
    return session.exec(statement).first()


def add_transition(
    person_id: int, kind: str, goal: int, window_days: int, *, session: Session, now: datetime
) -> Transition:
    transition = Transition(
        person_id=person_id, kind=kind, started_at=now, goal=goal, window_days=window_days
    )
    session.add(transition)
    session.flush()
    return transition


def end_transition(transition: Transition, *, session: Session, now: datetime) -> None:
    transition.ended_at = now
    session.add(transition)
    session.flush()
